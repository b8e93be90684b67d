"""Staff order pages: search, detail, fulfil in-stock pairs, labels, deliveries and
(admins only) cancellation with a sandbox refund. Services are tested without a client
where the rule is theirs; views with the Flask client, full and htmx partial."""

from __future__ import annotations

import re

import pytest
from flask import current_app
from sqlalchemy import func, select

import ally_web.blueprints.admin.orders  # noqa: F401  (routes join the admin blueprint before create_app)
import ally_web.models.outbox  # noqa: F401  (the table exists before create_all)
import ally_web.models.payments  # noqa: F401
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.event_text import event_text
from ally_web.extensions import db
from ally_web.models import Order, OrderEvent, Shipment, Variant
from ally_web.models.outbox import OutboxMessage
from ally_web.models.payments import SandboxIdempotencyKey, SandboxPayment
from ally_web.services import orders as order_service
from ally_web.services.orders import order_status
from ally_web.templating import money
from tests.conftest import csrf_from, running_app
from tests.factories import in_stock_variant, make_order, sold_out_variant
from tests.support.queries import count_queries

UPS_TYPED = "1z 999 aa1 0123 4567 84"
UPS = "1Z999AA10123456784"
FEDEX = "123456789012"


@pytest.fixture
def stylist(client, auth):
    auth.login(role="stylist")  # Sam Rivera
    return client


@pytest.fixture
def admin(client, auth):
    auth.login(role="admin")  # Alex Admin
    return client


