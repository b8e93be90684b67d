"""WSGI entry point: `gunicorn wsgi:app` (settings from the environment)."""

import gc

from ally_web import create_app

app = create_app()

# What start-up built (modules, templates, the app) lives as long as the process. Frozen,
# it is left out of the collector's full sweeps - without this, a worker stopped for
# about 0.1 s every several thousand requests to walk it all - and, with gunicorn's
# preload, its pages stay shared between the workers instead of being copied on write.
gc.freeze()
