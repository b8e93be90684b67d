"""Order lookup: finds an order with email and number, tells a stranger nothing,
rate limited; signed links that expire; the status page, live while moving."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.actors import CARRIER, Actor
from ally_web.extensions import db
from ally_web.gateways.carriers import webhooks as tracking_webhooks
from ally_web.models import Order
from ally_web.services import orders as order_service
from ally_web.services.orders import links as order_links
from tests.checkout_flow import add_to_cart, buy, variant
from tests.conftest import running_app


@pytest.fixture
def order(client, app) -> Order:
    add_to_cart(client, variant(stock=3))
    buy(client)
    return db.session.scalar(select(Order))


def look_up(client, email, number, **kw):
    return client.post("/pages/order-lookup", data={"email": email, "number": number}, **kw)


def answer_without_token(response) -> str:
    """The page minus the CSRF token and the echoed input, to compare answers."""
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'(id="(email|number)"[^>]*?) value="[^"]*"', r"\1", html)


@pytest.mark.parametrize("typed", ["{number}", "#{number}", " {lower} ", "#{lower_nodash}"])
def test_lookup_forgives_case_spaces_and_hash(client, order, typed):
    number = typed.format(number=order.number, lower=order.number.lower(),
                          lower_nodash=order.number.lower().replace("-", ""))
    response = look_up(client, " JANE@Example.com ", number)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert f"Order #{order.number}" in page.get_data(as_text=True)


def test_wrong_email_and_wrong_number_give_the_same_answer(client, order):
    wrong_email = look_up(client, "someone@example.com", order.number)
    wrong_number = look_up(client, "jane@example.com", "ZZZZ-ZZZZ")
    assert wrong_email.status_code == wrong_number.status_code == 422
    assert answer_without_token(wrong_email) == answer_without_token(wrong_number)
    assert "find an order with that email and order number" in wrong_email.get_data(as_text=True)


def test_lookup_keeps_what_was_typed_and_marks_empty_fields(client):
    response = look_up(client, "", "K7M2")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and 'value="K7M2"' in html


def test_lookup_with_htmx_swaps_the_form_or_navigates(client, order, htmx_headers):
    miss = look_up(client, "x@example.com", order.number, headers=htmx_headers)
    assert miss.status_code == 422 and miss.get_data(as_text=True).lstrip().startswith('<form id="lookup-form"')
    hit = look_up(client, order.email, order.number, headers=htmx_headers)
    assert hit.status_code == 204 and hit.headers["HX-Redirect"].startswith("/orders/")


# --- rate limits --------------------------------------------------------------------------


@pytest.fixture
def limited():
    with running_app(RATELIMIT_ENABLED=True, LOOKUP_RATE_LIMIT="4 per minute",
                     LOOKUP_NUMBER_RATE_LIMIT="3 per minute") as app:
        yield app


def test_lookup_is_limited_per_client_address(limited):
    client = limited.test_client()
    for n in range(4):
        assert look_up(client, "a@example.com", f"AAAA-AAA{n + 2}").status_code == 422
    response = look_up(client, "a@example.com", "AAAA-BBBB")
    assert response.status_code == 429
    assert "Please wait" in response.get_data(as_text=True) and int(response.headers["Retry-After"]) > 0


def test_lookup_is_limited_per_typed_number_and_address_whether_or_not_it_exists(limited):
    client = limited.test_client()
    for _ in range(3):
        response = look_up(client, "a@example.com", "#nope-9999", environ_base={"REMOTE_ADDR": "10.1.0.1"})
        assert response.status_code == 422
    response = look_up(client, "b@example.com", "NOPE 9999", environ_base={"REMOTE_ADDR": "10.1.0.1"})
    assert response.status_code == 429
    # Issue #10: from another address, the same number is not blocked for its owner.
    other = limited.test_client()
    response = look_up(other, "b@example.com", "NOPE 9999", environ_base={"REMOTE_ADDR": "10.1.0.99"})
    assert response.status_code == 422


# --- links ---------------------------------------------------------------------------------


def test_a_tampered_link_asks_for_the_lookup_again(client, order):
    link = order_links.make_link(order)
    for bad in (link[:-2] + ("AA" if not link.endswith("AA") else "BB"), "nonsense", "x" * 400):
        response = client.get(f"/orders/{bad}")
        assert response.status_code == 303 and response.headers["Location"].endswith("/pages/order-lookup")


def test_lookup_links_expire_sooner_than_email_links(client, order, app):
    lookup_link = order_links.make_link(order, order_links.LOOKUP)
    email_link = order_links.make_link(order, order_links.EMAIL)
    later = clock.now() + timedelta(hours=app.config["ORDER_LINK_LOOKUP_HOURS"], minutes=1)
    with clock.freeze(later):
        assert client.get(f"/orders/{lookup_link}").status_code == 303
        assert client.get(f"/orders/{email_link}").status_code == 200
    with clock.freeze(clock.now() + timedelta(days=app.config["ORDER_LINK_EMAIL_DAYS"], minutes=1)):
        expired = client.get(f"/orders/{email_link}")
    assert expired.status_code == 303
    assert "expired" in client.get("/pages/order-lookup").get_data(as_text=True)


# --- the status page ------------------------------------------------------------------------------


def ship(order, carrier="UPS", number="1Z999AA10123456784"):
    from ally_web.services import orders as order_service

    shipment = order_service.ship_ready_pairs(order, carrier, number, Actor.staff(None, "Sam Rivera"))
    db.session.commit()
    return shipment


def test_status_page_while_preparing(client, order):
    html = client.get(f"/orders/{order_links.make_link(order)}").get_data(as_text=True)
    assert "Status: Preparing to ship" in html
    assert "Once your order is delivered you have 14 days" in html
    assert "every " not in html  # nothing moving, nothing polling


def test_status_page_polls_while_in_transit_and_stops_when_delivered(client, order, htmx_headers):
    shipment = ship(order)
    link = order_links.make_link(order)
    html = client.get(f"/orders/{link}").get_data(as_text=True)
    assert 'hx-trigger="every 30s"' in html
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in html
    order_service.record_scan(shipment, "delivered", clock.now(), CARRIER)
    db.session.commit()
    fragment = client.get(f"/orders/{link}", headers=htmx_headers)
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="order-status"')
    assert "hx-trigger" not in body and "Status: Delivered" in body
    assert "14 days left" in body


def test_held_at_customs_says_we_will_reach_out(client, order):
    shipment = ship(order)
    order_service.record_scan(shipment, "held_at_customs", clock.now(), CARRIER, "JFK")
    db.session.commit()
    html = client.get(f"/orders/{order_links.make_link(order)}").get_data(as_text=True)
    assert "Held at customs" in html and "we will get in touch" in html


def test_return_window_closes_after_14_days(client, order):
    shipment = ship(order)
    order_service.record_scan(shipment, "delivered", clock.now(), CARRIER)
    db.session.commit()
    link = order_links.make_link(order)
    with clock.freeze(clock.now() + timedelta(days=14)):
        assert "today is the last day" in client.get(f"/orders/{link}").get_data(as_text=True)
    with clock.freeze(clock.now() + timedelta(days=15)):
        assert "return window closed on" in client.get(f"/orders/{link}").get_data(as_text=True)


def test_made_to_order_fitting_first_shows_the_fit_action(app):
    client = app.test_client()
    add_to_cart(client, variant(stock=0))
    page = buy(client).get_data(as_text=True)
    assert "Confirm your fit" in page and "Status: Fitting first" in page
    assert "Being made" not in page  # nothing is made before the fit is confirmed


# --- the tracking webhook -------------------------------------------------------------------


def post_scan(client, app, status, event_id, at, number="1Z999AA10123456784", secret=None):
    import json as _json

    body = _json.dumps({"event_id": event_id, "carrier": "UPS", "tracking_number": number, "status": status,
                        "occurred_at": at.isoformat(), "location": "Secaucus, NJ"}).encode()
    signature = tracking_webhooks.signature(body, secret or app.config["TRACKING_WEBHOOK_SECRET"])
    return client.post("/webhooks/tracking", data=body,
                       headers={tracking_webhooks.SIGNATURE_HEADER: signature, "Content-Type": "application/json"})


def test_tracking_webhook_refuses_a_bad_signature(client, app, order):
    ship(order)
    response = post_scan(client, app, "in_transit", "e1", clock.now(), secret="wrong")
    assert response.status_code == 400
    assert client.post("/webhooks/tracking", data=b"{}").status_code == 400


def test_tracking_webhook_repeats_change_nothing_and_order_is_kept(client, app, order):
    from ally_web.models import OutboxMessage, ShipmentScan

    shipment = ship(order)
    now = clock.now()
    assert post_scan(client, app, "in_transit", "e1", now).get_json()["moved"] is True
    assert post_scan(client, app, "in_transit", "e1", now).get_json()["moved"] is False  # repeated
    assert post_scan(client, app, "delivered", "e3", now + timedelta(hours=5)).get_json()["moved"] is True
    late = post_scan(client, app, "out_for_delivery", "e2", now + timedelta(hours=2))  # arrives after delivery
    assert late.get_json()["moved"] is False
    db.session.expire_all()
    assert order_service.shipment_progress(shipment).code == "delivered"
    assert shipment.delivered_at is not None
    assert db.session.scalar(select(db.func.count(ShipmentScan.id))) == 3
    kinds = [e.kind for e in db.session.get(Order, order.id).events]
    assert kinds.count("delivered") == 1
    email = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "order_delivered"))
    assert email is not None and "/orders/" in email.text_body


def test_tracking_webhook_for_an_unknown_parcel_is_accepted_and_ignored(client, app):
    response = post_scan(client, app, "in_transit", "e9", clock.now())
    assert response.status_code == 202


# --- the status text for every state an order can be in ---------------------------------------


def _mixed_order():
    from tests.factories import in_stock_variant, make_order

    return make_order(email="mixed@example.com", lines=[(in_stock_variant(), 1, False), (variant(stock=0, colour="almond"), 1, True)])


@pytest.mark.parametrize(
    "steps, code, text",
    [
        ([], "preparing", "Preparing to ship"),
        (["mto"], "fitting", "Fitting first"),
        (["mixed", "ship"], "partly_shipped", "Partly shipped"),
        (["ship"], "shipped", "On its way"),
        (["ship", "held"], "shipped", "Held at customs"),
        (["ship", "exception"], "shipped", "Delivery problem"),
        (["ship", "deliver"], "delivered", "Delivered"),
        (["cancel"], "cancelled", "Cancelled"),
    ],
)
def test_status_text_for_every_state(client, app, steps, code, text):
    from ally_web.services import orders as order_service
    from ally_web.services.orders import order_status
    from tests.factories import make_order

    if "mto" in steps:
        the_order = make_order(email="mto@example.com", lines=[(variant(stock=0), 1, True)])
    elif "mixed" in steps:
        the_order = _mixed_order()
    else:
        the_order = make_order(email="state@example.com")
    if "ship" in steps:
        shipment = order_service.ship_ready_pairs(the_order, "UPS", "1Z999AA10123456784", Actor.staff(None, "Sam"))
        for step, kind in (("held", "held_at_customs"), ("exception", "exception"), ("deliver", "delivered")):
            if step in steps:
                order_service.record_scan(shipment, kind, clock.now(), CARRIER)
    if "cancel" in steps:
        order_service.cancel_order(the_order, Actor.staff(None, "Alex"), "Customer asked")
    db.session.commit()
    assert order_status(the_order).code == code
    page = client.get(f"/orders/{order_links.make_link(the_order)}").get_data(as_text=True)
    assert text in page


def test_an_expired_link_inside_the_polling_region_navigates_instead_of_swapping(client, order, app, htmx_headers):
    link = order_links.make_link(order, order_links.LOOKUP)
    with clock.freeze(clock.now() + timedelta(hours=app.config["ORDER_LINK_LOOKUP_HOURS"] + 1)):
        response = client.get(f"/orders/{link}", headers=htmx_headers)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/pages/order-lookup"


def test_pairs_delivered_on_different_days_each_have_their_own_window(app):
    """A split order: the status page names each parcel's last day, as the return
    form counts them, instead of the latest delivery's alone."""
    from datetime import datetime
    from types import SimpleNamespace

    from ally_web.services.orders.status_page import _return_action

    def at(day: int) -> datetime:
        return datetime(2026, 11, day, 12, tzinfo=clock.store_tz())

    order = SimpleNamespace(parcels=[SimpleNamespace(delivered_at=at(2)), SimpleNamespace(delivered_at=at(9)),
                                     SimpleNamespace(delivered_at=None)])
    both = _return_action(order, date(2026, 11, 10)).detail
    assert "until Monday, November 16, 2026 for the pairs delivered Monday, November 2, 2026" in both
    assert "until Monday, November 23, 2026 for the pairs delivered Monday, November 9, 2026" in both
    later = _return_action(order, date(2026, 11, 20)).detail
    assert "November 16" not in later and "until Monday, November 23, 2026" in later
    assert "closed on Monday, November 23, 2026" in _return_action(order, date(2026, 11, 24)).detail