def reload(order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def html(response) -> str:
    return response.get_data(as_text=True)


def outbox(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def fulfil(client, order, carrier="UPS", number=UPS_TYPED, **kw):
    return client.post(f"/admin/orders/{order.id}/fulfil", data={"carrier": carrier, "tracking_number": number}, **kw)


def order_link_works(body: str, order) -> bool:
    """The email's order link (signed, see services/order_links.py) opens the order
    for anyone holding it (a fresh client: no staff session)."""
    match = re.search(r"https?://[^/\s]+(/orders/\S+)", body)
    assert match, body
    page = current_app.test_client().get(match.group(1))
    return page.status_code == 200 and f"#{order.number}" in html(page)




# --- Sign-in ---------------------------------------------------------------------------


def test_every_endpoint_sends_anonymous_visitors_to_sign_in(client):
    order = make_order()
    with current_app.test_request_context():
        shipment = order_service.ship_ready_pairs(order, "UPS", UPS, Actor.staff(None, "Sam Rivera"))
    db.session.commit()
    base = f"/admin/orders/{order.id}"
    for method, url in [
        ("get", "/admin/orders"), ("get", base), ("post", f"{base}/fulfil"), ("post", f"{base}/cancel"),
        ("get", f"{base}/shipments/{shipment.id}/label.pdf"), ("post", f"{base}/shipments/{shipment.id}/delivered"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code in (302, 303), (method, url)
        assert response.headers["Location"].startswith("/staff/sign-in"), url
    assert reload(order.id).cancelled_at is None


# --- The list and its search -------------------------------------------------------------


def test_list_shows_orders_newest_first_with_their_status(stylist):
    first = make_order(email="ada@example.com")
    second = make_order(email="grace@example.com", lines=[(in_stock_variant(), 2, False)])
    page = html(stylist.get("/admin/orders"))
    assert page.index(f"#{second.number}") < page.index(f"#{first.number}")
    assert "grace@example.com" in page and "2 pairs" in page and "Preparing to ship" in page
    assert '<th scope="col">Customer email</th>' in page and "<caption" in page


@pytest.mark.parametrize("typed", ["{number}", "#{number}", "{lower}", "# {spaced}", "  {compact}  "])
def test_search_by_order_number_forgives_case_spaces_and_hash(stylist, typed):
    wanted = make_order(email="ada@example.com")
    other = make_order(email="grace@example.com")
    number = wanted.number
    query = typed.format(number=number, lower=number.lower(), spaced=number.lower().replace("-", " "),
                         compact=number.replace("-", ""))
    page = html(stylist.get("/admin/orders", query_string={"q": query}))
    assert f"#{number}" in page and f"#{other.number}" not in page
    assert "1 order" in page


def test_search_by_email_exact_or_prefix_any_case(stylist):
    jane = make_order(email="Jane.Doe@Example.com")
    make_order(email="grace@example.com")
    for query in ("jane.doe@example.com", "JANE.DOE@EXAMPLE.COM", "jane.d", " Jane "):
        page = html(stylist.get("/admin/orders", query_string={"q": query}))
        assert f"#{jane.number}" in page and "grace@example.com" not in page, query
    page = html(stylist.get("/admin/orders", query_string={"q": "nobody@example.com"}))
    assert "0 orders" in page and "No orders match" in page


def test_search_treats_like_wildcards_as_text(stylist):
    make_order(email="grace@example.com")
    for query in ("%", "_race", "\\"):
        assert "0 orders" in html(stylist.get("/admin/orders", query_string={"q": query})), query


def _orders_in_every_state():
    mto = sold_out_variant(offset=3)
    made = {
        "preparing": make_order(email="preparing@example.com"),
        "fitting": make_order(email="fitting@example.com", lines=[(mto, 1, True)]),
        "made_to_order": make_order(email="mto@example.com", lines=[(mto, 1, True)], size_known=True),
        "partly": make_order(email="partly@example.com", lines=[(in_stock_variant(), 1, False), (mto, 1, True)]),
        "shipped": make_order(email="shipped@example.com"),
        "delivered": make_order(email="delivered@example.com"),
        "cancelled": make_order(email="cancelled@example.com"),
    }
    actor = Actor.staff(None, "Sam Rivera")
    with current_app.test_request_context():
        order_service.ship_ready_pairs(made["partly"], "UPS", "1Z999AA10000000001", actor)
        order_service.ship_ready_pairs(made["shipped"], "FedEx", "111111111111", actor)
        delivered = order_service.ship_ready_pairs(made["delivered"], "FedEx", "222222222222", actor)
        order_service.mark_delivered(delivered, actor)
        order_service.cancel_order(made["cancelled"], actor, "Customer asked us to.")
    db.session.commit()
    return made


def test_status_filters_in_sql_agree_with_the_derived_status(app):
    _orders_in_every_state()
    everything = order_service.search_orders("", None, 1).items
    assert len(everything) == 7
    for code in order_service.STATUS_FILTERS:
        found = {o.email for o in order_service.search_orders("", code, 1).items}
        if code == "to_fulfil":
            expected = {"preparing@example.com"}  # "partly": its in-stock pair has shipped
        else:
            expected = {o.email for o in everything if order_status(o).code == code}
        assert found == expected, code
    assert {o.email for o in order_service.search_orders("", "made_to_order", 1).items} == {"mto@example.com"}
    # A pair waiting for its fitting pair is never "being made".
    assert {o.email for o in order_service.search_orders("", "fitting", 1).items} == {"fitting@example.com"}


def test_status_select_filters_the_list(stylist):
    made = _orders_in_every_state()
    page = html(stylist.get("/admin/orders", query_string={"status": "cancelled"}))
    assert f"#{made['cancelled'].number}" in page and f"#{made['preparing'].number}" not in page
    assert '<option value="cancelled" selected>' in page
    page = html(stylist.get("/admin/orders", query_string={"status": "partly_shipped", "q": "partly"}))
    assert f"#{made['partly'].number}" in page and "1 order" in page
    page = html(stylist.get("/admin/orders", query_string={"status": "to_fulfil", "q": "partly"}))
    assert "0 orders" in page
    # An unknown status is simply "all orders".
    assert "7 orders" in html(stylist.get("/admin/orders", query_string={"status": "bogus"}))


def test_pages_are_clamped_and_never_fail(app):
    for n in range(5):
        make_order(email=f"buyer{n}@example.com")
    first = order_service.search_orders("", None, 1, per_page=2)
    assert (first.number, first.pages, first.total, len(first.items)) == (1, 3, 5, 2)
    assert order_service.search_orders("", None, 0, per_page=2).number == 1
    assert order_service.search_orders("", None, -4, per_page=2).number == 1
    last = order_service.search_orders("", None, 10**20, per_page=2)
    assert (last.number, len(last.items)) == (3, 1)
    assert order_service.search_orders("nobody", None, 7).number == 1  # nothing found: still page 1 of 1


@pytest.mark.parametrize("page", ["0", "-1", "abc", str(10**20), "1.5", "", "٣"])
def test_bad_page_numbers_show_a_valid_page(stylist, page):
    make_order()
    response = stylist.get("/admin/orders", query_string={"page": page})
    assert response.status_code == 200
    assert "1 order" in html(response)


def test_pagination_links_keep_the_search(stylist, monkeypatch):
    monkeypatch.setattr("ally_web.blueprints.admin.orders.PER_PAGE", 2)
    for n in range(3):
        make_order(email=f"buyer{n}@example.com")
    page = html(stylist.get("/admin/orders", query_string={"q": "buyer", "status": "preparing"}))
    assert "Page 1 of 2" in page
    assert 'href="/admin/orders?q=buyer&amp;status=preparing&amp;page=2" rel="next"' in page


def test_the_list_costs_the_same_queries_for_2_or_12_orders(stylist):
    counts = []
    for total in (2, 12):
        while db.session.scalar(select(func.count(Order.id))) < total:
            make_order(email=f"buyer{total}@example.com", lines=[(in_stock_variant(), 1, False)])
        stylist.get("/admin/orders")
        with count_queries() as statements:
            assert stylist.get("/admin/orders").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


# --- htmx ---------------------------------------------------------------------------------


def test_active_search_returns_only_the_results_block(stylist, htmx_headers):
    order = make_order()
    full = stylist.get("/admin/orders", query_string={"q": order.number})
    page = html(full)
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert 'hx-target="#orders-results"' in page and 'hx-push-url="true"' in page
    assert "HX-Request" in full.headers["Vary"]

    partial = stylist.get("/admin/orders", query_string={"q": order.number}, headers=htmx_headers)
    body = html(partial)
    assert partial.status_code == 200
    assert "<html" not in body and "<form" not in body and 'id="orders-results"' not in body
    assert f"#{order.number}" in body and "<table" in body
    assert "HX-Request" in partial.headers["Vary"]

    # A history restore or a full-page htmx request gets the whole page.
    restore = stylist.get("/admin/orders", headers={**htmx_headers, "HX-History-Restore-Request": "true"})
    assert "<html" in html(restore)


def test_pages_have_no_inline_script_style_or_trigger_filters(stylist):
    order = make_order()
    for url in ("/admin/orders", f"/admin/orders/{order.id}"):
        page = html(stylist.get(url))
        assert "style=" not in page and "hx-on" not in page and "<style" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        for trigger in re.findall(r'hx-trigger="([^"]*)"', page):
            assert "[" not in trigger and "js:" not in trigger


# --- The detail page -------------------------------------------------------------------


def test_detail_shows_address_lines_money_payment_and_timeline(stylist):
    mto = sold_out_variant(offset=2)
    order = make_order(country="GB", name="Ada Lovelace", email="ada@example.co.uk",
                       lines=[(in_stock_variant(), 1, False), (mto, 1, True)])
    page = html(stylist.get(f"/admin/orders/{order.id}"))
    assert f"Order #{order.number}" in page
    assert "12 Floral Street" in page and "London" in page and "United Kingdom" in page
    assert "Made to order, fitting pair first" in page and "In stock: ships" in page
    # Duties and taxes as the landed-cost quote set them at checkout, paid then.
    assert order.duties_collected == "checkout" and order.duties_cents > 0 and order.taxes_cents > 0
    assert "Duties" in page and money(order.duties_cents) in page and money(order.taxes_cents) in page
    assert "Visa ending 4242 (credit)" in page
    assert "by customer" in page and "by system" in page
    assert "Ship the pairs that are ready" in page
    assert 'for="tracking_number"' in page and 'id="tracking_number"' in page
    assert '<option value="FedEx">FedEx</option>' in page and '<option value="UPS">UPS</option>' in page
    assert "Cancel and refund" not in page  # stylists do not see it


@pytest.mark.parametrize("url", ["/admin/orders/999", f"/admin/orders/{10**20}", "/admin/orders/abc",
                                 "/admin/orders/0"])
def test_unknown_orders_are_404(stylist, url):
    assert stylist.get(url).status_code == 404


# --- Fulfilling --------------------------------------------------------------------------


@pytest.mark.parametrize("carrier,typed,number,link", [
    ("UPS", UPS_TYPED, UPS, f"https://www.ups.com/track?tracknum={UPS}"),
    ("FedEx", "1234 5678 9012", FEDEX, f"https://www.fedex.com/fedextrack/?trknbr={FEDEX}"),
])
def test_fulfil_ships_the_in_stock_pairs_and_emails_the_customer(stylist, carrier, typed, number, link):
    in_stock, mto = in_stock_variant(), sold_out_variant(offset=2)
    order = make_order(lines=[(in_stock, 1, False), (mto, 1, True)])
    response = fulfil(stylist, order, carrier, typed)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/orders/{order.id}"

    order = reload(order.id)
    [shipment] = order.shipments
    assert (shipment.carrier, shipment.tracking_number) == (carrier, number)
    assert [line.shipment_id for line in order.lines] == [shipment.id, None]  # made-to-order waits
    shipped = [e for e in order.events if e.kind == "shipped"]
    assert len(shipped) == 1 and str(shipped[0].actor) == "staff: Sam Rivera" and number in event_text(shipped[0])
    assert order_status(order).code == "partly_shipped"

    [email] = outbox("order_shipped")
    assert email.to_address == "jane@example.com" and email.order_id == order.id
    assert link in email.text_body and order_link_works(email.text_body, order)
    assert "made to order" in email.text_body  # what is still to come

    page = html(stylist.get(f"/admin/orders/{order.id}"))
    assert f"Shipped by {carrier} ({number})" in page
    assert f'href="{link}"' in page and "Mark delivered" in page
    assert "Fulfil in-stock pairs" not in page  # nothing left to ship


def test_a_bad_tracking_number_is_422_beside_the_field_keeping_what_was_typed(stylist):
    order = make_order()
    response = fulfil(stylist, order, "UPS", "12345")
    page = html(response)
    assert response.status_code == 422
    assert re.search(r'<p class="field-error" id="tracking_number-error">That is not a UPS tracking number', page)
    assert re.search(r'<input[^>]*aria-describedby="tracking_number-hint tracking_number-error"[^>]*value="12345"', page)
    assert '<option selected value="UPS">' in page or '<option value="UPS" selected>' in page
    assert reload(order.id).shipments == [] and outbox("order_shipped") == []


def test_an_empty_tracking_number_or_unknown_carrier_is_422(stylist):
    order = make_order()
    response = fulfil(stylist, order, "UPS", "")
    assert response.status_code == 422 and 'id="tracking_number-error"' in html(response)
    response = fulfil(stylist, order, "DHL", UPS)
    assert response.status_code == 422 and 'id="carrier-error">Choose a carrier: FedEx or UPS.' in html(response)


def test_a_tracking_number_cannot_be_used_twice(stylist):
    first, second = make_order(), make_order(email="grace@example.com")
    assert fulfil(stylist, first).status_code == 303
    response = fulfil(stylist, second)
    assert response.status_code == 422
    assert f"already used on order #{first.number}" in html(response)


def test_nothing_left_to_ship_or_a_cancelled_order_is_422(stylist):
    order = make_order()
    assert fulfil(stylist, order).status_code == 303
    response = fulfil(stylist, order, "FedEx", FEDEX)
    assert response.status_code == 422 and "already shipped" in html(response)

    cancelled = make_order(email="grace@example.com")
    with current_app.test_request_context():
        order_service.cancel_order(cancelled, Actor.staff(None, "Alex Admin"), "Fraud check failed.")
    db.session.commit()
    response = fulfil(stylist, cancelled, "FedEx", FEDEX)
    assert response.status_code == 422 and "cancelled" in html(response)
    assert reload(cancelled.id).shipments == []


def test_htmx_fulfil_redirects_with_hx_redirect(stylist, htmx_headers):
    order = make_order()
    response = fulfil(stylist, order, headers=htmx_headers)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/admin/orders/{order.id}"


# --- Labels and deliveries --------------------------------------------------------------


def test_label_pdf_download(stylist):
    order = make_order(name="Zoë Ng")
    fulfil(stylist, order)
    shipment = reload(order.id).shipments[0]
    response = stylist.get(f"/admin/orders/{order.id}/shipments/{shipment.id}/label.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"%PDF") and UPS.encode() in response.data


def test_shipments_of_another_order_or_unknown_are_404(stylist):
    mine, other = make_order(), make_order(email="grace@example.com")
    fulfil(stylist, other)
    theirs = reload(other.id).shipments[0]
    assert stylist.get(f"/admin/orders/{mine.id}/shipments/{theirs.id}/label.pdf").status_code == 404
    assert stylist.post(f"/admin/orders/{mine.id}/shipments/{theirs.id}/delivered").status_code == 404
    assert stylist.get(f"/admin/orders/{other.id}/shipments/999/label.pdf").status_code == 404
    assert stylist.post(f"/admin/orders/{other.id}/shipments/{10**20}/delivered").status_code == 404
    assert reload(other.id).shipments[0].delivered_at is None


def test_mark_delivered_once(stylist):
    order = make_order()
    fulfil(stylist, order)
    shipment = reload(order.id).shipments[0]
    url = f"/admin/orders/{order.id}/shipments/{shipment.id}/delivered"
    assert stylist.post(url).status_code == 303
    first = reload(order.id).shipments[0].delivered_at
    assert stylist.post(url).status_code == 303
    order = reload(order.id)
    assert order.shipments[0].delivered_at == first is not None
    delivered = [e for e in order.events if e.kind == "delivered"]
    assert len(delivered) == 1 and str(delivered[0].actor) == "staff: Sam Rivera"
    assert order_status(order).code == "delivered"
    assert len(outbox("order_delivered")) == 1
    assert "already marked delivered" in html(stylist.get(f"/admin/orders/{order.id}"))


def test_services_work_outside_a_request_and_delivery_is_recorded_once(app):
    order = make_order()
    shipment = order_service.ship_ready_pairs(order, "UPS", UPS, Actor.staff(None, "Sam Rivera"))  # e.g. `flask ally seed`
    [email] = outbox("order_shipped")
    assert order_link_works(email.text_body, order)
    with app.test_request_context():
        assert order_service.mark_delivered(shipment, Actor.staff(None, "Sam Rivera")) is True
        assert order_service.mark_delivered(shipment, Actor.staff(None, "Dana Park")) is False
    assert [e.kind for e in order.events].count("delivered") == 1
    assert len(outbox("order_delivered")) == 1


# --- Cancelling ---------------------------------------------------------------------------


def test_admin_cancels_restocks_refunds_and_emails(admin):
    variant = in_stock_variant(min_stock=2)
    mto = sold_out_variant(offset=2)
    before = variant.stock
    order = make_order(lines=[(variant, 2, False), (mto, 1, True)])
    assert db.session.get(Variant, variant.id).stock == before - 2
    mto_stock = db.session.get(Variant, mto.id).stock

    page = html(admin.get(f"/admin/orders/{order.id}"))
    assert "Cancel and refund" in page and 'for="reason"' in page
    response = admin.post(f"/admin/orders/{order.id}/cancel", data={"reason": "Customer changed her mind."})
    assert response.status_code == 303

    order = reload(order.id)
    assert order.cancelled_at is not None
    assert db.session.get(Variant, variant.id).stock == before
    assert db.session.get(Variant, mto.id).stock == mto_stock  # made-to-order took nothing
    kinds = {e.kind: e for e in order.events}
    assert str(kinds["cancelled"].actor) == str(kinds["refunded"].actor) == "staff: Alex Admin"
    assert kinds["cancelled"].params["reason"] == "Customer changed her mind."
    payment = db.session.scalar(select(SandboxPayment).where(SandboxPayment.payment_ref == order.payment_ref))
    assert payment.status == "refunded" and payment.refunded_cents == order.total_cents
    key = f"order:{order.number}:cancel-refund"
    assert db.session.scalar(select(SandboxIdempotencyKey).where(SandboxIdempotencyKey.key == key)) is not None
    [email] = outbox("order_cancelled")
    assert "Customer changed her mind." in email.text_body and order_link_works(email.text_body, order)
    assert order_status(order).code == "cancelled"

    page = html(admin.get(f"/admin/orders/{order.id}"))
    assert "is cancelled and refunded" in page and 'id="cancel-form"' not in page
    # Cancelling again changes nothing and says why.
    again = admin.post(f"/admin/orders/{order.id}/cancel", data={"reason": "Again."})
    assert again.status_code == 422 and "already cancelled" in html(again)
    assert db.session.get(Variant, variant.id).stock == before


def test_stylists_may_not_cancel(stylist):
    order = make_order()
    response = stylist.post(f"/admin/orders/{order.id}/cancel", data={"reason": "Because."})
    assert response.status_code == 403
    order = reload(order.id)
    assert order.cancelled_at is None and "cancelled" not in {e.kind for e in order.events}


def test_cancel_after_shipping_is_422_with_a_clear_message(admin):
    order = make_order()
    fulfil(admin, order)
    stock = db.session.get(Variant, order.lines[0].variant_id).stock
    response = admin.post(f"/admin/orders/{order.id}/cancel", data={"reason": "Too late."})
    assert response.status_code == 422
    assert "already shipped, so it can no longer be cancelled" in html(response)
    order = reload(order.id)
    assert order.cancelled_at is None
    assert db.session.get(Variant, order.lines[0].variant_id).stock == stock
    payment = db.session.scalar(select(SandboxPayment).where(SandboxPayment.payment_ref == order.payment_ref))
    assert payment.refunded_cents == 0


def test_cancel_needs_a_reason(admin):
    order = make_order()
    response = admin.post(f"/admin/orders/{order.id}/cancel", data={"reason": "   "})
    page = html(response)
    assert response.status_code == 422
    assert 'id="reason-error"' in page and 'aria-describedby="reason-error"' in page
    assert reload(order.id).cancelled_at is None


def test_a_refused_refund_cancels_nothing(app):
    order = make_order()
    order.payment_ref = "sbx_unknown"
    db.session.commit()
    stock = db.session.get(Variant, order.lines[0].variant_id).stock
    with app.test_request_context(), pytest.raises(DomainError, match="refund did not go through"):
        order_service.cancel_order(order, Actor.staff(None, "Alex Admin"), "Test")
    db.session.rollback()
    order = reload(order.id)
    assert order.cancelled_at is None and db.session.get(Variant, order.lines[0].variant_id).stock == stock


# --- CSRF: the hand-written tokens on these forms are the real ones ------------------------


def test_forms_carry_a_valid_csrf_token(auth):
    with running_app(WTF_CSRF_ENABLED=True) as app:
        order = make_order()
        client = app.test_client()
        auth.login(role="admin", client=client)  # the sign-in form's own token
        page = html(client.get(f"/admin/orders/{order.id}"))
        token = csrf_from(page)
        assert client.post(f"/admin/orders/{order.id}/fulfil",
                           data={"carrier": "UPS", "tracking_number": UPS}).status_code == 400
        response = client.post(f"/admin/orders/{order.id}/fulfil",
                               data={"carrier": "UPS", "tracking_number": UPS, "csrf_token": token})
        assert response.status_code == 303
        shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == order.id))
        assert client.post(f"/admin/orders/{order.id}/shipments/{shipment.id}/delivered",
                           data={"csrf_token": token}).status_code == 303
        assert db.session.scalar(select(func.count(OrderEvent.id)).where(OrderEvent.kind == "delivered")) == 1


def test_the_detail_page_costs_the_same_queries_for_1_or_3_pairs(stylist):
    small = make_order()
    big = make_order(email="grace@example.com", lines=[(in_stock_variant(offset=n), 1, False) for n in range(3)])
    counts = []
    for order, number in ((small, "1Z999AA10000000011"), (big, "1Z999AA10000000012")):
        fulfil(stylist, order, "UPS", number)
        url = f"/admin/orders/{order.id}"
        stylist.get(url)
        with count_queries() as statements:
            assert stylist.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_count_orders_for_the_dashboard_queue(app):
    made = _orders_in_every_state()
    assert order_service.count_orders("to_fulfil") == 1
    assert order_service.count_orders("cancelled") == 1
    assert made["preparing"].id in {o.id for o in order_service.search_orders("", "to_fulfil", 1).items}


def test_staff_record_a_customs_hold_then_delivery(client, auth):
    from ally_web.services import orders as tracking_service
    from tests.factories import make_order

    auth.login(email="scanner@example.com", name="Ria Scan")
    order = make_order(email="scan@example.com", country="GB")
    client.post(f"/admin/orders/{order.id}/fulfil", data={"carrier": "UPS", "tracking_number": "1Z999AA10123456785"})
    order = db.session.get(Order, order.id)
    shipment = order.shipments[0]
    page = html(client.get(f"/admin/orders/{order.id}"))
    assert "Record a carrier scan" in page
    held = client.post(f"/admin/orders/{order.id}/scans", data={"shipment_id": str(shipment.id), "kind": "held_at_customs", "location": "Heathrow"})
    assert held.status_code == 303
    db.session.expire_all()
    assert tracking_service.shipment_progress(shipment).code == "held_at_customs"
    bad = client.post(f"/admin/orders/{order.id}/scans", data={"shipment_id": "999999", "kind": "delivered", "location": "x<y"})
    assert bad.status_code == 422 and 'value="x&lt;y"' in html(bad)
    wrong_kind = client.post(f"/admin/orders/{order.id}/scans", data={"shipment_id": str(shipment.id), "kind": "teleported"})
    assert wrong_kind.status_code == 422 and "scan types listed" in html(wrong_kind)
    client.post(f"/admin/orders/{order.id}/scans", data={"shipment_id": str(shipment.id), "kind": "delivered"})
    db.session.expire_all()
    assert shipment.delivered_at is not None
    assert [str(e.actor) for e in db.session.get(Order, order.id).events if e.kind == "delivered"] == ["staff: Ria Scan"]


def test_two_cancels_at_once_restock_and_refund_once(real_database_url):
    import threading

    from ally_web.models import OrderEvent, Variant
    from ally_web.services import orders as service
    from tests.conftest import running_app
    from tests.factories import make_order

    # Two threads, two connections: real commits, in a database of its own.
    with running_app(SQLALCHEMY_DATABASE_URI=real_database_url) as app:
        order = make_order(email="twice@example.com")
        order_id, variant_id = order.id, order.lines[0].variant_id
        stock_before = db.session.get(Variant, variant_id).stock
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def cancel():
            with app.test_request_context():
                the_order = service.get_order(order_id)
                barrier.wait()
                try:
                    service.cancel_order(the_order, Actor.staff(None, "Alex"), "Customer asked")
                    db.session.commit()
                    outcomes.append("cancelled")
                except DomainError:
                    db.session.rollback()
                    outcomes.append("refused")
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=cancel) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        db.session.expire_all()
        assert sorted(outcomes) == ["cancelled", "refused"]
        assert db.session.get(Variant, variant_id).stock == stock_before + 1
        kinds = [e.kind for e in db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id))]
        assert kinds.count("cancelled") == 1 and kinds.count("refunded") == 1
