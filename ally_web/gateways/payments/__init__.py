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

Saved cards (what the at-home trial needs):

- ``create_session(mode="setup", amount_cents=0, …)`` opens a hosted page that saves a
  card and charges nothing; ``retrieve`` then answers ``"saved"`` with
  ``payment_method``, an opaque reusable token (the shop keeps it, never a number);
- ``authorize_saved`` places a hold on a saved card without the shopper present. A
  hold lapses after ``HOLD_DAYS`` days (card network rules; ``expires_at`` says when,
  and a hosted-page authorization lapses the same way): ``capture`` takes any part of
  it before then and releases the rest, ``void`` releases all of it, and both refuse
  an expired hold (``authorization_expired``);
- ``charge_saved`` charges a saved card off-session. A decline is a result
  (``"failed"`` with a failure code), not an exception: it is ordinary business.

The gateway refuses nothing for being prepaid: ``card_funding`` is in every result,
and refusing prepaid cards is the trial's rule, not the provider's.

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
from datetime import date, datetime, timedelta
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

from flask import current_app

from ally_web import policy

__all__ = [
    "FAILURE_MESSAGES",
    "HOLD_DAYS",
    "HostedSession",
    "Installment",
    "InstallmentsAfterRefunds",
    "PaymentError",
    "PaymentGateway",
    "PaymentResult",
    "SavedPaymentMethod",
    "SESSION_COMPLETED",
    "SIGNATURE_HEADER",
    "SandboxGateway",
    "TEST_CARDS",
    "card_brand",
    "PROVIDERS",
    "get_gateway",
    "installment_schedule",
    "installments_after_refunds",
    "luhn_valid",
    "sandbox_authorize",
    "sandbox_cancel",
    "sandbox_session",
    "sign_webhook",
    "verify_webhook",
    "webhook_body",
    "with_session_param",
]

PaymentStatus = Literal["open", "authorized", "captured", "failed", "voided", "refunded", "cancelled", "saved"]
FailureCode = Literal["card_declined", "insufficient_funds", "expired_card", "cancelled_by_shopper"]
# card: pay now; installments: the pay-later provider splits it; setup: save a card,
# charge nothing.
PaymentMode = Literal["card", "installments", "setup"]
MODES: tuple[str, ...] = ("card", "installments", "setup")

# Card networks let an authorization stand for about a week; after that the hold
# lapses and the money can no longer be captured. Some cards' holds lapse sooner.
HOLD_DAYS = 7

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
class SavedPaymentMethod:
    """A card saved on the provider, as the shop may keep it: the token to charge it
    by, and what to show the shopper ("Visa ending 4242") or decide on (funding)."""

    token: str
    card_brand: str | None
    card_last4: str | None
    card_funding: str | None  # credit, debit, prepaid


