"""Settings, read from environment variables (listed in the README)."""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEV_SECRET_KEY = "dev-only-not-secret"
DEV_WEBHOOK_SECRET = "dev-only-webhook-secret"
# A production secret uses at least this many different characters (a hex token has 16;
# 32 random hex characters show fewer than 8 about once in 25 million).
MIN_SECRET_CHARACTERS = 8


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'ally.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Cookies: never readable by scripts, never sent on cross-site POSTs.
    SESSION_COOKIE_NAME = "ally_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)  # the shopper's cart
    # The cookie is signed and sent again only when the session changes (the cart, a
    # form token, a message), not on every page: the cart lasts 14 days from its last
    # change, and a page that changes nothing signs nothing.
    SESSION_REFRESH_EACH_REQUEST = False
    # Production only: Strict-Transport-Security on every response, and plain HTTP
    # redirected to HTTPS (never in development or tests, served over plain HTTP).
    HSTS_SECONDS = 0
    HTTPS_REDIRECT = False

    # Staff sign-in: both enforced on the server, per staff session.
    STAFF_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("STAFF_IDLE_MINUTES", "30")))
    STAFF_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("STAFF_ABSOLUTE_HOURS", "12")))

    MAX_CONTENT_LENGTH = 1024 * 1024  # no form or webhook of ours comes near 1 MB
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    # Redis, shared by every process on every machine: rate limits, lookup throttles
    # and the sign-in failure counts live there (RATELIMIT_STORAGE_URI wins if both set).
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    # A Redis that stops answering must cost a request a second at most, never hang a
    # worker until gunicorn's timeout kills it: then the in-memory fallback below counts.
    REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "1"))
    RATELIMIT_STORAGE_OPTIONS = {
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
    }
    # While the shared store (Redis) is down, count in each process instead of failing
    # every limited request with a 500; the outage is logged as an error, and the
    # shared store is used again once it answers (Flask-Limiter checks it with backoff).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # No X-RateLimit-* headers: on the order lookup they would tell a stranger how many
    # tries a number has had. The 429 page says when to try again (Retry-After).
    RATELIMIT_HEADERS_ENABLED = False
    # Behind a reverse proxy, how many proxies set X-Forwarded-For/-Proto/-Host; the
    # rate limits key on the client address, so this must be right in production.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    # Staff sign-in: the hard limit per client address, and a slower one per email typed
    # from that same address (so guessing from many addresses never locks the owner
    # out); after LOGIN_ALERT_FAILURES failures for one email within an hour, from any
    # address, its owner is emailed (services/staff/guessing.py).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute; 30 per hour")
    LOGIN_EMAIL_RATE_LIMIT = os.environ.get("LOGIN_EMAIL_RATE_LIMIT", "3 per minute; 10 per hour")
    LOGIN_ALERT_FAILURES = int(os.environ.get("LOGIN_ALERT_FAILURES", "10"))

    # Email (docs/rules.md, "Emails to customers"): sent by `flask ally jobs`, never in a request.
    SMTP_URL = os.environ.get("SMTP_URL", "")  # empty: emails are logged, not sent
    MAIL_FROM = os.environ.get("MAIL_FROM", "ALLY <hello@ally.nyc>")
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))
    SMTP_TIMEOUT_SECONDS = float(os.environ.get("SMTP_TIMEOUT_SECONDS", "10"))  # connecting, and each command

    # Payments (gateways/payments/): "sandbox" is the built-in test provider.
    PAYMENTS_PROVIDER = os.environ.get("PAYMENTS_PROVIDER", "sandbox")
    PAYMENTS_WEBHOOK_SECRET = os.environ.get("PAYMENTS_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET)

    # Order status links (services/order_links.py) and the order lookup.
    ORDER_LINK_EMAIL_DAYS = int(os.environ.get("ORDER_LINK_EMAIL_DAYS", "30"))
    ORDER_LINK_LOOKUP_HOURS = int(os.environ.get("ORDER_LINK_LOOKUP_HOURS", "24"))
    # The payment return address shows the order only to the browser that paid, this long after.
    CHECKOUT_RETURN_MINUTES = int(os.environ.get("CHECKOUT_RETURN_MINUTES", "60"))
    LOOKUP_RATE_LIMIT = os.environ.get("LOOKUP_RATE_LIMIT", "10 per minute; 50 per hour")
    LOOKUP_NUMBER_RATE_LIMIT = os.environ.get("LOOKUP_NUMBER_RATE_LIMIT", "5 per minute; 20 per hour")
    # While a parcel is moving, the status page refreshes itself this often.
    ORDER_STATUS_POLL_SECONDS = int(os.environ.get("ORDER_STATUS_POLL_SECONDS", "30"))
    # Rendered order sections each process keeps for the status page, each under the
    # fingerprint of the order's rows (blueprints/orders/page_cache.py); 0 turns it off.
    ORDER_PAGE_CACHE_SIZE = int(os.environ.get("ORDER_PAGE_CACHE_SIZE", "512"))
    TRACKING_WEBHOOK_SECRET = os.environ.get("TRACKING_WEBHOOK_SECRET", "dev-only-tracking-secret")

    # How long a process keeps the style list of the home and shop pages.
    CATALOG_CACHE_SECONDS = int(os.environ.get("CATALOG_CACHE_SECONDS", "60"))
    # How often a process asks the database whether staff changed the catalog (one
    # tiny read): a new price or a hidden style shows everywhere within this time.
    CATALOG_FRESH_SECONDS = float(os.environ.get("CATALOG_FRESH_SECONDS", "2"))
    # Where uploaded colour pictures are kept (served under /media/).
    MEDIA_DIR = os.environ.get("MEDIA_DIR", "")

    # Compression of pages and fragments (wire.py; static files are compressed once,
    # at start). Brotli at level 1 makes a page about a third of its size (a product
    # page: 9.5 KB to 3.4 KB), smaller than gzip's level 1, in half the CPU of brotli's
    # level 2 (which saves 6% more) and a third of level 4's (13% more). Pages are made
    # per request, so CPU wins; static files get level 11 once.
    PAGE_BROTLI_LEVEL = 1
    PAGE_GZIP_LEVEL = 4
    PAGE_COMPRESS_MIN_BYTES = 500  # below this, the encoding's framing eats the saving

    # Logs: "json" (one object a line, with the request id) or "text" for a terminal.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # Where the store is reached; used for links in emails written outside a request.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    # Demo accounts printed by the serve script; ignored outside `flask ally seed`.
    DEMO_STAFF_EMAIL = "stylist@ally.nyc"
    DEMO_ADMIN_EMAIL = "admin@ally.nyc"
    DEMO_STAFF_PASSWORD = "heels-demo-2026"


class DevelopmentConfig(Config):
    DEBUG = False
    TEMPLATES_AUTO_RELOAD = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False  # tests that prove CSRF switch it back on
    RATELIMIT_ENABLED = False  # tests that prove rate limits switch it back on
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None
    SMTP_URL = ""  # a developer's own SMTP_URL never reaches the tests
    CATALOG_CACHE_SECONDS = 0  # tests change the catalog and must see it at once
    PAYMENTS_PROVIDER = "sandbox"
    PAYMENTS_WEBHOOK_SECRET = "test-webhook-secret"
    # Uploaded pictures and photos from tests (and the demo seed they run) stay out of
    # the working tree; tests that look at the files use their own folder.
    MEDIA_DIR = os.path.join(tempfile.gettempdir(), "ally-test-media")


class StagingConfig(Config):
    """A production-like deployment that still pays with the built-in sandbox: for the
    containers in compose.yaml and rehearsals. It is not production and says so: no
    real payment provider exists yet, and production refuses to start without one."""

    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")


class ProductionConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-ally_session"
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = 365 * 24 * 3600  # a year, subdomains included (the Observatory asks for 6 months+)
    HTTPS_REDIRECT = True
    # Only the store's own host name is accepted: links in emails and the payment
    # return address are built from it.
    TRUSTED_HOSTS = [urlsplit(Config.PUBLIC_BASE_URL).hostname]

    @classmethod
    def check(cls) -> None:
        """Refuse to start with settings that are only safe on a laptop, or that
        production cannot run with. README ("Production") lists every refusal."""
        env = os.environ
        secret = env.get("SECRET_KEY", "")
        if len(secret) < 32 or secret == DEV_SECRET_KEY or _low_variety(secret):
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY: a random value of 32+ characters, not a repeated "
                "pattern (python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        if "DATABASE_URL" not in env:
            raise RuntimeError("ProductionConfig needs DATABASE_URL.")
        if (env.get("RATELIMIT_STORAGE_URI") or env.get("REDIS_URL") or "memory://").startswith("memory://"):
            raise RuntimeError(
                "ProductionConfig needs REDIS_URL (or RATELIMIT_STORAGE_URI), e.g. redis://host:6379/0: "
                "with memory:// every worker process counts on its own."
            )
        if not env.get("SMTP_URL"):
            raise RuntimeError("ProductionConfig needs SMTP_URL: without it emails are only logged.")
        if "PUBLIC_BASE_URL" not in env:
            raise RuntimeError("ProductionConfig needs PUBLIC_BASE_URL, the store's https:// address.")
        base_url = urlsplit(env["PUBLIC_BASE_URL"])
        if base_url.scheme != "https" or not base_url.hostname:
            raise RuntimeError(
                "ProductionConfig needs PUBLIC_BASE_URL to start with https:// and name the store's host "
                f"(not {env['PUBLIC_BASE_URL']!r}): links in emails and the payment return address use it."
            )
        provider = env.get("PAYMENTS_PROVIDER", "sandbox")
        if provider == "sandbox":
            raise RuntimeError(
                "ProductionConfig refuses the sandbox payment provider (test payments only): "
                "set PAYMENTS_PROVIDER to a real provider."
            )
        from ally_web.gateways.payments import PROVIDERS  # only here: config is read before the app exists

        if provider not in PROVIDERS:
            known = ", ".join(sorted(name for name in PROVIDERS if name != "sandbox")) or "none yet"
            raise RuntimeError(
                f"ProductionConfig does not know PAYMENTS_PROVIDER {provider!r}: every checkout would fail. "
                f"Providers this build can use: {known} (an adapter registers in gateways/payments PROVIDERS)."
            )
        tracking_secret = env.get("TRACKING_WEBHOOK_SECRET", "")
        if len(tracking_secret) < 32 or _low_variety(tracking_secret):
            raise RuntimeError(
                "ProductionConfig needs TRACKING_WEBHOOK_SECRET: the secret shared with the "
                "carrier-tracking service (32+ random characters)."
            )
        webhook_secret = env.get("PAYMENTS_WEBHOOK_SECRET", "")
        if len(webhook_secret) < 32 or webhook_secret == DEV_WEBHOOK_SECRET or _low_variety(webhook_secret):
            raise RuntimeError(
                "ProductionConfig needs PAYMENTS_WEBHOOK_SECRET: the provider's webhook "
                "signing secret (32+ random characters)."
            )
        # One secret per purpose: whoever learns a webhook secret must not be able to
        # sign sessions, nor forge the other service's webhooks.
        for name, value in (("PAYMENTS_WEBHOOK_SECRET", webhook_secret), ("TRACKING_WEBHOOK_SECRET", tracking_secret)):
            if value == secret:
                raise RuntimeError(f"ProductionConfig needs {name} to differ from SECRET_KEY: one secret per purpose.")
        if tracking_secret == webhook_secret:
            raise RuntimeError(
                "ProductionConfig needs TRACKING_WEBHOOK_SECRET to differ from PAYMENTS_WEBHOOK_SECRET: "
                "one secret per purpose."
            )


def _low_variety(secret: str) -> bool:
    """A secret made of a few characters repeated ("aaaa…", "abcabc…") is not random."""
    return len(set(secret)) < MIN_SECRET_CHARACTERS


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "staging": StagingConfig,
    "production": ProductionConfig,
}
