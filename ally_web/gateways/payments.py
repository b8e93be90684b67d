"""Payments: the gateway interface the shop talks to, and the sandbox provider.

The shop never sees a card. Paying goes like this:

1. the shop calls ``create_session`` and sends the shopper to ``HostedSession.url``,
   the provider's hosted payment page;
2. the shopper pays (or cancels) there; the provider sends them back to the shop's
   ``return_url`` (or ``cancel_url``) with ``?session=<id>`` appended;
3. the shop asks the provider, server-side, what happened (``retrieve``) and never
   trusts the query string; a signed webhook (``verify_webhook``) may arrive too,
   and leads to the same ``retrieve``;
4. the shop captures the authorization once the order is saved, and may later void
   an uncaptured authorization or refund a capture.

Every call that changes money carries an idempotency key: repeating a key returns the
first answer and changes nothing. A key used again with different parameters is an
error (``idempotency_key_reused``), as with real processors.

The default provider, ``SandboxGateway``, keeps its payments in the database
(``models/payments.py``) and serves its own hosted page (``blueprints/sandbox``). It
is for development and tests only; the production configuration refuses it.

Not yet here (they come with the at-home trial): saving a card in "setup" mode on the
hosted page, charging a saved card off-session, and authorization expiry (a hold
lapses after about 7 days). They will be added to ``PaymentGateway`` and to the
sandbox together.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.models.payments import SandboxIdempotencyKey, SandboxPayment

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
MODES = ("card", "installments")

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
    its own changes. (Still to come for the trial: save a card on the hosted page and
    charge it off-session.)
    """

    name: str

    def create_session(self, *, amount_cents: int, currency: str, mode: str, description: str,
                       return_url: str, cancel_url: str, idempotency_key: str,
                       metadata: dict[str, Any]) -> HostedSession: ...

    def retrieve(self, session_id: str) -> PaymentResult: ...

    def capture(self, payment_ref: str, amount_cents: int, *, idempotency_key: str) -> PaymentResult: ...

    def void(self, payment_ref: str, *, idempotency_key: str) -> PaymentResult: ...

    def refund(self, payment_ref: str, amount_cents: int, *, idempotency_key: str) -> PaymentResult: ...


def get_gateway() -> PaymentGateway:
    """The provider named by ``PAYMENTS_PROVIDER`` (default ``"sandbox"``).

    A real processor plugs in here: a ``StripeGateway`` implementing the same
    protocol (Checkout Sessions for the hosted page, PaymentIntents with
    ``capture_method=manual`` for authorize/capture/void, Refunds, the
    ``Idempotency-Key`` header on every call, and Stripe's webhook signature, which
    has the same ``t=…,v1=…`` shape as ``sign_webhook``) registered under
    ``"stripe"`` in ``_PROVIDERS``.
    """
    name = current_app.config.get("PAYMENTS_PROVIDER", "sandbox")
    factory = _PROVIDERS.get(name)
    if factory is None:
        raise RuntimeError(
            f"Unknown PAYMENTS_PROVIDER {name!r}; expected one of: {', '.join(sorted(_PROVIDERS))}."
        )
    return factory()


# --- The sandbox provider -----------------------------------------------------------

# The sandbox's test cards: number → (failure code or None for success, brand, funding).
# Any other number that passes the Luhn check is declined.
TEST_CARDS: dict[str, tuple[str | None, str, str]] = {
    "4242424242424242": (None, "visa", "credit"),
    "4000056655665556": (None, "visa", "debit"),
    "5105105105105100": (None, "mastercard", "prepaid"),
    "4000000000000002": ("card_declined", "visa", "credit"),
    "4000000000009995": ("insufficient_funds", "visa", "credit"),
    "4000000000000069": ("expired_card", "visa", "credit"),
}

_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CURRENCY = re.compile(r"[A-Z]{3}")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every card number carries (catches most typos)."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str:
    """The card network, from the number's first digits."""
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"51", "52", "53", "54", "55"} or (len(digits) >= 4 and 2221 <= int(digits[:4]) <= 2720):
        return "mastercard"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if digits.startswith("6011") or digits.startswith("65"):
        return "discover"
    return "unknown"


class Installment(NamedTuple):
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


