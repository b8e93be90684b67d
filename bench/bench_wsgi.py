"""WSGI entry for the benchmark: `gunicorn --chdir bench bench_wsgi:app`.

The database comes from `DATABASE_URL`, and start-up's objects are frozen out of the
garbage collector's sweeps, as in `wsgi.py`.
"""

import gc

from bench_config import BenchConfig

from ally_web import create_app

app = create_app(BenchConfig)
gc.freeze()
