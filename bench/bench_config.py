"""Settings for the benchmark server: the deployed settings (staging: production's
behaviour with the sandbox payment provider, templates compiled once), minus CSRF
and rate limits, and without HTTPS (wrk speaks plain HTTP to the server).

CSRF has no environment switch, so the benchmark's WSGI entry (`bench_wsgi.py`) builds
the app from this class. Rate limits are off so that thousands of requests a second
from one address measure the pages, not the limiter's 429s.
"""

from ally_web.config import StagingConfig


class BenchConfig(StagingConfig):
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    LOG_FORMAT = "json"
    LOG_LEVEL = "WARNING"  # no log line per request: the access log is off too
