"""WSGI entry point: ``gunicorn -w 2 wsgi:app``.

Settings come from ``MOBILITY_*`` environment variables. The region's arrays are
memory-mapped read-only, so every worker shares one copy in the page cache.
"""

from app import create_app

app = create_app()
