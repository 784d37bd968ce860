"""Run localstripe on 127.0.0.1 without its shared /tmp pickle: ``python localstripe_loopback.py PORT``.

The stock CLI binds every interface and writes /tmp/localstripe.pickle after every change
(see ../shared/STRIPE.md); tests need neither.
"""

from __future__ import annotations

import sys

from aiohttp import web
from localstripe import resources, server


def main() -> None:
    """Serve localstripe's app on loopback at the port given."""
    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)


if __name__ == "__main__":
    main()
