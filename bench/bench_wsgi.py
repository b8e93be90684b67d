"""WSGI entry for the benchmark: `gunicorn --chdir bench bench_wsgi:app`.

The database comes from `DATABASE_URL`, as in `wsgi.py`.
"""

from bench_config import BenchConfig

from ally_web import create_app

app = create_app(BenchConfig)
