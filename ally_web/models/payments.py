"""The sandbox payment provider's own records.

These tables belong to the *provider* (the test one that runs inside the app), not to
the shop: the shop only ever sees a ``PaymentResult`` through the gateway interface,
exactly as it would with a real processor. No card number or security code is ever
stored here: only the brand, the last four digits and the funding type, and for a
saved card the behaviour its test number stands for (how long its holds last, how an
off-session charge on it ends).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ally_web.core import clock
from ally_web.extensions import Model


def new_session_id() -> str:
    """An unguessable id for a hosted payment page (it is part of the page's URL)."""
    return secrets.token_urlsafe(24)


def new_method_token() -> str:
    """The opaque, reusable name the shop keeps for a saved card (never the number)."""
    return "pm_sbx_" + secrets.token_urlsafe(18)


class SandboxPaymentMethod(Model):
    """A card saved through a setup page, to be held or charged later off-session.

    ``hold_days`` and ``off_session_failure`` are copied from the test card when it
    is saved, so the card number itself need not be kept to know how it behaves.
    """

    __tablename__ = "sandbox_payment_methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_method_token)
    card_brand: Mapped[str] = mapped_column(String(20))
    card_last4: Mapped[str] = mapped_column(String(4))
    card_funding: Mapped[str] = mapped_column(String(10))  # credit, debit, prepaid
    hold_days: Mapped[int]  # an authorization on this card lapses after this many days
    off_session_failure: Mapped[str | None] = mapped_column(String(40))  # None: charges go through
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (CheckConstraint("hold_days > 0", name="hold_days_positive"),)

    def __repr__(self) -> str:
        return f"<SandboxPaymentMethod {self.card_brand} …{self.card_last4}>"


class SandboxPayment(Model):
    """One hosted payment session and, once paid, the payment it became; or a hold or
    charge made off-session on a saved card (``payment_method`` set, mode not
    ``setup``), which has no hosted page."""

    __tablename__ = "sandbox_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_id)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    mode: Mapped[str] = mapped_column(String(20))  # card, installments, setup
    description: Mapped[str] = mapped_column(String(500), default="")
    return_url: Mapped[str] = mapped_column(String(2000))
    cancel_url: Mapped[str] = mapped_column(String(2000))
    # open → authorized | failed | cancelled (setup mode: open → saved | failed |
    # cancelled); authorized → captured | voided; captured → refunded (once the whole
    # captured amount is refunded). Off-session rows start authorized, captured or failed.
    status: Mapped[str] = mapped_column(String(20), default="open")
    payment_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    failure_code: Mapped[str | None] = mapped_column(String(40))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_funding: Mapped[str | None] = mapped_column(String(10))  # credit, debit, prepaid
    captured_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)
    # When an authorization lapses (card network rules); None for anything else.
    expires_at: Mapped[datetime | None]
    # The card a setup page saved, or the saved card a hold or charge was made on.
    payment_method_id: Mapped[int | None] = mapped_column(ForeignKey("sandbox_payment_methods.id"), index=True)
    payment_method: Mapped[SandboxPaymentMethod | None] = relationship()
    # ``metadata`` is reserved on declarative classes: the attribute has a trailing _.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (
        # A setup page saves a card and charges nothing: the one place for 0.
        CheckConstraint("amount_cents > 0 OR (mode = 'setup' AND amount_cents = 0)",
                        name="amount_positive_unless_setup"),
        CheckConstraint("captured_cents >= 0 AND captured_cents <= amount_cents", name="captured_within_amount"),
        CheckConstraint("refunded_cents >= 0 AND refunded_cents <= captured_cents", name="refunded_within_captured"),
    )

    @property
    def off_session(self) -> bool:
        """Made on a saved card without the shopper: there is no hosted page for it."""
        return self.payment_method_id is not None and self.mode != "setup"

    def __repr__(self) -> str:  # never shows anything card-related beyond the last 4
        return f"<SandboxPayment {self.session_id[:6]}… {self.status} {self.amount_cents}>"


class SandboxIdempotencyKey(Model):
    """A gateway call already answered: repeating its key returns ``result`` unchanged."""

    __tablename__ = "sandbox_idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
