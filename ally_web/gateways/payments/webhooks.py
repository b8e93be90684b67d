"""Webhook signatures: how the provider proves a notification came from it.

The scheme is Stripe's shape: ``t=<timestamp>,v1=<hex HMAC-SHA256>`` over
``"<timestamp>." + body``, so a real provider's verification can replace this one
without changing the receiving view.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

from ally_web.gateways.payments import PaymentResult

__all__ = ["SESSION_COMPLETED", "SIGNATURE_HEADER", "sign_webhook", "verify_webhook", "webhook_body"]

SIGNATURE_HEADER = "Sandbox-Signature"
# The event sent when a hosted page was paid, declined or cancelled (Stripe's name).
SESSION_COMPLETED = "checkout.session.completed"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


def _signature(body: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign_webhook(body: bytes, secret: str, timestamp: int) -> str:
    """The signature header for ``body``: ``t=<timestamp>,v1=<hex HMAC-SHA256>`` of
    ``"<timestamp>." + body`` (the timestamp is signed too, so it cannot be replayed
    with a fresh one)."""
    if not secret:
        raise ValueError("A webhook secret is required.")
    return f"t={int(timestamp)},v1={_signature(body, secret, int(timestamp))}"


def verify_webhook(body: bytes, header: str | None, secret: str, now_ts: int, tolerance: int = 300) -> bool:
    """True only if ``header`` signs ``body`` with ``secret`` within ``tolerance``
    seconds of ``now_ts``. Malformed headers, stale (or far-future) timestamps, a
    wrong secret and a changed body all give False; comparison is constant-time.
    Several ``v1`` values are accepted (a secret being rotated)."""
    if not secret or not isinstance(body, bytes) or not isinstance(header, str) or len(header) > 2000:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            if timestamp is not None or not _TIMESTAMP.fullmatch(value):
                return False
            timestamp = int(value)
        elif key == "v1":
            if not _HEX_SHA256.fullmatch(value):
                return False
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs(int(now_ts) - timestamp) > tolerance:
        return False
    expected = _signature(body, secret, timestamp)
    matched = False
    for candidate in candidates:  # no early exit: every candidate is compared
        matched |= hmac.compare_digest(expected, candidate)
    return matched


def webhook_body(result: PaymentResult, event_type: str = SESSION_COMPLETED) -> bytes:
    """A webhook's JSON body: ``{"type", "session_id", "data": <PaymentResult>}``
    (``data.session_id`` too). The receiver should take only the session id from it
    and ``retrieve`` the payment, rather than trust the rest."""
    return json.dumps(
        {"type": event_type, "session_id": result.session_id, "data": result.to_dict()},
        separators=(",", ":"), sort_keys=True,
    ).encode()
