"""The payment gateway interface and its sandbox provider, through the service API
and the hosted page (the only place a card number is typed)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

import ally_web.models.payments  # noqa: F401  (the sandbox tables, for create_all)
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.gateways.payments import (
    FAILURE_MESSAGES,
    HOLD_DAYS,
    HostedSession,
    PaymentError,
    PaymentGateway,
    PaymentResult,
    SavedPaymentMethod,
    get_gateway,
    installment_schedule,
)
from ally_web.gateways.payments.cards import TEST_CARDS, luhn_valid
from ally_web.gateways.payments.sandbox import (
    MAX_AMOUNT_CENTS,
    SandboxGateway,
    sandbox_authorize,
    sandbox_save_card,
    sandbox_session,
    with_session_param,
)
from ally_web.gateways.payments.webhooks import sign_webhook, verify_webhook, webhook_body
from ally_web.models.payments import SandboxIdempotencyKey, SandboxPayment, SandboxPaymentMethod
from tests.conftest import running_app

RETURN_URL = "/checkout/return"
CANCEL_URL = "/checkout"


@pytest.fixture
def app(app_overrides):
    with running_app(seed=False, **app_overrides) as app:
        yield app


@pytest.fixture
def gateway(app) -> SandboxGateway:
    return SandboxGateway()


def open_session(gateway, amount_cents=29500, mode="card", key="checkout:abc:session:1", **extra) -> HostedSession:
    params = dict(
        amount_cents=amount_cents, currency="USD", mode=mode, description="ALLY order, 1 pair(s)",
        return_url=RETURN_URL, cancel_url=CANCEL_URL, idempotency_key=key, metadata={"checkout": "abc"},
    )
    params.update(extra)
    session = gateway.create_session(**params)
    db.session.commit()
    return session


def pay(client, session: HostedSession, number="4242 4242 4242 4242", expiry="12/30", cvc="123", name="Ada Lovelace"):
    return client.post(session.url, data={
        "card_number": number, "expiry": expiry, "cvc": cvc, "name": name, "action": "pay",
    })


def paid(client, gateway, number="4242 4242 4242 4242", key="checkout:abc:session:1", **kwargs) -> PaymentResult:
    session = open_session(gateway, key=key, **kwargs)
    response = pay(client, session, number)
    assert response.status_code == 303, response.get_data(as_text=True)
    return gateway.retrieve(session.id)


# --- Interface and selection -----------------------------------------------------------


def test_the_sandbox_implements_the_protocol(gateway):
    assert isinstance(gateway, PaymentGateway)
    assert gateway.name == "sandbox"


def test_get_gateway_defaults_to_the_sandbox(app):
    assert isinstance(get_gateway(), SandboxGateway)
    app.config["PAYMENTS_PROVIDER"] = "sandbox"
    assert isinstance(get_gateway(), SandboxGateway)


def test_get_gateway_refuses_an_unknown_provider(app):
    app.config["PAYMENTS_PROVIDER"] = "bitcoin-by-fax"
    with pytest.raises(RuntimeError, match="PAYMENTS_PROVIDER"):
        get_gateway()


def test_every_failure_code_has_a_shopper_message():
    assert FAILURE_MESSAGES["card_declined"] == "Your card was declined. Please try another card or contact your bank."
    assert FAILURE_MESSAGES["cancelled_by_shopper"] == "You left the payment page before paying; nothing was charged."
    assert {"insufficient_funds", "expired_card"} <= set(FAILURE_MESSAGES)
    assert PaymentResult("s", "failed", failure_code="expired_card").failure_message == FAILURE_MESSAGES["expired_card"]
    assert PaymentResult("s", "authorized").failure_message is None


# --- Sessions --------------------------------------------------------------------------


def test_create_session_points_at_the_hosted_page(gateway):
    session = open_session(gateway)
    assert session.url == f"/sandbox-pay/{session.id}"
    assert len(session.id) >= 32
    result = gateway.retrieve(session.id)
    assert result == PaymentResult(session_id=session.id, status="open", amount_cents=29500, mode="card")


def test_create_session_in_a_request_uses_url_for(app, gateway):
    with app.test_request_context("/checkout"):
        session = open_session(gateway)
    assert session.url == f"/sandbox-pay/{session.id}"


def test_repeating_a_session_key_returns_the_same_session(gateway):
    first = open_session(gateway)
    again = open_session(gateway)
    assert again == first
    assert db.session.scalar(select(db.func.count()).select_from(SandboxPayment)) == 1
    assert open_session(gateway, key="checkout:abc:session:2").id != first.id


def test_a_key_reused_for_a_different_request_is_refused(gateway):
    open_session(gateway)
    with pytest.raises(PaymentError) as error:
        open_session(gateway, amount_cents=100)
    assert error.value.code == "idempotency_key_reused"


@pytest.mark.parametrize("extra, code", [
    ({"amount_cents": 0}, "invalid_amount"),
    ({"amount_cents": -5}, "invalid_amount"),
    ({"amount_cents": 12.5}, "invalid_amount"),
    ({"amount_cents": True}, "invalid_amount"),
    ({"currency": "usd"}, "invalid_request"),
    ({"mode": "crypto"}, "invalid_request"),
    ({"mode": "installments", "amount_cents": 3}, "invalid_amount"),
    ({"return_url": "javascript:alert(1)"}, "invalid_request"),
    ({"cancel_url": "//evil.example/"}, "invalid_request"),
    ({"return_url": ""}, "invalid_request"),
    ({"idempotency_key": ""}, "invalid_request"),
    ({"idempotency_key": "k" * 201}, "invalid_request"),
    ({"metadata": {"when": object()}}, "invalid_request"),
])
def test_create_session_refuses_bad_requests(gateway, extra, code):
    with pytest.raises(PaymentError) as error:
        open_session(gateway, **extra)
    assert error.value.code == code


def test_absolute_return_urls_are_accepted(gateway):
    session = open_session(gateway, return_url="https://ally.example/checkout/return?x=1")
    assert gateway.retrieve(session.id).status == "open"


def test_retrieve_an_unknown_session(gateway):
    for session_id in ("nope", "x" * 32, "a" * 5000, "../../etc", ""):
        with pytest.raises(PaymentError) as error:
            gateway.retrieve(session_id)
        assert error.value.code == "no_such_session"


# --- Paying on the hosted page with each test card -------------------------------------


@pytest.mark.parametrize("number, status, failure, brand, funding", [
    ("4242 4242 4242 4242", "authorized", None, "visa", "credit"),
    ("4000 0566 5566 5556", "authorized", None, "visa", "debit"),
    ("5105 1051 0510 5100", "authorized", None, "mastercard", "prepaid"),
    ("4000 0000 0000 0002", "failed", "card_declined", "visa", "credit"),
    ("4000 0000 0000 9995", "failed", "insufficient_funds", "visa", "credit"),
    ("4000 0000 0000 0069", "failed", "expired_card", "visa", "credit"),
    ("4111 1111 1111 1111", "failed", "card_declined", "visa", "credit"),  # valid, not a test card
    ("5555 5555 5555 4444", "failed", "card_declined", "mastercard", "credit"),
])
def test_each_test_card(client, gateway, number, status, failure, brand, funding):
    session = open_session(gateway)
    response = pay(client, session, number)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{RETURN_URL}?session={session.id}"
    result = gateway.retrieve(session.id)
    assert result.status == status
    assert result.failure_code == failure
    assert (result.card_brand, result.card_last4, result.card_funding) == (brand, number[-4:], funding)
    assert result.payment_ref and result.payment_ref.startswith("sbx_")
    assert result.captured_cents == result.refunded_cents == 0


def test_cancelling_on_the_hosted_page(client, gateway):
    session = open_session(gateway, cancel_url="/checkout?step=pay")
    response = client.post(session.url, data={"action": "cancel"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/checkout?step=pay&session={session.id}"
    result = gateway.retrieve(session.id)
    assert (result.status, result.failure_code, result.payment_ref) == ("cancelled", "cancelled_by_shopper", None)
    assert result.failure_message == "You left the payment page before paying; nothing was charged."


def test_with_session_param_keeps_the_query_and_fragment():
    assert with_session_param("/r", "S") == "/r?session=S"
    assert with_session_param("/r?a=1&b=", "S") == "/r?a=1&b=&session=S"
    assert with_session_param("/r?session=old&a=1", "S") == "/r?a=1&session=S"
    assert with_session_param("https://x.example/r?a=%20#top", "S") == "https://x.example/r?a=+&session=S#top"


# --- Capture, void, refund -------------------------------------------------------------


def test_capture_once_even_when_repeated(client, gateway):
    result = paid(client, gateway)
    first = gateway.capture(result.payment_ref, 29500, idempotency_key="checkout:abc:capture")
    again = gateway.capture(result.payment_ref, 29500, idempotency_key="checkout:abc:capture")
    db.session.commit()
    assert first == again
    assert (first.status, first.captured_cents) == ("captured", 29500)
    assert gateway.retrieve(result.session_id).captured_cents == 29500
    with pytest.raises(PaymentError) as error:  # a new key cannot capture twice
        gateway.capture(result.payment_ref, 29500, idempotency_key="checkout:abc:capture-2")
    assert error.value.code == "invalid_state"


def test_a_partial_capture(client, gateway):
    result = paid(client, gateway)
    captured = gateway.capture(result.payment_ref, 10000, idempotency_key="k:capture")
    assert (captured.status, captured.captured_cents, captured.amount_cents) == ("captured", 10000, 29500)


def test_capture_more_than_authorized_is_refused(client, gateway):
    result = paid(client, gateway)
    with pytest.raises(PaymentError) as error:
        gateway.capture(result.payment_ref, 29501, idempotency_key="k:capture")
    assert error.value.code == "amount_too_large"
    assert gateway.retrieve(result.session_id).status == "authorized"


@pytest.mark.parametrize("number", ["4000 0000 0000 0002", "4000 0000 0000 9995", "4000 0000 0000 0069"])
def test_a_failed_payment_cannot_be_captured_or_voided(client, gateway, number):
    result = paid(client, gateway, number)
    with pytest.raises(PaymentError) as error:
        gateway.capture(result.payment_ref, 29500, idempotency_key="k:capture")
    assert error.value.code == "invalid_state"
    with pytest.raises(PaymentError):
        gateway.void(result.payment_ref, idempotency_key="k:void")
    assert gateway.retrieve(result.session_id).status == "failed"
    # Nothing was remembered for a refused call: the key is still free.
    assert db.session.scalar(select(SandboxIdempotencyKey).where(SandboxIdempotencyKey.key == "k:capture")) is None


def test_unknown_payment_refs(gateway):
    for ref in ("sbx_nope", "ch_123", "", "sbx_" + "x" * 100):
        with pytest.raises(PaymentError) as error:
            gateway.capture(ref, 100, idempotency_key="k")
        assert error.value.code == "no_such_payment"


def test_bad_capture_amounts(client, gateway):
    result = paid(client, gateway)
    for amount in (0, -1, 1.5, "100"):
        with pytest.raises(PaymentError) as error:
            gateway.capture(result.payment_ref, amount, idempotency_key=f"k:{amount!r}")
        assert error.value.code == "invalid_amount"


def test_void_once_even_when_repeated(client, gateway):
    result = paid(client, gateway)
    first = gateway.void(result.payment_ref, idempotency_key="checkout:abc:void")
    again = gateway.void(result.payment_ref, idempotency_key="checkout:abc:void")
    assert first == again and first.status == "voided"
    with pytest.raises(PaymentError) as error:
        gateway.capture(result.payment_ref, 29500, idempotency_key="k:capture")
    assert error.value.code == "invalid_state"


def test_a_captured_payment_cannot_be_voided(client, gateway):
    result = paid(client, gateway)
    gateway.capture(result.payment_ref, 29500, idempotency_key="k:capture")
    with pytest.raises(PaymentError) as error:
        gateway.void(result.payment_ref, idempotency_key="k:void")
    assert error.value.code == "invalid_state"


def test_refunds_add_up_and_repeats_do_not_double_count(client, gateway):
    result = paid(client, gateway)
    gateway.capture(result.payment_ref, 29500, idempotency_key="k:capture")
    first = gateway.refund(result.payment_ref, 5000, idempotency_key="rma:1:refund")
    again = gateway.refund(result.payment_ref, 5000, idempotency_key="rma:1:refund")
    assert first == again
    assert (first.status, first.refunded_cents) == ("captured", 5000)
    assert gateway.retrieve(result.session_id).refunded_cents == 5000

    rest = gateway.refund(result.payment_ref, 24500, idempotency_key="rma:2:refund")
    assert (rest.status, rest.refunded_cents) == ("refunded", 29500)
    # The first key still answers with its first result.
    assert gateway.refund(result.payment_ref, 5000, idempotency_key="rma:1:refund") == first
    db.session.commit()
    assert gateway.retrieve(result.session_id).refunded_cents == 29500


def test_refund_more_than_captured_is_refused(client, gateway):
    result = paid(client, gateway)
    gateway.capture(result.payment_ref, 20000, idempotency_key="k:capture")
    with pytest.raises(PaymentError) as error:
        gateway.refund(result.payment_ref, 20001, idempotency_key="k:refund")
    assert error.value.code == "amount_too_large"
    gateway.refund(result.payment_ref, 15000, idempotency_key="k:refund-1")
    with pytest.raises(PaymentError) as error:
        gateway.refund(result.payment_ref, 5001, idempotency_key="k:refund-2")
    assert error.value.code == "amount_too_large"
    assert gateway.retrieve(result.session_id).refunded_cents == 15000


def test_an_uncaptured_payment_cannot_be_refunded(client, gateway):
    result = paid(client, gateway)
    with pytest.raises(PaymentError) as error:
        gateway.refund(result.payment_ref, 100, idempotency_key="k:refund")
    assert error.value.code == "invalid_state"


def test_a_key_cannot_be_reused_across_operations(client, gateway):
    result = paid(client, gateway)
    gateway.capture(result.payment_ref, 29500, idempotency_key="same-key")
    with pytest.raises(PaymentError) as error:
        gateway.refund(result.payment_ref, 29500, idempotency_key="same-key")
    assert error.value.code == "idempotency_key_reused"
    with pytest.raises(PaymentError) as error:
        gateway.capture(result.payment_ref, 100, idempotency_key="same-key")
    assert error.value.code == "idempotency_key_reused"


def test_the_gateway_never_commits(client, gateway):
    result = paid(client, gateway)
    gateway.capture(result.payment_ref, 29500, idempotency_key="k:capture")
    db.session.rollback()
    assert gateway.retrieve(result.session_id).status == "authorized"
    assert db.session.scalar(select(SandboxIdempotencyKey).where(SandboxIdempotencyKey.key == "k:capture")) is None


def test_installments_are_captured_in_full(client, gateway):
    result = paid(client, gateway, mode="installments", amount_cents=29501)
    assert (result.mode, result.status) == ("installments", "authorized")
    captured = gateway.capture(result.payment_ref, 29501, idempotency_key="k:capture")
    assert captured.captured_cents == 29501


def test_installment_schedule_sums_exactly():
    from datetime import date

    for amount in (4, 5, 29500, 29501, 29502, 29503, 199999):
        schedule = installment_schedule(amount, date(2026, 11, 25))
        assert sum(i.amount_cents for i in schedule) == amount
        assert len({i.amount_cents for i in schedule[1:]}) == 1
        assert [i.due_on for i in schedule] == [date(2026, 11, 25), date(2026, 12, 9), date(2026, 12, 23), date(2027, 1, 6)]


def test_luhn():
    assert luhn_valid("4242424242424242")
    assert not luhn_valid("4242424242424241")
    assert not luhn_valid("")
    assert not luhn_valid("٤٢٤٢")


# --- No card data kept -----------------------------------------------------------------


def test_no_card_number_or_code_is_stored_or_logged(client, gateway, caplog):
    caplog.set_level(logging.DEBUG)
    number, cvc = "4000056655665556", "9317"
    session = open_session(gateway)
    assert pay(client, session, number, cvc=cvc).status_code == 303
    gateway.capture(gateway.retrieve(session.id).payment_ref, 29500, idempotency_key="k:capture")
    db.session.commit()

    row = db.session.scalar(select(SandboxPayment).where(SandboxPayment.session_id == session.id))
    values = [getattr(row, attr.key) for attr in inspect(SandboxPayment).column_attrs]
    assert row.card_last4 == "5556"
    # Every cell of every table: no full number (nor its first twelve digits), no code.
    for table in db.metadata.sorted_tables:
        for record in db.session.execute(text(f"SELECT * FROM {table.name}")):
            for cell in record:
                assert number[:12] not in str(cell), table.name
                assert cvc not in str(cell), table.name
    assert all(number[:12] not in str(v) for v in values)
    assert number[:12] not in caplog.text and "4000 0566" not in caplog.text


# --- Webhook signatures ----------------------------------------------------------------

SECRET = "whsec_test_0123456789"
BODY = b'{"type":"payment.updated","session_id":"abc"}'
NOW = 1_795_000_000


def test_a_signed_webhook_verifies():
    header = sign_webhook(BODY, SECRET, NOW)
    assert header.startswith(f"t={NOW},v1=")
    assert len(header.split("v1=")[1]) == 64
    assert verify_webhook(BODY, header, SECRET, NOW)
    assert verify_webhook(BODY, header, SECRET, NOW + 300)
    assert verify_webhook(BODY, header, SECRET, NOW - 300)


def test_the_signature_matches_the_documented_scheme():
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_webhook(BODY, SECRET, NOW) == f"t={NOW},v1={expected}"


def test_a_tampered_body_fails():
    header = sign_webhook(BODY, SECRET, NOW)
    assert not verify_webhook(BODY.replace(b"abc", b"abd"), header, SECRET, NOW)
    assert not verify_webhook(BODY + b" ", header, SECRET, NOW)


def test_a_wrong_secret_fails():
    header = sign_webhook(BODY, SECRET, NOW)
    assert not verify_webhook(BODY, header, SECRET + "x", NOW)
    assert not verify_webhook(BODY, header, "", NOW)
    assert not verify_webhook(BODY, sign_webhook(BODY, "other", NOW), SECRET, NOW)


def test_a_stale_or_future_timestamp_fails():
    header = sign_webhook(BODY, SECRET, NOW)
    assert not verify_webhook(BODY, header, SECRET, NOW + 301)
    assert not verify_webhook(BODY, header, SECRET, NOW - 301)
    assert verify_webhook(BODY, header, SECRET, NOW + 1000, tolerance=1000)


def test_a_replayed_signature_with_a_new_timestamp_fails():
    signature = sign_webhook(BODY, SECRET, NOW).split(",v1=")[1]
    assert not verify_webhook(BODY, f"t={NOW + 60},v1={signature}", SECRET, NOW + 60)


@pytest.mark.parametrize("header", [
    None, "", "garbage", "t=,v1=", f"t={NOW}", "v1=" + "0" * 64, f"t=abc,v1={'0' * 64}",
    f"t={NOW},v1=xyz", f"t={NOW},v1={'A' * 64}", f"t={NOW},t={NOW},v1={'0' * 64}",
    f"t={NOW},v1", f"t=-{NOW},v1={'0' * 64}", f"t={NOW},v1={'٣' * 64}", "t=1" + "0" * 5000, 12345, b"t=1,v1=00",
])
def test_malformed_headers_fail(header):
    assert verify_webhook(BODY, header, SECRET, NOW) is False


def test_rotated_secrets_several_signatures():
    new = sign_webhook(BODY, SECRET, NOW).split(",v1=")[1]
    old = sign_webhook(BODY, "old-secret", NOW).split(",v1=")[1]
    assert verify_webhook(BODY, f"t={NOW},v1={old},v1={new}", SECRET, NOW)
    assert not verify_webhook(BODY, f"t={NOW},v1={old}", SECRET, NOW)


def test_verify_needs_bytes():
    header = sign_webhook(BODY, SECRET, NOW)
    assert verify_webhook(BODY.decode(), header, SECRET, NOW) is False


def test_webhook_body_round_trips_a_result():
    import json

    result = PaymentResult("sess", "authorized", payment_ref="sbx_x", card_last4="4242", amount_cents=100)
    data = json.loads(webhook_body(result))
    assert data["session_id"] == data["data"]["session_id"] == "sess"
    assert data["type"] == "checkout.session.completed"
    assert PaymentResult.from_dict(data["data"]) == result
    assert json.loads(webhook_body(result, "charge.refunded"))["type"] == "charge.refunded"


# --- Saving a card on a setup page -----------------------------------------------------

SAVES_BUT_CHARGES_FAIL = "4000 0000 0000 0341"
HOLD_LAPSES_IN_A_DAY = "4000 0000 0000 1117"


def saved(client, gateway, number="4242 4242 4242 4242", key="trial:abc:setup") -> PaymentResult:
    """A card saved through the hosted page, as the trial will do it."""
    session = open_session(gateway, amount_cents=0, mode="setup", key=key)
    response = pay(client, session, number)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == f"{RETURN_URL}?session={session.id}"
    return gateway.retrieve(session.id)


def count(model) -> int:
    return db.session.scalar(select(db.func.count()).select_from(model))


def test_a_setup_page_saves_the_card_and_charges_nothing(client, gateway):
    result = saved(client, gateway, "4000 0566 5566 5556")
    assert (result.status, result.mode, result.failure_code) == ("saved", "setup", None)
    assert (result.amount_cents, result.captured_cents, result.payment_ref, result.expires_at) == (0, 0, None, None)
    assert result.payment_method.startswith("pm_sbx_") and len(result.payment_method) >= 24
    assert result.saved_method == SavedPaymentMethod(result.payment_method, "visa", "5556", "debit")
    method = db.session.scalar(select(SandboxPaymentMethod))
    assert (method.token, method.card_brand, method.card_last4, method.card_funding) == (
        result.payment_method, "visa", "5556", "debit")
    assert (method.hold_days, method.off_session_failure) == (HOLD_DAYS, None)
    assert count(SandboxPaymentMethod) == 1


def test_a_saved_card_number_is_stored_nowhere(client, gateway):
    number = "4000000000000341"
    result = saved(client, gateway, number)
    gateway.authorize_saved(result.payment_method, 100, idempotency_key="k:hold")
    gateway.charge_saved(result.payment_method, 100, idempotency_key="k:charge")
    db.session.commit()
    rows = db.session.execute(text("SELECT * FROM sandbox_payment_methods")).all()
    assert len(rows) == 1
    for table in db.metadata.sorted_tables:
        for record in db.session.execute(text(f"SELECT * FROM {table.name}")):
            for cell in record:
                assert number[:12] not in str(cell), table.name


@pytest.mark.parametrize("number, status, failure, funding", [
    ("4242 4242 4242 4242", "saved", None, "credit"),
    ("4000 0566 5566 5556", "saved", None, "debit"),
    ("5105 1051 0510 5100", "saved", None, "prepaid"),  # saved: refusing prepaid is the trial's rule
    (SAVES_BUT_CHARGES_FAIL, "saved", None, "credit"),
    (HOLD_LAPSES_IN_A_DAY, "saved", None, "credit"),
    ("4000 0000 0000 0002", "failed", "card_declined", "credit"),
    ("4000 0000 0000 9995", "failed", "insufficient_funds", "credit"),
    ("4000 0000 0000 0069", "failed", "expired_card", "credit"),
    ("4111 1111 1111 1111", "failed", "card_declined", "credit"),  # valid, not a test card
])
def test_each_test_card_on_a_setup_page(client, gateway, number, status, failure, funding):
    result = saved(client, gateway, number)
    assert (result.status, result.failure_code, result.card_funding) == (status, failure, funding)
    assert result.card_last4 == number[-4:]
    assert (result.payment_method is not None) == (status == "saved")
    assert count(SandboxPaymentMethod) == (1 if status == "saved" else 0)


def test_every_test_card_passes_luhn_and_the_new_ones_behave_as_documented():
    assert all(luhn_valid(number) for number in TEST_CARDS)
    assert len(TEST_CARDS) == 8
    assert TEST_CARDS["4000000000000341"].off_session_failure == "card_declined"
    assert TEST_CARDS["4000000000001117"].hold_days == 1
    assert all(card.hold_days == HOLD_DAYS for number, card in TEST_CARDS.items() if number != "4000000000001117")


def test_cancelling_a_setup_page_saves_nothing(client, gateway):
    session = open_session(gateway, amount_cents=0, mode="setup")
    assert client.post(session.url, data={"action": "cancel"}).status_code == 303
    result = gateway.retrieve(session.id)
    assert (result.status, result.failure_code, result.payment_method) == ("cancelled", "cancelled_by_shopper", None)
    assert count(SandboxPaymentMethod) == 0


def test_a_setup_session_key_replays_and_cannot_be_reused(gateway):
    first = open_session(gateway, amount_cents=0, mode="setup", key="trial:abc:setup")
    assert open_session(gateway, amount_cents=0, mode="setup", key="trial:abc:setup") == first
    assert count(SandboxPayment) == 1
    with pytest.raises(PaymentError) as error:
        open_session(gateway, amount_cents=100, mode="card", key="trial:abc:setup")
    assert error.value.code == "idempotency_key_reused"


@pytest.mark.parametrize("mode, amount", [
    ("setup", 1), ("setup", 29500), ("setup", -1), ("setup", True), ("setup", False), ("setup", 0.0),
    ("setup", "0"), ("setup", None),
    ("card", 0), ("installments", 0),  # 0 only in setup mode
    ("card", MAX_AMOUNT_CENTS + 1), ("card", 10**12), ("installments", 10**12),
])
def test_amount_zero_is_for_setup_pages_only(gateway, mode, amount):
    with pytest.raises(PaymentError) as error:
        open_session(gateway, amount_cents=amount, mode=mode)
    assert error.value.code == "invalid_amount"
    assert count(SandboxPayment) == 0


def test_the_largest_amount_is_accepted(gateway):
    session = open_session(gateway, amount_cents=MAX_AMOUNT_CENTS)
    assert gateway.retrieve(session.id).amount_cents == MAX_AMOUNT_CENTS


def test_a_page_is_saved_or_paid_as_its_mode_says(client, gateway):
    setup = sandbox_session(open_session(gateway, amount_cents=0, mode="setup", key="k:1").id)
    card = sandbox_session(open_session(gateway, key="k:2").id)
    with pytest.raises(PaymentError) as error:
        sandbox_authorize(setup, "4242424242424242")
    assert error.value.code == "invalid_request"
    with pytest.raises(PaymentError) as error:
        sandbox_save_card(card, "4242424242424242")
    assert error.value.code == "invalid_request"
    assert (setup.status, card.status) == ("open", "open")


# --- Holds on a saved card -------------------------------------------------------------


def test_a_hold_then_a_partial_capture_releases_the_rest(client, gateway):
    method = saved(client, gateway).payment_method
    hold = gateway.authorize_saved(method, 25000, idempotency_key="trial:1:hold", description="At-home trial")
    assert (hold.status, hold.amount_cents, hold.captured_cents, hold.mode) == ("authorized", 25000, 0, "card")
    assert hold.payment_method == method and hold.payment_ref.startswith("sbx_")
    assert (hold.card_brand, hold.card_last4, hold.card_funding) == ("visa", "4242", "credit")
    assert hold.expires_at == clock.now() + timedelta(days=7)
    assert hold.expires_at.tzinfo is not None
    assert gateway.retrieve(hold.session_id) == hold

    captured = gateway.capture(hold.payment_ref, 9500, idempotency_key="trial:1:capture")
    db.session.commit()
    assert (captured.status, captured.captured_cents, captured.amount_cents) == ("captured", 9500, 25000)
    assert captured.amount_cents - captured.captured_cents == 15500  # released
    with pytest.raises(PaymentError) as error:  # the rest is gone, not capturable later
        gateway.capture(hold.payment_ref, 100, idempotency_key="trial:1:capture-2")
    assert error.value.code == "invalid_state"
    refund = gateway.refund(hold.payment_ref, 9500, idempotency_key="trial:1:refund")
    assert (refund.status, refund.refunded_cents) == ("refunded", 9500)


def test_a_hold_captured_in_full_and_beyond(client, gateway):
    method = saved(client, gateway).payment_method
    hold = gateway.authorize_saved(method, 100, idempotency_key="k:hold")
    with pytest.raises(PaymentError) as error:
        gateway.capture(hold.payment_ref, 101, idempotency_key="k:capture")
    assert error.value.code == "amount_too_large"
    assert gateway.capture(hold.payment_ref, 100, idempotency_key="k:capture-all").captured_cents == 100


def test_a_prepaid_card_is_held_and_says_so(client, gateway):
    method = saved(client, gateway, "5105 1051 0510 5100").payment_method
    hold = gateway.authorize_saved(method, 100, idempotency_key="k:hold")
    assert (hold.status, hold.card_funding, hold.card_brand) == ("authorized", "prepaid", "mastercard")
    charge = gateway.charge_saved(method, 100, idempotency_key="k:charge")
    assert (charge.status, charge.card_funding) == ("captured", "prepaid")


def test_a_hold_can_be_voided_once(client, gateway):
    method = saved(client, gateway).payment_method
    hold = gateway.authorize_saved(method, 5000, idempotency_key="k:hold")
    voided = gateway.void(hold.payment_ref, idempotency_key="k:void")
    assert (voided.status, voided.captured_cents) == ("voided", 0)
    assert gateway.void(hold.payment_ref, idempotency_key="k:void") == voided
    with pytest.raises(PaymentError) as error:
        gateway.capture(hold.payment_ref, 5000, idempotency_key="k:capture")
    assert error.value.code == "invalid_state"


def test_a_hold_lapses_after_seven_days(client, gateway, frozen_clock):
    method = saved(client, gateway).payment_method
    hold = gateway.authorize_saved(method, 5000, idempotency_key="k:hold")
    other = gateway.authorize_saved(method, 5000, idempotency_key="k:hold-2")
    db.session.commit()
    with clock.freeze(hold.expires_at - timedelta(seconds=1)):
        assert gateway.capture(other.payment_ref, 5000, idempotency_key="k:capture-2").status == "captured"
    with clock.freeze(frozen_clock + timedelta(days=HOLD_DAYS)):
        for call in (lambda: gateway.capture(hold.payment_ref, 5000, idempotency_key="k:capture"),
                     lambda: gateway.capture(hold.payment_ref, 1, idempotency_key="k:capture-1"),
                     lambda: gateway.void(hold.payment_ref, idempotency_key="k:void")):
            with pytest.raises(PaymentError) as error:
                call()
            assert error.value.code == "authorization_expired"
        result = gateway.retrieve(hold.session_id)
        assert (result.status, result.captured_cents) == ("authorized", 0)
        assert result.expires_at <= clock.now()
        # A capture made in time still answers with its first result.
        assert gateway.capture(other.payment_ref, 5000, idempotency_key="k:capture-2").status == "captured"


def test_the_early_expiry_card_holds_for_one_day(client, gateway, frozen_clock):
    method = saved(client, gateway, HOLD_LAPSES_IN_A_DAY).payment_method
    hold = gateway.authorize_saved(method, 5000, idempotency_key="k:hold")
    assert hold.expires_at == frozen_clock + timedelta(days=1)
    with clock.freeze(frozen_clock + timedelta(hours=23)):
        assert gateway.void(hold.payment_ref, idempotency_key="k:void-early").status == "voided"
    late = gateway.authorize_saved(method, 5000, idempotency_key="k:hold-2")
    with clock.freeze(frozen_clock + timedelta(days=1)):
        with pytest.raises(PaymentError) as error:
            gateway.capture(late.payment_ref, 5000, idempotency_key="k:capture")
        assert error.value.code == "authorization_expired"
    # Charging it is not affected: only its holds are short.
    assert gateway.charge_saved(method, 5000, idempotency_key="k:charge").status == "captured"


def test_a_hosted_page_authorization_lapses_too(client, gateway, frozen_clock):
    result = paid(client, gateway)
    assert result.expires_at == frozen_clock + timedelta(days=HOLD_DAYS)
    early = paid(client, gateway, HOLD_LAPSES_IN_A_DAY, key="checkout:abc:session:2")
    assert early.expires_at == frozen_clock + timedelta(days=1)
    with clock.freeze(frozen_clock + timedelta(days=1)):
        with pytest.raises(PaymentError) as error:
            gateway.capture(early.payment_ref, 29500, idempotency_key="k:capture-early")
        assert error.value.code == "authorization_expired"
        assert gateway.capture(result.payment_ref, 29500, idempotency_key="k:capture").status == "captured"


# --- Charging a saved card off-session -------------------------------------------------


def test_an_off_session_charge(client, gateway):
    method = saved(client, gateway, "4000 0566 5566 5556").payment_method
    charge = gateway.charge_saved(method, 5000, idempotency_key="trial:1:damage", description="Damage fee")
    db.session.commit()
    assert (charge.status, charge.amount_cents, charge.captured_cents, charge.failure_code) == ("captured", 5000, 5000, None)
    assert (charge.payment_method, charge.card_last4, charge.card_funding, charge.expires_at) == (method, "5556", "debit", None)
    assert gateway.retrieve(charge.session_id) == charge
    partial = gateway.refund(charge.payment_ref, 2000, idempotency_key="trial:1:refund")
    assert (partial.status, partial.refunded_cents) == ("captured", 2000)
    with pytest.raises(PaymentError) as error:  # nothing to release: it was never a hold
        gateway.void(charge.payment_ref, idempotency_key="trial:1:void")
    assert error.value.code == "invalid_state"


def test_the_card_that_declines_off_session_charges(client, gateway):
    method = saved(client, gateway, SAVES_BUT_CHARGES_FAIL).payment_method
    hold = gateway.authorize_saved(method, 5000, idempotency_key="k:hold")
    assert hold.status == "authorized"  # holds are fine

    charge = gateway.charge_saved(method, 5000, idempotency_key="k:charge")
    assert (charge.status, charge.failure_code, charge.captured_cents) == ("failed", "card_declined", 0)
    assert charge.failure_message == FAILURE_MESSAGES["card_declined"]
    assert charge.payment_ref.startswith("sbx_")
    # Repeating the key gives the same decline, and no second attempt.
    assert gateway.charge_saved(method, 5000, idempotency_key="k:charge") == charge
    assert count(SandboxPayment) == 3  # the setup page, the hold, one declined charge
    for call in (lambda: gateway.capture(charge.payment_ref, 5000, idempotency_key="k:capture"),
                 lambda: gateway.refund(charge.payment_ref, 5000, idempotency_key="k:refund")):
        with pytest.raises(PaymentError) as error:
            call()
        assert error.value.code == "invalid_state"


# --- Idempotency, bad tokens and bad amounts for the saved-card calls ------------------


@pytest.mark.parametrize("operation", ["authorize_saved", "charge_saved"])
def test_saved_card_calls_replay_and_refuse_a_reused_key(client, gateway, operation, frozen_clock):
    method = saved(client, gateway).payment_method
    other = saved(client, gateway, "4000 0566 5566 5556", key="trial:def:setup").payment_method
    call = getattr(gateway, operation)
    first = call(method, 5000, idempotency_key="k:once")
    rows = count(SandboxPayment)
    with clock.freeze(frozen_clock + timedelta(hours=1)):
        again = call(method, 5000, idempotency_key="k:once", description="a new description changes nothing")
    assert again == first
    assert count(SandboxPayment) == rows
    for changed in (lambda: call(method, 5001, idempotency_key="k:once"),
                    lambda: call(other, 5000, idempotency_key="k:once"),
                    lambda: call(method, 5000, idempotency_key="k:once", currency="EUR")):
        with pytest.raises(PaymentError) as error:
            changed()
        assert error.value.code == "idempotency_key_reused"
    other_operation = "charge_saved" if operation == "authorize_saved" else "authorize_saved"
    with pytest.raises(PaymentError) as error:
        getattr(gateway, other_operation)(method, 5000, idempotency_key="k:once")
    assert error.value.code == "idempotency_key_reused"
    assert count(SandboxPayment) == rows


def test_capture_and_void_of_a_hold_replay(client, gateway):
    method = saved(client, gateway).payment_method
    hold = gateway.authorize_saved(method, 5000, idempotency_key="k:hold")
    first = gateway.capture(hold.payment_ref, 3000, idempotency_key="k:capture")
    assert gateway.capture(hold.payment_ref, 3000, idempotency_key="k:capture") == first
    with pytest.raises(PaymentError) as error:
        gateway.capture(hold.payment_ref, 2000, idempotency_key="k:capture")
    assert error.value.code == "idempotency_key_reused"
    second = gateway.authorize_saved(method, 5000, idempotency_key="k:hold-2")
    voided = gateway.void(second.payment_ref, idempotency_key="k:void")
    assert gateway.void(second.payment_ref, idempotency_key="k:void") == voided
    with pytest.raises(PaymentError) as error:
        gateway.void(hold.payment_ref, idempotency_key="k:void")
    assert error.value.code == "idempotency_key_reused"


@pytest.mark.parametrize("operation", ["authorize_saved", "charge_saved"])
@pytest.mark.parametrize("token", [
    "pm_sbx_nope", "pm_sbx_", "", "pm_" + "x" * 30, "sbx_abc", "pm_sbx_" + "x" * 100, None, 42, b"pm_sbx_x",
])
def test_unknown_or_malformed_tokens(client, gateway, operation, token):
    saved(client, gateway)
    with pytest.raises(PaymentError) as error:
        getattr(gateway, operation)(token, 100, idempotency_key="k")
    assert error.value.code == "no_such_payment_method"


@pytest.mark.parametrize("operation", ["authorize_saved", "charge_saved"])
def test_a_payment_ref_or_session_id_is_not_a_token(client, gateway, operation):
    result = paid(client, gateway)
    for token in (result.payment_ref, result.session_id):
        with pytest.raises(PaymentError) as error:
            getattr(gateway, operation)(token, 100, idempotency_key="k")
        assert error.value.code == "no_such_payment_method"


@pytest.mark.parametrize("operation", ["authorize_saved", "charge_saved"])
def test_bad_amounts_on_a_saved_card(client, gateway, operation):
    method = saved(client, gateway).payment_method
    for amount in (0, -1, True, False, 1.5, "100", None, MAX_AMOUNT_CENTS + 1, 2**31, 10**12):
        with pytest.raises(PaymentError) as error:
            getattr(gateway, operation)(method, amount, idempotency_key=f"k:{amount!r}")
        assert error.value.code == "invalid_amount", amount
    assert count(SandboxPayment) == 1
    assert count(SandboxIdempotencyKey) == 1  # only the setup session's


@pytest.mark.parametrize("operation", ["authorize_saved", "charge_saved"])
def test_bad_keys_currencies_and_descriptions_on_a_saved_card(client, gateway, operation):
    method = saved(client, gateway).payment_method
    call = getattr(gateway, operation)
    for kwargs in ({"idempotency_key": ""}, {"idempotency_key": "k" * 201}, {"idempotency_key": None},
                   {"idempotency_key": "k", "currency": "usd"}, {"idempotency_key": "k", "description": "d" * 501}):
        with pytest.raises(PaymentError) as error:
            call(method, 100, **kwargs)
        assert error.value.code == "invalid_request"


def test_saved_card_calls_never_commit(client, gateway):
    method = saved(client, gateway).payment_method
    gateway.authorize_saved(method, 100, idempotency_key="k:hold")
    gateway.charge_saved(method, 100, idempotency_key="k:charge")
    db.session.rollback()
    assert count(SandboxPayment) == 1
    assert db.session.scalar(select(SandboxIdempotencyKey).where(SandboxIdempotencyKey.key.in_(["k:hold", "k:charge"]))) is None


def test_a_hold_result_round_trips_through_json(client, gateway):
    import json

    method = saved(client, gateway).payment_method
    hold = gateway.authorize_saved(method, 100, idempotency_key="k:hold")
    data = json.loads(webhook_body(hold))
    assert data["data"]["expires_at"] == hold.expires_at.isoformat()
    assert PaymentResult.from_dict(data["data"]) == hold
