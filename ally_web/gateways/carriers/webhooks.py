"""The carrier-tracking webhook's signature: HMAC-SHA256 of the body with a shared
secret, sent as ``X-Tracking-Signature: sha256=<hex>``."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Tracking-Signature"


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    if not header:
        return False
    # Bytes on both sides: compare_digest refuses non-ASCII strings, and headers are client input.
    return hmac.compare_digest(signature(body, secret).encode(), header.strip().encode("utf-8", "replace"))