def test_an_order_behind_a_link_comes_whole_and_touching_it_sends_no_more_sql(app):
    from tests.support.queries import count_queries

    order = _mixed_order()
    shipment = ship(order)
    order_service.record_scan(shipment, "in_transit", clock.now(), CARRIER, "Newark, NJ")
    order_service.record_scan(shipment, "out_for_delivery", clock.now(), CARRIER, "Brooklyn, NY")
    db.session.commit()
    token, order_id = order.token, order.id
    db.session.expunge_all()

    with count_queries() as statements:
        loaded = order_service.find_by_token(token)
    assert len(statements) == 6  # the order, lines, events, parcels, their lines and scans
    with count_queries() as statements:
        seen = {
            "lines": [line.id for line in loaded.lines],
            "events": [(event.kind, event.at) for event in loaded.events],
            "parcels": [(s.id, [line.id for line in s.lines], [scan.kind for scan in s.scans], s.order.id)
                        for s in loaded.shipments],
            "line parcels": [line.shipment.id if line.shipment else None for line in loaded.lines],
        }
    assert statements == []
    db.session.expunge_all()
    fresh = db.session.get(Order, order_id)  # the relationships' own lazy loads, as the truth
    assert seen == {
        "lines": [line.id for line in fresh.lines],
        "events": [(event.kind, event.at) for event in fresh.events],
        "parcels": [(s.id, [line.id for line in s.lines], [scan.kind for scan in s.scans], s.order.id)
                    for s in fresh.shipments],
        "line parcels": [line.shipment.id if line.shipment else None for line in fresh.lines],
    }
    assert [len(s.scans) for s in fresh.shipments] == [2] and len(fresh.lines) == 2
    assert order_service.find_by_token("not-a-token") is None
