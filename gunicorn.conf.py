"""gunicorn settings for the store: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every number can be changed from the environment (README, "Running on more than one
machine"). Sync workers: each request holds one worker; the pages are short and the
slow parts (email, payments' webhooks) never run inside a request.
"""

import json
import logging
import os

# Where to listen. Behind a load balancer: 0.0.0.0:8000 (compose.yaml does).
bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")

# Workers: gunicorn's rule of thumb, 2 per CPU + 1, unless WEB_CONCURRENCY says.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"

# A request that takes longer than this is killed (and its worker replaced): the
# slowest page is a label PDF, well under a second; 30 s leaves room for a slow database.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM or SIGHUP (a deploy), workers finish the requests they hold for this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Longer than the load balancer's idle timeout (often 60 s) would hold workers for
# idle connections; sync workers close after each response anyway.
keepalive = 2

# Each worker is replaced after about this many requests (spread by the jitter so they
# do not all restart at once): whatever a long life leaks, it never grows for ever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10

# Load the app once in the master, then fork: workers share its memory pages and a
# broken app fails at start, not in every worker. Database pools are per worker
# (SQLAlchemy opens connections lazily, after the fork).
preload_app = True

# Access log on stderr, one JSON object a line like the app's own logs, with the
# request id the app answered with (X-Request-ID), so the two can be joined.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Behind a load balancer the app itself reads X-Forwarded-* (PROXY_FIX_HOPS, README);
# gunicorn only needs to trust them from the balancer's address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class AccessRequestId(logging.Filter):
    """gunicorn writes the access line outside the request: take the id from the
    response header the app set."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args if isinstance(record.args, dict) else {}
        record.request_id = atoms.get("{x-request-id}o") or getattr(record, "request_id", None)
        return True


_formatter = (
    {"()": "ally_web.observability.JsonFormatter"}
    if os.environ.get("LOG_FORMAT", "json") == "json"
    else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"default": _formatter},
    "filters": {"access_request_id": {"()": AccessRequestId}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr",
                   "filters": ["access_request_id"]},
    },
    "root": {"level": loglevel.upper(), "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}


def on_starting(server) -> None:
    """What this server runs with: the settings above as the command line left them."""
    cfg = server.cfg
    logging.getLogger("gunicorn.error").info(
        "Starting %s", json.dumps({"bind": cfg.bind, "workers": cfg.workers, "timeout": cfg.timeout}))
