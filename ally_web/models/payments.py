"""The sandbox payment provider's own records.

These tables belong to the *provider* (the test one that runs inside the app), not to
the shop: the shop only ever sees a ``PaymentResult`` through the gateway interface,
exactly as it would with a real processor. No card number or security code is ever
stored here: only the brand, the last four digits and the funding type.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ally_web.core import clock
from ally_web.extensions import Model


def new_session_id() -> str:
    """An unguessable id for a hosted payment page (it is part of the page's URL)."""
    return secrets.token_urlsafe(24)


class SandboxPayment(Model):
    """One hosted payment session and, once paid, the payment it became."""

    __tablename__ = "sandbox_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_id)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    mode: Mapped[str] = mapped_column(String(20))  # card, installments
    description: Mapped[str] = mapped_column(String(500), default="")
    return_url: Mapped[str] = mapped_column(String(2000))
    cancel_url: Mapped[str] = mapped_column(String(2000))
    # open → authorized | failed | cancelled; authorized → captured | voided;
    # captured → refunded (once the whole captured amount is refunded).
    status: Mapped[str] = mapped_column(String(20), default="open")
    payment_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    failure_code: Mapped[str | None] = mapped_column(String(40))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_funding: Mapped[str | None] = mapped_column(String(10))  # credit, debit, prepaid
    captured_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)
    # ``metadata`` is reserved on declarative classes: the attribute has a trailing _.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("captured_cents >= 0 AND captured_cents <= amount_cents", name="captured_within_amount"),
        CheckConstraint("refunded_cents >= 0 AND refunded_cents <= captured_cents", name="refunded_within_captured"),
    )

    def __repr__(self) -> str:  # never shows anything card-related beyond the last 4
        return f"<SandboxPayment {self.session_id[:6]}… {self.status} {self.amount_cents}>"


class SandboxIdempotencyKey(Model):
    """A gateway call already answered: repeating its key returns ``result`` unchanged."""

    __tablename__ = "sandbox_idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