@dataclass(frozen=True)
class PaymentResult:
    """The provider's account of one session and the payment it became, or of a hold
    or charge on a saved card (which has a ``session_id`` too, but no hosted page).

    ``payment_method`` is the saved card's token: set when a setup page saved a card
    (status ``"saved"``) and on holds and charges made with one. ``expires_at`` (an
    aware datetime) is when an authorization lapses; None for anything not held.
    After a partial capture, ``amount_cents - captured_cents`` was released.
    """

    session_id: str
    status: PaymentStatus
    payment_ref: str | None = None
    failure_code: FailureCode | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    card_funding: str | None = None  # credit, debit, prepaid
    amount_cents: int = 0
    mode: str = "card"  # card, installments, setup
    captured_cents: int = 0
    refunded_cents: int = 0
    payment_method: str | None = None
    expires_at: datetime | None = None

    @property
    def failure_message(self) -> str | None:
        """The sentence to show the shopper, or None when nothing failed."""
        if self.failure_code is None:
            return None
        return FAILURE_MESSAGES.get(self.failure_code, FAILURE_MESSAGES["card_declined"])

    @property
    def saved_method(self) -> SavedPaymentMethod | None:
        """The saved card this result names, or None."""
        if self.payment_method is None:
            return None
        return SavedPaymentMethod(self.payment_method, self.card_brand, self.card_last4, self.card_funding)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (webhook bodies and the idempotency store keep it): the expiry
        becomes an ISO 8601 string with its offset."""
        data = asdict(self)
        if self.expires_at is not None:
            data["expires_at"] = self.expires_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PaymentResult:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if isinstance(values.get("expires_at"), str):
            values["expires_at"] = datetime.fromisoformat(values["expires_at"])
        return cls(**values)


class PaymentError(Exception):
    """The gateway refused the call itself (not a declined card: that is a result).

    ``code`` is one of: ``invalid_request``, ``invalid_amount``, ``no_such_session``,
    ``no_such_payment``, ``invalid_state`` (e.g. capturing a failed payment),
    ``amount_too_large`` (capture beyond the authorization, refund beyond the
    capture), ``session_used``, ``idempotency_key_reused``,
    ``no_such_payment_method`` (an unknown or malformed saved-card token) and
    ``authorization_expired`` (capturing or voiding a hold that has lapsed).
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

    def authorize_saved(self, payment_method: str, amount_cents: int, *, idempotency_key: str,
                        description: str = "", currency: str = "USD") -> PaymentResult: ...

    def charge_saved(self, payment_method: str, amount_cents: int, *, idempotency_key: str,
                     description: str = "", currency: str = "USD") -> PaymentResult: ...


# --- Installments (the pay-later provider's own rule) --------------------------------


class Installment(NamedTuple):
    """One payment of a schedule; unpacks as (due_on, amount_cents)."""

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


class InstallmentsAfterRefunds(NamedTuple):
    """A schedule once refunds are applied: each payment as it stands now, and what
    went back to the card because it was more than was still due."""

    schedule: list[Installment]
    taken_off_cents: int  # refunds taken off the payments still to come
    to_card_cents: int  # refunds beyond what was still due, paid back to the card


def installments_after_refunds(amount_cents: int, start: date,
                               refunds: list[tuple[date, int]]) -> InstallmentsAfterRefunds:
    """The pay-later provider's rule for a refund on a plan: it comes off the payments
    not yet collected, the last one first (a payment is collected on its due date);
    what is more than those payments goes back to the card the plan is paid with.
    So a partial refund shortens the plan from its end and never changes a date."""
    schedule = installment_schedule(amount_cents, start)
    amounts = [i.amount_cents for i in schedule]
    taken_off = to_card = 0
    for refunded_on, cents in sorted(refunds):
        left = cents
        for index in reversed(range(len(schedule))):
            if schedule[index].due_on <= refunded_on or not left:
                break  # collected already, and so is every earlier payment
            cut = min(left, amounts[index])
            amounts[index] -= cut
            left -= cut
            taken_off += cut
        to_card += left
    return InstallmentsAfterRefunds([Installment(i.due_on, a) for i, a in zip(schedule, amounts, strict=True)],
                                    taken_off, to_card)


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

# Every provider this build can talk to, by its PAYMENTS_PROVIDER name. Production
# refuses to start with a name missing here (config.ProductionConfig.check).
PROVIDERS: dict[str, type] = {"sandbox": SandboxGateway}


def get_gateway() -> PaymentGateway:
    """The provider named by ``PAYMENTS_PROVIDER`` (default ``"sandbox"``).

    A real processor plugs in here: a ``StripeGateway`` implementing the same
    protocol (Checkout Sessions for the hosted page, PaymentIntents with
    ``capture_method=manual`` for authorize/capture/void, Refunds, the
    ``Idempotency-Key`` header on every call, and Stripe's webhook signature, which
    has the same ``t=…,v1=…`` shape as ``webhooks.sign_webhook``) registered under
    ``"stripe"`` in ``PROVIDERS``.
    """
    name = current_app.config.get("PAYMENTS_PROVIDER", "sandbox")
    factory = PROVIDERS.get(name)
    if factory is None:
        raise RuntimeError(
            f"Unknown PAYMENTS_PROVIDER {name!r}; expected one of: {', '.join(sorted(PROVIDERS))}."
        )
    return factory()
