"""WSGI entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Settings come from ``MOBILITY_*`` environment variables. The region's arrays are
memory-mapped read-only, so every worker shares one copy in the page cache. A request
cut off by the worker timeout answers problem+json (:mod:`app.wsgi_errors`).
"""

from app import create_app
from app.wsgi_errors import AbortAsProblem

app = create_app()
app.wsgi_app = AbortAsProblem(app.wsgi_app)  # type: ignore[method-assign]
