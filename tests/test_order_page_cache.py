"""The status page keeps its rendered order per version of the order's rows
(blueprints/orders/page_cache.py): a second visit neither loads the order as objects
nor renders it, and any change to any row the page shows - even one made by hand in
SQL, with no timeline event - shows on the next visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.formatting import moment
from ally_web.extensions import db
from ally_web.models import (
    Order,
    OrderEvent,
    OrderLine,
    ReturnRequest,
    ReturnState,
    Shipment,
    ShipmentScan,
)
from ally_web.services import made_to_order, orders
from tests.checkout_flow import add_to_cart, buy, variant
from tests.support.queries import count_queries
from tests.test_returns import ask, delivered_order, link_for

EARLIER = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def order(app) -> Order:
    """Delivered, with a parcel, its scans and a return request: a row in every table
    the page reads."""
    order = delivered_order()
    ask(order)
    db.session.commit()
    return order


def page(client, order) -> str:
    return client.get(f"/orders/{link_for(order)}").get_data(as_text=True)


def test_a_second_visit_reads_the_rows_and_nothing_else(client, order):
    with count_queries() as first:
        rendered = page(client, order)
    with count_queries() as second:
        kept = page(client, order)
    assert "Your returns and exchanges" in kept and "Timeline" in kept
    assert kept.split('<main id="main"')[1] == rendered.split('<main id="main"')[1]
    # The order with its lines, events, return requests, parcels and scans: one read.
    assert len(second) == 1 < len(first)


def test_the_fingerprint_sees_a_change_this_session_has_not_written_yet(app, order):
    before = orders.order_fingerprint(order.token)
    order.email = "not-flushed@example.com"  # changed on the object only
    after = orders.order_fingerprint(order.token)
    assert after is not None and before is not None and after.digest != before.digest


def _changes(order: Order):
    """(what changes, by hand in SQL, and how the page shows it) for every table."""
    shipment_ids = select(Shipment.id).where(Shipment.order_id == order.id).scalar_subquery()
    return {
        "orders": (update(Order).where(Order.id == order.id).values(email="new-address@example.com"),
                   "new-address@example.com"),
        "order_lines": (update(OrderLine).where(OrderLine.order_id == order.id).values(colour_name="Sea Glass"),
                        "Sea Glass"),
        "order_events": (update(OrderEvent).where(OrderEvent.order_id == order.id).values(at=EARLIER),
                         moment(EARLIER)),
        "shipments": (update(Shipment).where(Shipment.order_id == order.id).values(tracking_number="799900011122"),
                      "799900011122"),
        "shipment_scans": (update(ShipmentScan).where(ShipmentScan.shipment_id.in_(shipment_ids))
                           .values(location="Secaucus NJ"), "Secaucus NJ"),
        "return_requests": (update(ReturnRequest).where(ReturnRequest.order_id == order.id)
                            .values(state=ReturnState.CLOSED), "Done"),
    }


@pytest.mark.parametrize("table", ["orders", "order_lines", "order_events", "shipments", "shipment_scans",
                                   "return_requests"])
def test_a_change_to_any_row_the_page_shows_shows_at_once(client, order, table):
    statement, shown = _changes(order)[table]
    assert shown not in page(client, order)
    db.session.execute(statement, execution_options={"synchronize_session": False})
    db.session.commit()
    assert shown in page(client, order)


def test_the_htmx_region_is_kept_apart_from_the_whole_page(client, order, htmx_headers):
    link = link_for(order)
    whole = client.get(f"/orders/{link}").get_data(as_text=True)
    region = client.get(f"/orders/{link}", headers=htmx_headers).get_data(as_text=True)
    assert whole.startswith("<!doctype html>") and region.lstrip().startswith('<section id="order-status"')
    assert client.get(f"/orders/{link}").get_data(as_text=True).startswith("<!doctype html>")


def test_a_new_day_counts_the_return_window_down(client, order):
    link = link_for(order)  # the same link both days: the page's address is part of its key
    assert "14 days left" in client.get(f"/orders/{link}").get_data(as_text=True)
    with clock.freeze(clock.now() + timedelta(days=1)):
        assert "13 days left" in client.get(f"/orders/{link}").get_data(as_text=True)


def test_a_new_lead_time_notice_shows_on_a_made_to_order_pair_s_page(client, app):
    add_to_cart(client, variant(stock=0))  # none in stock: made to order
    buy(client)
    order = db.session.scalar(select(Order))
    assert order.lines[0].made_to_order and "Our workshop closes" not in page(client, order)
    today = clock.now().date()
    made_to_order.save_notice(None, made_to_order.NoticeInput(
        title="Studio holiday", message="Our workshop closes for a week.", extra_days=5,
        starts_on=today, ends_on=today + timedelta(days=7)), Actor.staff(None, "Sam Rivera"))
    db.session.commit()
    assert "Our workshop closes for a week." in page(client, order)


def test_a_change_made_while_the_page_renders_is_not_kept_under_the_older_rows(client, order, monkeypatch):
    """A copy rendered from rows newer than its fingerprint would come back if the rows
    ever matched that fingerprint again."""
    original = order.email
    load = orders.get_order

    def load_after_a_change(order_id):
        db.session.execute(update(Order).where(Order.id == order_id).values(email="meanwhile@example.com"))
        db.session.commit()
        return load(order_id)

    monkeypatch.setattr(orders, "get_order", load_after_a_change)
    assert "meanwhile@example.com" in page(client, order)
    monkeypatch.setattr(orders, "get_order", load)
    db.session.execute(update(Order).where(Order.id == order.id).values(email=original))
    db.session.commit()
    assert original in page(client, order) and "meanwhile@example.com" not in page(client, order)


def test_with_no_room_the_page_is_rendered_every_time(app, client, order):
    app.config["ORDER_PAGE_CACHE_SIZE"] = 0
    page(client, order)
    with count_queries() as second:
        assert "Your returns and exchanges" in page(client, order)
    # The six reads of the fingerprint, then the whole order and its return requests.
    assert len(second) > 6 and "ally_order_pages" not in app.extensions


def test_opening_an_order_sets_no_cookie_and_the_page_posts_nothing(app, order):
    """The page carries no form token (orders/page.html): a customer opening an order
    from an email gets no cookie, and nothing on the page would need one."""
    response = app.test_client().get(f"/orders/{link_for(order)}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Your returns and exchanges" in html
    assert "Set-Cookie" not in response.headers and "X-CSRFToken" not in html
    assert 'method="post"' not in html.lower() and "hx-post" not in html