def with_session_param(url: str, session_id: str) -> str:
    """``url`` with ``session=<id>`` set in its query string (other parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "session"]
    query.append(("session", session_id))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _hosted_page_url(session_id: str) -> str:
    if has_request_context():
        return url_for("sandbox.pay", session_id=session_id, _external=False)
    # Outside a request (a CLI command, a service test) build the path from the URL map.
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build("sandbox.pay", {"session_id": session_id})


def _valid_redirect_url(url: Any) -> bool:
    """A same-site path or an http(s) URL: never ``javascript:`` or the like."""
    if not isinstance(url, str) or not url or len(url) > 2000 or any(c in url for c in "\r\n\x00"):
        return False
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return bool(parts.netloc)
    return not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//")


def _result(payment: SandboxPayment) -> PaymentResult:
    return PaymentResult(
        session_id=payment.session_id,
        status=payment.status,  # type: ignore[arg-type]
        payment_ref=payment.payment_ref,
        failure_code=payment.failure_code,  # type: ignore[arg-type]
        card_brand=payment.card_brand,
        card_last4=payment.card_last4,
        card_funding=payment.card_funding,
        amount_cents=payment.amount_cents,
        mode=payment.mode,
        captured_cents=payment.captured_cents,
        refunded_cents=payment.refunded_cents,
    )


def _touch(payment: SandboxPayment) -> None:
    payment.updated_at = clock.now()
    db.session.flush()


def sandbox_session(session_id: str, *, for_update: bool = False) -> SandboxPayment | None:
    """The sandbox session behind a hosted-page URL, or None (also for malformed ids)."""
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        return None
    query = select(SandboxPayment).where(SandboxPayment.session_id == session_id)
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def sandbox_authorize(payment: SandboxPayment, card_number: str) -> PaymentResult:
    """The shopper pressed Pay on the hosted page with a valid-looking card number.

    Test cards decide the outcome (``TEST_CARDS``); any other Luhn-valid number is
    declined. Success authorizes the whole amount (the shop captures it later).
    Only the brand, last four digits and funding type are kept.
    """
    if payment.status != "open":
        raise PaymentError("session_used", "This payment page has already been used.")
    if not (12 <= len(card_number) <= 19) or not luhn_valid(card_number):
        raise PaymentError("invalid_request", "That is not a valid card number.")
    failure, brand, funding = TEST_CARDS.get(card_number, ("card_declined", card_brand(card_number), "credit"))
    payment.card_brand = brand
    payment.card_last4 = card_number[-4:]
    payment.card_funding = funding
    # A declined attempt has a reference too (as with real processors), so the shop
    # can quote it; it can never be captured.
    payment.payment_ref = "sbx_" + secrets.token_urlsafe(18)
    if failure is None:
        payment.status = "authorized"
        payment.failure_code = None
    else:
        payment.status = "failed"
        payment.failure_code = failure
    _touch(payment)
    return _result(payment)


def sandbox_cancel(payment: SandboxPayment) -> PaymentResult:
    """The shopper chose to go back to the shop without paying."""
    if payment.status != "open":
        raise PaymentError("session_used", "This payment page has already been used.")
    payment.status = "cancelled"
    payment.failure_code = "cancelled_by_shopper"
    _touch(payment)
    return _result(payment)


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        raise PaymentError("invalid_request", "An idempotency key of 1 to 200 characters is required.")


class SandboxGateway:
    """The test provider: payments live in the database, the hosted page is
    ``blueprints/sandbox``. Test cards: see ``TEST_CARDS`` (and the hosted page)."""

    name = "sandbox"

    # -- idempotency --

    def _replay(self, key: str, operation: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """The stored answer for ``key``, or None if the key is new."""
        _check_key(key)
        stored = db.session.scalar(select(SandboxIdempotencyKey).where(SandboxIdempotencyKey.key == key))
        if stored is None:
            return None
        if stored.result.get("operation") != operation or stored.result.get("request") != request:
            raise PaymentError(
                "idempotency_key_reused",
                f"The idempotency key {key!r} was already used for a different request.",
            )
        return stored.result["response"]

    def _remember(self, key: str, operation: str, request: dict[str, Any], response: dict[str, Any]) -> None:
        # Written in the caller's transaction: if two requests race with one key, the
        # unique constraint lets only one of them commit.
        db.session.add(SandboxIdempotencyKey(
            key=key,
            result={"operation": operation, "request": request, "response": response},
            created_at=clock.now(),
        ))
        db.session.flush()

    def _payment(self, payment_ref: str) -> SandboxPayment:
        payment = None
        if isinstance(payment_ref, str) and payment_ref.startswith("sbx_") and len(payment_ref) <= 64:
            payment = db.session.scalar(
                select(SandboxPayment).where(SandboxPayment.payment_ref == payment_ref).with_for_update()
            )
        if payment is None:
            raise PaymentError("no_such_payment", "No payment has that reference.")
        return payment

    @staticmethod
    def _check_amount(amount_cents: Any) -> int:
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
            raise PaymentError("invalid_amount", "The amount must be a whole number of cents above zero.")
        return amount_cents

    # -- the protocol --

    def create_session(self, *, amount_cents: int, currency: str, mode: str, description: str,
                       return_url: str, cancel_url: str, idempotency_key: str,
                       metadata: dict[str, Any]) -> HostedSession:
        request = {
            "amount_cents": amount_cents, "currency": currency, "mode": mode,
            "return_url": return_url, "cancel_url": cancel_url,
        }
        stored = self._replay(idempotency_key, "create_session", request)
        if stored is not None:
            return HostedSession(**stored)
        self._check_amount(amount_cents)
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
            raise PaymentError("invalid_request", "The currency must be a three-letter code such as USD.")
        if mode not in MODES:
            raise PaymentError("invalid_request", f"The mode must be one of {', '.join(MODES)}.")
        if mode == "installments" and amount_cents < policy.INSTALLMENT_COUNT:
            raise PaymentError("invalid_amount", "The amount is too small to split into installments.")
        if not _valid_redirect_url(return_url) or not _valid_redirect_url(cancel_url):
            raise PaymentError("invalid_request", "The return and cancel URLs must be paths or http(s) URLs.")
        if not isinstance(description, str) or len(description) > 500:
            raise PaymentError("invalid_request", "The description must be text of at most 500 characters.")
        try:
            metadata = json.loads(json.dumps(metadata or {}))
        except (TypeError, ValueError) as error:
            raise PaymentError("invalid_request", "The metadata must be JSON.") from error

        moment = clock.now()
        payment = SandboxPayment(
            amount_cents=amount_cents, currency=currency, mode=mode, description=description,
            return_url=return_url, cancel_url=cancel_url, status="open",
            metadata_=metadata, created_at=moment, updated_at=moment,
        )
        db.session.add(payment)
        db.session.flush()
        session = HostedSession(id=payment.session_id, url=_hosted_page_url(payment.session_id))
        self._remember(idempotency_key, "create_session", request, asdict(session))
        return session

    def retrieve(self, session_id: str) -> PaymentResult:
        payment = sandbox_session(session_id)
        if payment is None:
            raise PaymentError("no_such_session", "No payment session has that id.")
        return _result(payment)

    def capture(self, payment_ref: str, amount_cents: int, *, idempotency_key: str) -> PaymentResult:
        """Capture up to the authorized amount, once (a smaller capture releases the rest)."""
        request = {"payment_ref": payment_ref, "amount_cents": amount_cents}
        _check_key(idempotency_key)
        payment = self._payment(payment_ref)
        # The payment row is locked (PostgreSQL): a concurrent call with the same key
        # has committed by now if it got there first, and is found here.
        stored = self._replay(idempotency_key, "capture", request)
        if stored is not None:
            return PaymentResult.from_dict(stored)
        self._check_amount(amount_cents)
        if payment.status != "authorized":
            raise PaymentError("invalid_state", f"A {payment.status} payment cannot be captured.")
        if amount_cents > payment.amount_cents:
            raise PaymentError("amount_too_large", "The capture is larger than the authorization.")
        payment.captured_cents = amount_cents
        payment.status = "captured"
        _touch(payment)
        result = _result(payment)
        self._remember(idempotency_key, "capture", request, result.to_dict())
        return result

    def void(self, payment_ref: str, *, idempotency_key: str) -> PaymentResult:
        """Release an authorization that was not captured; the shopper is never charged."""
        request = {"payment_ref": payment_ref}
        _check_key(idempotency_key)
        payment = self._payment(payment_ref)
        stored = self._replay(idempotency_key, "void", request)
        if stored is not None:
            return PaymentResult.from_dict(stored)
        if payment.status != "authorized":
            raise PaymentError("invalid_state", f"A {payment.status} payment cannot be voided.")
        payment.status = "voided"
        _touch(payment)
        result = _result(payment)
        self._remember(idempotency_key, "void", request, result.to_dict())
        return result

    def refund(self, payment_ref: str, amount_cents: int, *, idempotency_key: str) -> PaymentResult:
        """Give back part or all of what was captured; fully refunded → ``refunded``."""
        request = {"payment_ref": payment_ref, "amount_cents": amount_cents}
        _check_key(idempotency_key)
        payment = self._payment(payment_ref)
        stored = self._replay(idempotency_key, "refund", request)
        if stored is not None:
            return PaymentResult.from_dict(stored)
        self._check_amount(amount_cents)
        if payment.status not in ("captured", "refunded"):
            raise PaymentError("invalid_state", f"A {payment.status} payment cannot be refunded.")
        if amount_cents > payment.captured_cents - payment.refunded_cents:
            raise PaymentError("amount_too_large", "The refund is larger than what is left of the capture.")
        payment.refunded_cents += amount_cents
        if payment.refunded_cents == payment.captured_cents:
            payment.status = "refunded"
        _touch(payment)
        result = _result(payment)
        self._remember(idempotency_key, "refund", request, result.to_dict())
        return result


_PROVIDERS = {"sandbox": SandboxGateway}


# --- Webhooks -----------------------------------------------------------------------

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
