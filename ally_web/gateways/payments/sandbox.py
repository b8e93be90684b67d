"""The sandbox provider: payments kept in the database, a hosted page served by the app.

It plays a real processor's part for development and tests (the production
configuration refuses it): its payments and saved cards live in
``models/payments.py``, its hosted page is ``blueprints/sandbox``, and the test card
typed there decides what happens, then and later (``cards.TEST_CARDS``): a saved
card keeps its test card's behaviour, not its number.

Holds lapse by the store clock (``ally_web.core.clock``), so tests move time with
``clock.freeze`` rather than waiting.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.gateways.payments import MODES, HostedSession, PaymentError, PaymentResult
from ally_web.gateways.payments.cards import SandboxCard, luhn_valid, sandbox_card
from ally_web.models.payments import SandboxIdempotencyKey, SandboxPayment, SandboxPaymentMethod

__all__ = [
    "SandboxGateway",
    "sandbox_authorize",
    "sandbox_cancel",
    "sandbox_save_card",
    "sandbox_session",
    "with_session_param",
]

_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_METHOD_PREFIX = "pm_sbx_"
# The most one payment may be: $999,999.99, as with real processors; it also keeps
# every amount inside a 32-bit column.
MAX_AMOUNT_CENTS = 99_999_999


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
        payment_method=payment.payment_method.token if payment.payment_method else None,
        expires_at=payment.expires_at,
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


def _new_payment_ref() -> str:
    return "sbx_" + secrets.token_urlsafe(18)


def _card_typed(payment: SandboxPayment, card_number: str) -> SandboxCard:
    """Check a page's submission and note the card on it: brand, last four, funding."""
    if payment.status != "open":
        raise PaymentError("session_used", "This payment page has already been used.")
    if not (12 <= len(card_number) <= 19) or not luhn_valid(card_number):
        raise PaymentError("invalid_request", "That is not a valid card number.")
    card = sandbox_card(card_number)
    payment.card_brand = card.brand
    payment.card_last4 = card_number[-4:]
    payment.card_funding = card.funding
    return card


def sandbox_authorize(payment: SandboxPayment, card_number: str) -> PaymentResult:
    """The shopper pressed Pay on the hosted page with a valid-looking card number.

    Test cards decide the outcome (``TEST_CARDS``); any other Luhn-valid number is
    declined. Success authorizes the whole amount (the shop captures it later, before
    the hold lapses). Only the brand, last four digits and funding type are kept.
    """
    if payment.mode == "setup":
        raise PaymentError("invalid_request", "A setup page saves a card: use sandbox_save_card.")
    card = _card_typed(payment, card_number)
    # A declined attempt has a reference too (as with real processors), so the shop
    # can quote it; it can never be captured.
    payment.payment_ref = _new_payment_ref()
    if card.failure is None:
        payment.status = "authorized"
        payment.failure_code = None
        payment.expires_at = clock.now() + timedelta(days=card.hold_days)
    else:
        payment.status = "failed"
        payment.failure_code = card.failure
    _touch(payment)
    return _result(payment)


def sandbox_save_card(payment: SandboxPayment, card_number: str) -> PaymentResult:
    """The shopper submitted a setup page: save the card for later, charge nothing.

    A card that would be declined for a payment is not saved (the page's status
    becomes ``failed`` with that code). A saved card keeps its test card's behaviour
    (hold length, off-session declines), never its number.
    """
    if payment.mode != "setup":
        raise PaymentError("invalid_request", "Only a setup page saves a card.")
    card = _card_typed(payment, card_number)
    if card.failure is None:
        payment.payment_method = SandboxPaymentMethod(
            card_brand=payment.card_brand, card_last4=payment.card_last4, card_funding=payment.card_funding,
            hold_days=card.hold_days, off_session_failure=card.off_session_failure, created_at=clock.now(),
        )
        payment.status = "saved"
        payment.failure_code = None
    else:
        payment.status = "failed"
        payment.failure_code = card.failure
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


def _check_currency(currency: Any) -> None:
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise PaymentError("invalid_request", "The currency must be a three-letter code such as USD.")


def _check_description(description: Any) -> None:
    if not isinstance(description, str) or len(description) > 500:
        raise PaymentError("invalid_request", "The description must be text of at most 500 characters.")


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        raise PaymentError("invalid_request", "An idempotency key of 1 to 200 characters is required.")


