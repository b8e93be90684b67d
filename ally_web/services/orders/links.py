"""Links that open an order's status page without signing in.

A link carries the order's random token, signed and timestamped with the app's
secret (itsdangerous), and the kind of link it is. Links in emails last
ORDER_LINK_EMAIL_DAYS (30 by default) so a customer can reopen them while a return
is still possible; the link handed out after a lookup lasts ORDER_LINK_LOOKUP_HOURS
(24), long enough to come back to the tab, short enough that a shared computer does
not keep it for long. A tampered or expired link never shows an order: it asks for
the lookup again.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeTimedSerializer,
)

from ally_web.core import clock
from ally_web.models import Order
from ally_web.services.orders.fingerprint import OrderFingerprint, order_fingerprint
from ally_web.services.orders.queries import find_by_token

EMAIL = "email"
LOOKUP = "lookup"
SALT = "order-status-link"


class StoreClockSigner(TimestampSigner):
    """Timestamps from the store clock, so tests can age a link."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=StoreClockSigner)


def _max_age(kind: str) -> timedelta:
    config = current_app.config
    if kind == EMAIL:
        return timedelta(days=config["ORDER_LINK_EMAIL_DAYS"])
    return timedelta(hours=config["ORDER_LINK_LOOKUP_HOURS"])


def make_link(order: Order, kind: str = EMAIL) -> str:
    return _serializer().dumps({"o": order.token, "k": kind})


def status_url(order: Order, kind: str = EMAIL, external: bool = True, endpoint: str = "orders.show") -> str:
    """The status page's address (or another page opened by the same link, such as
    the fit result form). Outside a request (the seed, jobs, a delivery scan from the
    webhook worker) the host comes from PUBLIC_BASE_URL."""
    link = make_link(order, kind)
    if has_request_context():
        return url_for(endpoint, link=link, _external=external)
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, {"link": link}, force_external=external)


class LinkExpired(Exception):
    """The link was genuine but is too old."""


def token_from_link(link: str) -> str | None:
    """The order token a link carries; None when it is not one of ours. Raises LinkExpired."""
    if not link or len(link) > 300:
        return None
    longest = max(_max_age(EMAIL), _max_age(LOOKUP))
    try:
        payload, signed_at = _serializer().loads(link, max_age=int(longest.total_seconds()), return_timestamp=True)
    except SignatureExpired:
        raise LinkExpired from None
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("k") not in (EMAIL, LOOKUP):
        return None
    if clock.now() - signed_at > _max_age(payload["k"]):
        raise LinkExpired
    return str(payload.get("o", ""))


def order_from_link(link: str) -> Order | None:
    """The order behind a link, with everything its pages show; None when it is not
    one of ours. Raises LinkExpired."""
    token = token_from_link(link)
    return find_by_token(token) if token is not None else None


def fingerprint_from_link(link: str) -> OrderFingerprint | None:
    """The fingerprint of the order behind a link (fingerprint.py); None when it is
    not one of ours. Raises LinkExpired."""
    token = token_from_link(link)
    return order_fingerprint(token) if token is not None else None
