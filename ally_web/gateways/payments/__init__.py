"""Payments: the gateway interface the shop talks to, whichever provider is behind it.

The shop never sees a card. Paying goes like this:

1. the shop calls ``create_session`` and sends the shopper to ``HostedSession.url``,
   the provider's hosted payment page;
2. the shopper pays (or cancels) there; the provider sends them back to the shop's
   ``return_url`` (or ``cancel_url``) with ``?session=<id>`` appended;
3. the shop asks the provider, server-side, what happened (``retrieve``) and never
   trusts the query string; a signed webhook (``webhooks.verify_webhook``) may arrive
   too, and leads to the same ``retrieve``;
4. the shop captures the authorization once the order is saved, and may later void
   an uncaptured authorization or refund a capture.

Every call that changes money carries an idempotency key: repeating a key returns the
first answer and changes nothing. A key used again with different parameters is an
error (``idempotency_key_reused``), as with real processors.

This module holds what every provider shares: the protocol, the results, the errors
and the provider registry. The providers and their helpers live beside it:
``sandbox`` (the built-in test provider, for development and tests only; the
production configuration refuses it), ``cards`` (the sandbox's test cards) and
``webhooks`` (signing and verifying the provider's webhooks). The names they export
are re-exported here for the callers that import them from this package.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

from flask import current_app

from ally_web import policy

__all__ = [
    "FAILURE_MESSAGES",
    "HostedSession",
    "Installment",
    "PaymentError",
    "PaymentGateway",
    "PaymentResult",
    "SESSION_COMPLETED",
    "SIGNATURE_HEADER",
    "SandboxGateway",
    "TEST_CARDS",
    "card_brand",
    "get_gateway",
    "installment_schedule",
    "luhn_valid",
    "sandbox_authorize",
    "sandbox_cancel",
    "sandbox_session",
    "sign_webhook",
    "verify_webhook",
    "webhook_body",
    "with_session_param",
]

PaymentStatus = Literal["open", "authorized", "captured", "failed", "voided", "refunded", "cancelled"]
FailureCode = Literal["card_declined", "insufficient_funds", "expired_card", "cancelled_by_shopper"]
PaymentMode = Literal["card", "installments"]
MODES: tuple[str, ...] = ("card", "installments")

# What the shopper reads when a payment did not go through, in the shop's words.
FAILURE_MESSAGES: dict[str, str] = {
    "card_declined": "Your card was declined. Please try another card or contact your bank.",
    "insufficient_funds": (
        "Your card was declined for insufficient funds. Nothing was charged; please try "
        "another card."
    ),
    "expired_card": (
        "Your bank says this card has expired. Nothing was charged; please try another card."
    ),
    "cancelled_by_shopper": "You left the payment page before paying; nothing was charged.",
}


# --- What the gateway answers -------------------------------------------------------


@dataclass(frozen=True)
class HostedSession:
    """A payment page opened on the provider: send the shopper to ``url``."""

    id: str
    url: str


@dataclass(frozen=True)
class PaymentResult:
    """The provider's account of one session and the payment it became."""

    session_id: str
    status: PaymentStatus
    payment_ref: str | None = None
    failure_code: FailureCode | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    card_funding: str | None = None  # credit, debit, prepaid
    amount_cents: int = 0
    mode: str = "card"  # card, installments
    captured_cents: int = 0
    refunded_cents: int = 0

    @property
    def failure_message(self) -> str | None:
        """The sentence to show the shopper, or None when nothing failed."""
        if self.failure_code is None:
            return None
        return FAILURE_MESSAGES.get(self.failure_code, FAILURE_MESSAGES["card_declined"])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PaymentResult:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class PaymentError(Exception):
    """The gateway refused the call itself (not a declined card: that is a result).

    ``code`` is one of: ``invalid_request``, ``invalid_amount``, ``no_such_session``,
    ``no_such_payment``, ``invalid_state`` (e.g. capturing a failed payment),
    ``amount_too_large`` (capture beyond the authorization, refund beyond the
    capture), ``session_used`` and ``idempotency_key_reused``.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@runtime_checkable
class PaymentGateway(Protocol):
    """What the shop needs from a payment provider.

    Every method flushes and never commits: the caller commits once, together with
    its own changes.
    """

    name: str

    def create_session(self, *, amount_cents: int, currency: str, mode: str, description: str,
                       return_url: str, cancel_url: str, idempotency_key: str,
                       metadata: dict[str, Any]) -> HostedSession: ...

    def retrieve(self, session_id: str) -> PaymentResult: ...

    def capture(self, payment_ref: str, amount_cents: int, *, idempotency_key: str) -> PaymentResult: ...

    def void(self, payment_ref: str, *, idempotency_key: str) -> PaymentResult: ...

    def refund(self, payment_ref: str, amount_cents: int, *, idempotency_key: str) -> PaymentResult: ...


# --- Installments (the pay-later provider's own rule) --------------------------------


@dataclass(frozen=True)
class Installment:
    due_on: date
    amount_cents: int


def installment_schedule(amount_cents: int, start: date) -> list[Installment]:
    """Split ``amount_cents`` into ``policy.INSTALLMENT_COUNT`` payments, one every
    ``policy.INSTALLMENT_INTERVAL_WEEKS`` weeks from ``start``; the odd cents go first,
    so the payments always add up to exactly the amount."""
    count = policy.INSTALLMENT_COUNT
    base, remainder = divmod(amount_cents, count)
    return [
        Installment(
            due_on=start + timedelta(weeks=policy.INSTALLMENT_INTERVAL_WEEKS * i),
            amount_cents=base + (remainder if i == 0 else 0),
        )
        for i in range(count)
    ]


# --- Providers ----------------------------------------------------------------------

# The providers import the shared names above from this package, so they are imported
# only now, once those names exist. Eagerly, not inside ``get_gateway``: the registry
# is complete as soon as the package is.
from ally_web.gateways.payments.cards import TEST_CARDS, card_brand, luhn_valid  # noqa: E402
from ally_web.gateways.payments.sandbox import (  # noqa: E402
    SandboxGateway,
    sandbox_authorize,
    sandbox_cancel,
    sandbox_session,
    with_session_param,
)
from ally_web.gateways.payments.webhooks import (  # noqa: E402
    SESSION_COMPLETED,
    SIGNATURE_HEADER,
    sign_webhook,
    verify_webhook,
    webhook_body,
)

_PROVIDERS: dict[str, type] = {"sandbox": SandboxGateway}


def get_gateway() -> PaymentGateway:
    """The provider named by ``PAYMENTS_PROVIDER`` (default ``"sandbox"``).

    A real processor plugs in here: a ``StripeGateway`` implementing the same
    protocol (Checkout Sessions for the hosted page, PaymentIntents with
    ``capture_method=manual`` for authorize/capture/void, Refunds, the
    ``Idempotency-Key`` header on every call, and Stripe's webhook signature, which
    has the same ``t=…,v1=…`` shape as ``webhooks.sign_webhook``) registered under
    ``"stripe"`` in ``_PROVIDERS``.
    """
    name = current_app.config.get("PAYMENTS_PROVIDER", "sandbox")
    factory = _PROVIDERS.get(name)
    if factory is None:
        raise RuntimeError(
            f"Unknown PAYMENTS_PROVIDER {name!r}; expected one of: {', '.join(sorted(_PROVIDERS))}."
        )
    return factory()
