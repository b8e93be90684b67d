"""Settings for the benchmark server: development settings, minus CSRF and rate limits.

CSRF has no environment switch, so the benchmark's WSGI entry (`bench_wsgi.py`) builds
the app from this class. Rate limits are off so that thousands of requests a second
from one address measure the pages, not the limiter's 429s.
"""

from ally_web.config import DevelopmentConfig


class BenchConfig(DevelopmentConfig):
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
