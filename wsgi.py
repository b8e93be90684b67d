"""WSGI entry point: `gunicorn wsgi:app` (settings from the environment)."""

from ally_web import create_app

app = create_app()
