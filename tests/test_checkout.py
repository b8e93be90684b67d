"""Checkout: quotes, the form, the hosted payment round trip, test cards, the
webhook, made-to-order paths, installments and the confirmation email."""

from __future__ import annotations

import json
import re
import threading

import pytest
from sqlalchemy import func, select

from ally_web import policy
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.gateways.payments import (
    SandboxGateway,
    sandbox_authorize,
    sandbox_session,
    sign_webhook,
)
from ally_web.models import (
    Checkout,
    Customer,
    Order,
    OutboxMessage,
    SandboxPayment,
    Variant,
)
from ally_web.services import cart as cart_service
from ally_web.services import checkout as checkout_service
from ally_web.services.checkout.addresses import Address
from ally_web.services.orders import normalize_order_number
from tests.checkout_flow import (
    LONDON,
    NEW_YORK,
    add_to_cart,
    buy,
    pay_on_sandbox,
    session_id_of,
    submit_checkout,
    variant,
)
from tests.conftest import running_app

# --- quotes ------------------------------------------------------------------------------


def cart_with(v, quantity=1):
    store = {}
    cart_service.add_to_cart(v.id, quantity, store)
    return cart_service.load_cart(store)


def test_us_quote_is_free_shipping_and_no_duties(app):
    quote = checkout_service.quote_checkout(cart_with(variant(stock=3)), "US")
    assert quote.option.price_cents == 0 and quote.landed.lines == ()
    assert quote.charged_now_cents == 29500


def test_london_quote_adds_duty_and_vat_line_by_line(app):
    quote = checkout_service.quote_checkout(cart_with(variant(stock=3)), "GB", method="standard")
    labels = [line.label for line in quote.landed.lines]
    assert any("duty" in label.lower() for label in labels) and any("VAT" in label for label in labels)
    assert quote.charged_now_cents == 29500 + quote.option.price_cents + quote.duties_cents + quote.taxes_cents


def test_mexico_pays_duties_on_delivery(app):
    quote = checkout_service.quote_checkout(cart_with(variant(stock=3)), "MX")
    assert quote.landed.collected == "delivery"
    assert quote.charged_now_cents == 29500 + quote.option.price_cents


def test_installments_offer_and_its_refusals(app):
    in_stock = cart_with(variant(stock=3))
    offer = checkout_service.quote_checkout(in_stock, "US").installments
    assert offer.available
    assert len(offer.schedule) == policy.INSTALLMENT_COUNT
    assert sum(amount for _, amount in offer.schedule) == 29500
    assert (offer.schedule[1][0] - offer.schedule[0][0]).days == 7 * policy.INSTALLMENT_INTERVAL_WEEKS
    assert not checkout_service.quote_checkout(in_stock, "GB").installments.available
    made = cart_with(variant(stock=0))
    refused = checkout_service.quote_checkout(made, "US").installments
    assert not refused.available and "Made-to-order" in refused.reason


@pytest.mark.parametrize("raw", ["#k7m2-9qxd", " K7M2 9QXD ", "k7m29qxd", "#K7M2-9QXD"])
def test_order_numbers_forgive_case_spaces_and_hash(raw):
    assert normalize_order_number(raw) == "K7M2-9QXD"


# --- the form -----------------------------------------------------------------------------------


def test_checkout_with_an_empty_cart_says_so(client):
    html = client.get("/checkout").get_data(as_text=True)
    assert "Your cart is empty" in html


def test_checkout_page_shows_the_summary(client, app):
    add_to_cart(client, variant(stock=3))
    html = client.get("/checkout").get_data(as_text=True)
    assert "Free US shipping" in html and "Continue to secure payment · $295" in html
    assert "cc-number" not in html and "card_number" not in html  # the shop never renders a card field


