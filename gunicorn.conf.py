"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app`` (also read by default from this folder).

The worker timeout is derived from the request budgets (``MOBILITY_PLAN_BUDGET_SECONDS``,
``MOBILITY_BOOKING_BUDGET_SECONDS``): a request that keeps its budget is never killed.
gunicorn's own errors are problem+json (``app/wsgi_errors.py``). A worker starts accepting
requests only once its routing kernels are warm (``post_worker_init``; compiled code is
cached in ``<instance>/numba-cache``, shared by the workers and kept across restarts).
"""

import os
from typing import Any

from app.settings import settings_from_env
from app.wsgi_errors import install_gunicorn_error_pages, mark_aborted

TIMEOUT_MARGIN_S = 10
"""Worker timeout beyond the longest request budget (room for writing the answer and logging)."""

_settings = settings_from_env({k: v for k, v in os.environ.items() if k.startswith("MOBILITY_")})

wsgi_app = "wsgi:app"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(max(_settings.plan_budget_seconds, _settings.booking_budget_seconds)) + TIMEOUT_MARGIN_S
graceful_timeout = 30
limit_request_line = 8190  # the longest request line (gunicorn's default: 4094); longer: 414 problem+json
limit_request_fields = 100
limit_request_field_size = 8190


def post_worker_init(worker: Any) -> None:
    """Accept requests only with warm kernels: wait for the warm-up ``create_app`` started (``app/kernels.py``).

    The worker does not notify the arbiter meanwhile: gunicorn counts the worker timeout
    from a worker's first notification (in its request loop), so a first compile longer
    than the timeout does not get a booting worker killed, and notifying here would.
    """
    warming = getattr(worker.wsgi, "extensions", {}).get("mobility.kernels")
    if warming is not None:
        warming.wait()


def worker_abort(worker: object) -> None:
    """The arbiter aborts a worker over its timeout: let the running request answer 503 problem+json."""
    mark_aborted()


install_gunicorn_error_pages()