class SandboxGateway:
    """The test provider: payments live in the database, the hosted page is
    ``blueprints/sandbox``. Test cards: see ``cards.TEST_CARDS`` (and the hosted page)."""

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

    def _method(self, token: str) -> SandboxPaymentMethod:
        """The saved card behind ``token``, locked (so one key's concurrent calls queue)."""
        method = None
        if isinstance(token, str) and token.startswith(_METHOD_PREFIX) and len(token) <= 64:
            method = db.session.scalar(
                select(SandboxPaymentMethod).where(SandboxPaymentMethod.token == token).with_for_update()
            )
        if method is None:
            raise PaymentError("no_such_payment_method", "No saved payment method has that token.")
        return method

    @staticmethod
    def _check_amount(amount_cents: Any) -> int:
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
            raise PaymentError("invalid_amount", "The amount must be a whole number of cents above zero.")
        if amount_cents > MAX_AMOUNT_CENTS:
            raise PaymentError("invalid_amount", "The amount is larger than one payment may be.")
        return amount_cents

    @staticmethod
    def _check_hold(payment: SandboxPayment, verb: str) -> None:
        """Only a live authorization can be captured or voided."""
        if payment.status != "authorized":
            raise PaymentError("invalid_state", f"A {payment.status} payment cannot be {verb}.")
        if payment.expires_at is not None and clock.now() >= payment.expires_at:
            raise PaymentError("authorization_expired", "The authorization has lapsed; nothing can be taken from it.")

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
        if mode == "setup":
            # Saving a card charges nothing: 0 is the only amount, and only here.
            if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents != 0:
                raise PaymentError("invalid_amount", "A setup page charges nothing: the amount must be 0.")
        else:
            self._check_amount(amount_cents)
        _check_currency(currency)
        if mode not in MODES:
            raise PaymentError("invalid_request", f"The mode must be one of {', '.join(MODES)}.")
        if mode == "installments" and amount_cents < policy.INSTALLMENT_COUNT:
            raise PaymentError("invalid_amount", "The amount is too small to split into installments.")
        if not _valid_redirect_url(return_url) or not _valid_redirect_url(cancel_url):
            raise PaymentError("invalid_request", "The return and cancel URLs must be paths or http(s) URLs.")
        _check_description(description)
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
        """Capture up to the authorized amount, once, before the hold lapses (a smaller
        capture releases the rest). Hosted-page payments and holds on saved cards alike."""
        request = {"payment_ref": payment_ref, "amount_cents": amount_cents}
        _check_key(idempotency_key)
        payment = self._payment(payment_ref)
        # The payment row is locked (PostgreSQL): a concurrent call with the same key
        # has committed by now if it got there first, and is found here.
        stored = self._replay(idempotency_key, "capture", request)
        if stored is not None:
            return PaymentResult.from_dict(stored)
        self._check_amount(amount_cents)
        self._check_hold(payment, "captured")
        if amount_cents > payment.amount_cents:
            raise PaymentError("amount_too_large", "The capture is larger than the authorization.")
        payment.captured_cents = amount_cents
        payment.status = "captured"
        _touch(payment)
        result = _result(payment)
        self._remember(idempotency_key, "capture", request, result.to_dict())
        return result

    def void(self, payment_ref: str, *, idempotency_key: str) -> PaymentResult:
        """Release an authorization that was not captured; the shopper is never charged.
        A hold that has already lapsed cannot be voided (``authorization_expired``)."""
        request = {"payment_ref": payment_ref}
        _check_key(idempotency_key)
        payment = self._payment(payment_ref)
        stored = self._replay(idempotency_key, "void", request)
        if stored is not None:
            return PaymentResult.from_dict(stored)
        self._check_hold(payment, "voided")
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

    def authorize_saved(self, payment_method: str, amount_cents: int, *, idempotency_key: str,
                        description: str = "", currency: str = "USD") -> PaymentResult:
        """Hold ``amount_cents`` on a saved card, off-session: ``authorized`` with
        ``expires_at`` (the card's hold length, ``HOLD_DAYS`` unless its test card says
        otherwise). Every saved sandbox card authorizes; with a real provider a hold
        can be declined (``failed`` with a code), so callers must check the status."""
        return self._off_session("authorize_saved", payment_method, amount_cents, idempotency_key,
                                 description, currency, capture=False)

    def charge_saved(self, payment_method: str, amount_cents: int, *, idempotency_key: str,
                     description: str = "", currency: str = "USD") -> PaymentResult:
        """Charge a saved card now, without the shopper: ``captured``, or ``failed``
        with a failure code when the card declines (a result: the shop decides what
        a declined charge means). Refundable like any capture."""
        return self._off_session("charge_saved", payment_method, amount_cents, idempotency_key,
                                 description, currency, capture=True)

    def _off_session(self, operation: str, token: str, amount_cents: int, idempotency_key: str,
                     description: str, currency: str, *, capture: bool) -> PaymentResult:
        request = {"payment_method": token, "amount_cents": amount_cents, "currency": currency}
        _check_key(idempotency_key)
        method = self._method(token)
        # The saved card is locked: a concurrent call with this key has committed by
        # now if it came first, and is found here.
        stored = self._replay(idempotency_key, operation, request)
        if stored is not None:
            return PaymentResult.from_dict(stored)
        self._check_amount(amount_cents)
        _check_currency(currency)
        _check_description(description)

        moment = clock.now()
        # Declines are recorded too, with a reference, as hosted-page declines are.
        payment = SandboxPayment(
            amount_cents=amount_cents, currency=currency, mode="card", description=description,
            return_url="", cancel_url="", payment_ref=_new_payment_ref(), payment_method=method,
            card_brand=method.card_brand, card_last4=method.card_last4, card_funding=method.card_funding,
            metadata_={}, created_at=moment, updated_at=moment,
        )
        failure = method.off_session_failure if capture else None
        if failure is not None:
            payment.status = "failed"
            payment.failure_code = failure
        elif capture:
            payment.status = "captured"
            payment.captured_cents = amount_cents
        else:
            payment.status = "authorized"
            payment.expires_at = moment + timedelta(days=method.hold_days)
        db.session.add(payment)
        db.session.flush()
        result = _result(payment)
        self._remember(idempotency_key, operation, request, result.to_dict())
        return result