def test_htmx_summary_for_london_with_vary(client, app, htmx_headers):
    add_to_cart(client, variant(stock=3))
    response = client.post("/checkout/summary", data={**LONDON}, headers=htmx_headers)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="checkout-summary"')
    assert "VAT" in html and "International Standard" in html and "International Express" in html
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_summary_keeps_the_installment_confirmations_as_ticked(client, app, htmx_headers):
    add_to_cart(client, variant(stock=3))
    response = client.post("/checkout/summary", headers=htmx_headers,
                           data={**NEW_YORK, "payment_mode": "installments", "confirms_age": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="checkout-summary"')
    assert re.search(r'id="confirms_age"[^>]*checked', html)
    assert 'id="confirms_us_residence"' in html and not re.search(r'id="confirms_us_residence"[^>]*checked', html)
    assert 'name="line1"' not in html  # the fragment only: no address fields


def test_no_js_update_totals_rerenders_the_page(client, app):
    add_to_cart(client, variant(stock=3))
    response = client.post("/checkout", data={**LONDON, "action": "update"})
    assert response.status_code == 200
    assert "VAT" in response.get_data(as_text=True)


def test_another_country_is_refused_with_a_way_to_ask(client, app):
    add_to_cart(client, variant(stock=3))
    page = client.post("/checkout", data={**NEW_YORK, "country": "other", "action": "update"}).get_data(as_text=True)
    assert "don't ship to other countries yet" in page and f"mailto:{policy.CONTACT_EMAIL}" in page
    response = submit_checkout(client, **{**NEW_YORK, "country": "BR"})
    assert response.status_code == 422
    assert 'id="country-error"' in response.get_data(as_text=True)


def test_bad_input_is_422_beside_each_field_and_keeps_what_was_typed(client, app):
    add_to_cart(client, variant(stock=3))
    response = submit_checkout(client, **{**NEW_YORK, "email": "jane@", "region": "ZZ", "postal_code": "ABCDE", "line1": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("email", "region", "postal_code", "line1"):
        assert f'id="{field}-error"' in html, field
    assert 'value="jane@"' in html and 'value="Jane Doe"' in html and 'value="ABCDE"' in html


def test_installments_need_both_confirmations(client, app):
    add_to_cart(client, variant(stock=3))
    response = submit_checkout(client, **{**NEW_YORK, "payment_mode": "installments"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="confirms_age-error"' in html and 'id="confirms_us_residence-error"' in html


# --- paying --------------------------------------------------------------------------------------


def test_new_york_shopper_buys_a_pair(client, app):
    v = variant(stock=2)
    add_to_cart(client, v)
    page = buy(client)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Thank you: order #" in html
    order = db.session.scalar(select(Order))
    assert order.card_brand == "visa" and order.card_last4 == "4242" and order.card_funding == "credit"
    assert [e.kind for e in order.events] == ["placed", "paid"]
    assert db.session.get(Variant, v.id).stock == 1
    payment = db.session.scalar(select(SandboxPayment))
    assert payment.status == "captured" and payment.captured_cents == order.total_cents
    assert cart_service.cart_count({}) == 0 and ">0<" in client.get("/").get_data(as_text=True)
    message = db.session.scalar(select(OutboxMessage))
    assert message.to_address == "jane@example.com" and order.number in message.subject
    assert "/orders/" in message.text_body and order.token not in message.text_body  # a signed link


def test_london_total_is_goods_shipping_duties_and_taxes(client, app):
    add_to_cart(client, variant(stock=2))
    html = buy(client, LONDON).get_data(as_text=True)
    order = db.session.scalar(select(Order))
    assert order.total_cents == order.subtotal_cents + order.shipping_cents + order.duties_cents + order.taxes_cents
    assert order.duties_cents > 0 and order.taxes_cents > 0 and order.duties_collected == "checkout"
    assert "VAT" in html and "nothing more is due on delivery" in html
    assert db.session.scalar(select(SandboxPayment)).captured_cents == order.total_cents


@pytest.mark.parametrize(
    "card, message",
    [
        ("4000 0000 0000 0002", "Your card was declined"),
        ("4000 0000 0000 9995", "insufficient"),
        ("4000 0000 0000 0069", "expired"),
    ],
)
def test_failing_test_cards_come_back_with_the_form_filled_and_no_order(client, app, card, message):
    v = variant(stock=1)
    add_to_cart(client, v)
    started = submit_checkout(client, **NEW_YORK)
    back = pay_on_sandbox(client, started.headers["Location"], card)
    returned = client.get(back.headers["Location"])
    assert returned.status_code == 303 and returned.headers["Location"].endswith("/checkout")
    html = client.get("/checkout").get_data(as_text=True)
    assert message.lower() in html.lower()
    assert 'value="350 Fifth Avenue"' in html and 'value="jane@example.com"' in html
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert db.session.get(Variant, v.id).stock == 1  # no stock held
    # And the shopper can try again with a good card.
    assert "Thank you" in buy(client).get_data(as_text=True)


def test_prepaid_cards_are_fine_at_checkout(client, app):
    add_to_cart(client, variant(stock=1))
    buy(client, card="5105 1051 0510 5100")
    assert db.session.scalar(select(Order)).card_funding == "prepaid"


def test_a_refresh_or_replay_of_the_return_makes_one_order_and_one_charge(client, app):
    add_to_cart(client, variant(stock=5))
    started = submit_checkout(client, **NEW_YORK)
    back = pay_on_sandbox(client, started.headers["Location"])
    first = client.get(back.headers["Location"])
    second = client.get(back.headers["Location"])
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Order.id))) == 1
    order = db.session.scalar(select(Order))
    assert db.session.scalar(select(SandboxPayment)).captured_cents == order.total_cents == 29500 + order.sales_tax_cents


def test_signed_webhook_places_the_order_once(client, app):
    add_to_cart(client, variant(stock=5))
    started = submit_checkout(client, **NEW_YORK)
    back = pay_on_sandbox(client, started.headers["Location"])
    session_id = session_id_of(back.headers["Location"])
    body = json.dumps({"type": "checkout.session.completed", "data": {"session_id": session_id}}).encode()
    now = int(clock.now().timestamp())
    headers = {"Sandbox-Signature": sign_webhook(body, app.config["PAYMENTS_WEBHOOK_SECRET"], now),
               "Content-Type": "application/json"}
    for _ in range(2):
        response = client.post("/webhooks/payments", data=body, headers=headers)
        assert response.status_code == 200
    number = response.get_json()["order"]
    client.get(back.headers["Location"])  # the shopper's return finds the same order
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert db.session.scalar(select(Order.number)) == number


def test_a_badly_signed_webhook_is_refused(client, app):
    body = b'{"type": "checkout.session.completed", "data": {"session_id": "x"}}'
    bad = client.post("/webhooks/payments", data=body, headers={"Sandbox-Signature": "t=1,v1=00"})
    assert bad.status_code == 400
    assert client.post("/webhooks/payments", data=body).status_code == 400


def test_unknown_or_hostile_return_sessions_are_404(client):
    for value in ("", "nope", "x" * 500, "' OR 1=1 --"):
        assert client.get("/checkout/return", query_string={"session": value}).status_code == 404


# --- made to order -----------------------------------------------------------------------------


def test_made_to_order_path_depends_on_a_known_size_revealed_only_after_paying(client, app):
    v = variant(stock=0)
    db.session.add(Customer(email="grace@example.com", email_canonical="grace@example.com", name="Grace",
                            size_halves=17, width="M", created_at=clock.now()))
    db.session.commit()
    add_to_cart(client, v)
    form = client.get("/checkout").get_data(as_text=True)
    assert "If this size and width are your confirmed ALLY size" in form  # both paths, no reveal
    assert "If we do not know your ALLY size yet, or it is another size or width" in form
    html = buy(client, email="grace@example.com").get_data(as_text=True)
    assert "Made to order in your confirmed size" in html
    line = db.session.scalar(select(Order)).lines[0]
    assert line.mto_path == "size_known" and line.ships_by is not None

    other = app.test_client()
    add_to_cart(other, v)
    html = buy(other, email="new@example.com").get_data(as_text=True)
    assert "fitting pair first" in html
    line = db.session.scalar(select(Order).where(Order.email == "new@example.com")).lines[0]
    assert line.mto_path == "fitting_first" and line.fitting_ships_from is not None
    assert "fitting pair first" in db.session.scalar(
        select(OutboxMessage.text_body).where(OutboxMessage.to_address == "new@example.com"))


def test_made_to_order_does_not_touch_stock(client, app):
    v = variant(stock=0)
    add_to_cart(client, v)
    buy(client)
    assert db.session.get(Variant, v.id).stock == 0


# --- concurrency: the last pair --------------------------------------------------------------


def _authorized_checkout(v: Variant, email: str) -> str:
    store = {}
    cart_service.add_to_cart(v.id, 1, store)
    data = checkout_service.CheckoutInput(
        email=email, address=Address(**{k: NEW_YORK[k] for k in ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country")}),
        shipping_method="us-standard", payment_mode="card")
    checkout, _ = checkout_service.start_checkout(cart_service.load_cart(store), data, SandboxGateway(), "/r", "/r")
    sandbox_authorize(sandbox_session(checkout.payment_session), "4242424242424242")
    db.session.commit()
    return checkout.payment_session


def test_two_shoppers_buying_the_last_pair_at_once_make_one_order(real_database_url):
    # Two threads, two connections: real commits, in a database of its own.
    with running_app(SQLALCHEMY_DATABASE_URI=real_database_url) as app:
        v = variant(stock=1)
        sessions = [_authorized_checkout(v, f"shopper{n}@example.com") for n in range(2)]
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def race(session_id: str):
            with app.test_request_context():
                barrier.wait()
                try:
                    checkout_service.complete_checkout(session_id, SandboxGateway())
                    db.session.commit()
                    outcomes.append("order")
                except checkout_service.PaymentFailed:
                    db.session.commit()
                    outcomes.append("refused")
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=race, args=(s,)) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        db.session.expire_all()
        assert sorted(outcomes) == ["order", "refused"]
        assert db.session.get(Variant, v.id).stock == 0
        assert db.session.scalar(select(func.count(Order.id))) == 1
        statuses = sorted(db.session.scalars(select(SandboxPayment.status)))
        assert statuses == ["captured", "voided"]  # the second shopper is never charged
        refused = db.session.scalar(select(Checkout).where(Checkout.status == "open"))
        assert "sold while you were paying" in refused.failure_message


# --- email over a real SMTP server ----------------------------------------------------------------


def test_confirmation_email_arrives_over_smtp(client, app, smtp_server):
    from ally_web.gateways.mail import SMTPMailer
    from ally_web.jobs import deliver_outbox

    add_to_cart(client, variant(stock=2))
    buy(client)
    order = db.session.scalar(select(Order))
    report = deliver_outbox(SMTPMailer(smtp_server.url))
    assert report.sent == 1
    [message] = smtp_server.messages
    assert message["To"] == "jane@example.com"
    assert order.number in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "The Classic Pump" in body and "http://localhost/orders/" in body


# --- failures after the shopper has paid (review findings) ----------------------------------


def test_a_failed_capture_leaves_no_order_and_releases_everything(client, app, monkeypatch):
    from ally_web.gateways.payments import PaymentError

    v = variant(stock=3)
    add_to_cart(client, v)
    started = submit_checkout(client, **NEW_YORK)
    back = pay_on_sandbox(client, started.headers["Location"])

    def refuse(self, *args, **kwargs):
        raise PaymentError("invalid_state", "capture refused")

    monkeypatch.setattr(SandboxGateway, "capture", refuse)
    returned = client.get(back.headers["Location"])
    assert returned.status_code == 303 and returned.headers["Location"].endswith("/checkout")
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert db.session.get(Variant, v.id).stock == 3
    assert db.session.scalar(select(SandboxPayment.status)) == "voided"
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert "not charged" in client.get("/checkout").get_data(as_text=True)


def test_selling_out_twice_on_one_checkout_is_never_a_500(client, app):
    v = variant(stock=1)
    add_to_cart(client, v)
    for _ in range(2):
        started = submit_checkout(client, **NEW_YORK)
        back = pay_on_sandbox(client, started.headers["Location"])
        v.stock = 0  # someone else bought it meanwhile
        db.session.commit()
        returned = client.get(back.headers["Location"])
        assert returned.status_code == 303 and returned.headers["Location"].endswith("/checkout")
        v.stock = 1
        db.session.commit()
    assert sorted(db.session.scalars(select(SandboxPayment.status))) == ["voided", "voided"]


def test_paying_again_voids_the_hold_of_the_attempt_that_never_came_back(client, app):
    add_to_cart(client, variant(stock=2))
    first = submit_checkout(client, **NEW_YORK)
    pay_on_sandbox(client, first.headers["Location"])  # paid, but the tab was closed
    again = submit_checkout(client, **NEW_YORK)
    assert again.status_code == 303
    first_payment = db.session.scalar(select(SandboxPayment).order_by(SandboxPayment.id))
    assert first_payment.status == "voided"
    body = json.dumps({"type": "checkout.session.completed", "data": {"session_id": first_payment.session_id}}).encode()
    headers = {"Sandbox-Signature": sign_webhook(body, app.config["PAYMENTS_WEBHOOK_SECRET"], int(clock.now().timestamp()))}
    assert client.post("/webhooks/payments", data=body, headers=headers).status_code == 202
    assert "Thank you" in buy(client).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Order.id))) == 1


def test_an_amount_that_does_not_match_the_order_is_refused(client, app):
    add_to_cart(client, variant(stock=2))
    started = submit_checkout(client, **NEW_YORK)
    back = pay_on_sandbox(client, started.headers["Location"])
    checkout = db.session.scalar(select(Checkout))
    checkout.total_cents += 1  # as if the order changed after the payment page opened
    db.session.commit()
    client.get(back.headers["Location"])
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert db.session.scalar(select(SandboxPayment.status)) == "voided"
