"""Order numbers: short enough to read out, typed back however people type them."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from ally_web.extensions import db
from ally_web.models import Order

ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U


def new_order_number() -> str:
    while True:
        raw = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))
        number = f"{raw[:4]}-{raw[4:]}"
        if not db.session.scalar(select(Order.id).where(Order.number == number)):
            return number


def normalize_order_number(raw: str | None) -> str:
    """What people type → the stored form: '#k7m2 9qxd' → 'K7M2-9QXD'."""
    text = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return f"{text[:4]}-{text[4:]}" if len(text) == 8 else text
