"""/exchange: the return request (prepaid label or the customer's tracking), fit
feedback alone, staff review, receipt, inspection and refund."""

from __future__ import annotations

import io
import re

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.actors import CARRIER, CUSTOMER, Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import (
    OutboxMessage,
    ReturnReason,
    ReturnState,
    SandboxPayment,
    ScanKind,
    ShipmentPurpose,
    StockMovement,
    Variant,
)
from ally_web.services import orders as order_service
from ally_web.services import returns
from ally_web.services.orders import links
from tests.factories import in_stock_variant, make_order

STAFF = Actor.staff(None, "Sam Rivera")
ALL_CONDITIONS = set(returns.CONDITIONS)


def delivered_order(country: str = "US", email: str = "ret@example.com"):
    order = make_order(email=email, country=country, lines=[(in_stock_variant(min_stock=3), 1, False)])
    with current_app.test_request_context():
        parcel = order_service.ship_ready_pairs(order, "FedEx", f"7{order.id:011d}", STAFF)
        order_service.record_scan(parcel, ScanKind.DELIVERED, clock.now(), CARRIER)
    db.session.commit()
    return order


def photo(colour="red", size=(40, 30), kind="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def ask(order, action="return", reason="too_small", conditions=ALL_CONDITIONS, **extra):
    """A request for the order's first pair; a damaged one comes with a photo unless
    ``photos`` says otherwise."""
    line = order.lines[0]
    photos = extra.get("photos", [returns.Upload("scuff.jpg", photo())] if reason == "damaged" else [])
    given = returns.RequestInput(items=[returns.ItemInput(line.id, action, 1, reason, extra.get("note", ""),
                                                          photos=photos)],
                                 conditions=set(conditions))
    with current_app.test_request_context():
        return returns.create_request(order, given, CUSTOMER)


@pytest.fixture(autouse=True)
def media_in_tmp(app, tmp_path, monkeypatch):
    """Photos of damaged pairs go to this test's own folder."""
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))


def emails(kind):
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


# --- Services --------------------------------------------------------------------------------


def test_a_us_return_gets_a_prepaid_label_and_a_drop_off_code(app):
    order = delivered_order()
    request = ask(order)
    assert request.state is ReturnState.LABEL_ISSUED
    assert request.shipment.purpose is ShipmentPurpose.RETURN and request.shipment.carrier == "UPS"
    assert returns.label_pdf(request).startswith(b"%PDF")
    (email,) = emails("return_requested")
    assert f"/exchange/r/{request.token}" in email.text_body and request.shipment.tracking_number in email.text_body
    assert order_service.order_status(order).code == "delivered"  # a return parcel is not the order's parcel


def test_feedback_alone_is_a_complete_request(app):
    order = delivered_order()
    request = ask(order, action="feedback", reason="heel_slips", conditions=(), note="Slips a little on the left.")
    assert request.state is ReturnState.CLOSED and request.shipment is None
    assert request.items[0].note == "Slips a little on the left."


def test_what_is_missing_is_named_field_by_field(app):
    order = delivered_order()
    line_id = order.lines[0].id
    with pytest.raises(returns.RequestInvalid) as refused:
        ask(order, reason="", conditions={"box"})
    assert set(refused.value.errors) == {f"reason-{line_id}", "conditions"}
    with pytest.raises(returns.RequestInvalid, match="at least one pair"):
        ask(order, action="")
    ask(order)
    with pytest.raises(returns.RequestInvalid) as again:
        ask(order)
    assert "already on its way back" in again.value.errors[f"action-{line_id}"]


def test_a_damaged_pair_is_reviewed_before_any_label(app):
    order = delivered_order()
    request = ask(order, reason="damaged")
    assert request.state is ReturnState.IN_REVIEW and request.shipment is None
    with pytest.raises(DomainError) as no_reason:
        returns.review(request, False, " ", STAFF)
    assert no_reason.value.field == "reason"
    returns.review(request, True, "", STAFF)
    assert request.state is ReturnState.LABEL_ISSUED
    other = ask(delivered_order(email="other@example.com"), reason="damaged")
    returns.review(other, False, "The photos show wear, not a fault.", STAFF)
    assert other.state is ReturnState.REFUSED
    assert "The photos show wear, not a fault." in emails("return_refused")[0].text_body


def test_from_abroad_the_customer_gives_the_tracking_number(app):
    order = delivered_order(country="GB", email="abroad@example.com")
    request = ask(order)
    assert request.state is ReturnState.AWAITING_TRACKING and request.shipment is None
    with pytest.raises(DomainError) as bad:
        returns.add_tracking(request, "UPS", "12345", CUSTOMER)
    assert bad.value.field == "tracking_number"
    returns.add_tracking(request, "ups", "1Z 999 AA1 0123 4567 84", CUSTOMER)
    assert request.state is ReturnState.IN_TRANSIT and request.shipment.tracking_number == "1Z999AA10123456784"
    with pytest.raises(DomainError):
        returns.label_pdf(request)  # no prepaid label abroad


def test_inspection_refunds_accepted_pairs_and_puts_them_back_on_the_shelf(app):
    order = delivered_order()
    line = order.lines[0]
    variant = db.session.get(Variant, line.variant_id)
    before = variant.stock
    request = ask(order)
    with pytest.raises(DomainError, match="received first"):
        returns.inspect(request, {}, STAFF)
    returns.mark_received(request, STAFF)
    assert len(emails("return_received")) == 1
    with pytest.raises(DomainError) as undecided:
        returns.inspect(request, {}, STAFF)
    assert undecided.value.field == f"item-{request.items[0].id}"
    with pytest.raises(DomainError, match="worn"):
        returns.inspect(request, {request.items[0].id: returns.Decision(False, "")}, STAFF)
    with current_app.test_request_context():
        refunded = returns.inspect(request, {request.items[0].id: returns.Decision(True)}, STAFF)
    assert refunded == line.unit_price_cents + line.sales_tax_cents
    assert request.state is ReturnState.CLOSED and variant.stock == before + 1
    payment = db.session.scalar(select(SandboxPayment).where(SandboxPayment.payment_ref == order.payment_ref))
    assert payment.refunded_cents == refunded
    movement = db.session.scalars(select(StockMovement).where(StockMovement.variant_id == variant.id)
                                  .order_by(StockMovement.id.desc())).first()
    assert str(movement.reason) == "returned" and movement.change == 1
    assert "refunded" in emails("return_inspected")[0].text_body


def test_a_worn_pair_is_refused_with_its_note_and_nothing_is_refunded(app):
    order = delivered_order()
    request = ask(order)
    returns.mark_received(request, STAFF)
    with current_app.test_request_context():
        assert returns.inspect(request, {request.items[0].id: returns.Decision(False, "Scuffed soles.")}, STAFF) == 0
    assert "not accepted: Scuffed soles." in emails("return_inspected")[0].text_body


# --- Pages ---------------------------------------------------------------------------------


def link_for(order):
    with current_app.test_request_context():
        return links.make_link(order)


def test_the_faq_address_finds_the_order_and_the_status_page_links_to_it(client, app):
    order = delivered_order()
    assert "Return or tell us how they fit" in client.get("/exchange").get_data(as_text=True)
    found = client.post("/pages/order-lookup", data={"email": order.email, "number": order.number,
                                                     "then": "exchange"})
    assert found.status_code == 303 and found.headers["Location"].startswith("/exchange/")
    link = link_for(order)
    assert f'href="/exchange/{link}"' in client.get(f"/orders/{link}").get_data(as_text=True)


def test_a_refused_request_comes_back_with_the_choices_kept(client, app, htmx_headers):
    order = delivered_order()
    line_id = order.lines[0].id
    link = link_for(order)
    data = {f"action-{line_id}": "return", f"note-{line_id}": "Roomy at the heel", "conditions": ["box"]}
    page = client.post(f"/exchange/{link}", data=data)
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and "Please tell us why it goes back." in body
    assert 'value="return" checked' in body and "Roomy at the heel</textarea>" in body
    assert 'value="box" checked' in body and "Please confirm each condition" in body
    fragment = client.post(f"/exchange/{link}", data=data, headers=htmx_headers)
    assert fragment.status_code == 422 and fragment.get_data(as_text=True).lstrip().startswith('<form id="request-form"')


def test_a_request_page_with_its_label_and_drop_off_code(client, app):
    order = delivered_order()
    line_id = order.lines[0].id
    sent = client.post(f"/exchange/{link_for(order)}", data={
        f"action-{line_id}": "return", f"reason-{line_id}": "too_big", "conditions": sorted(ALL_CONDITIONS)})
    assert sent.status_code == 303 and re.fullmatch(r"/exchange/r/[\w-]{43}", sent.headers["Location"])
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Download the label" in page and "Too big" in page
    assert client.get(sent.headers["Location"] + "/label.pdf").data.startswith(b"%PDF")
    code = client.get(sent.headers["Location"] + "/drop-off.svg")
    assert code.status_code == 200 and b"<svg" in code.data
    assert client.get("/exchange/r/not-a-token").status_code == 404


def test_from_abroad_the_tracking_form_keeps_what_was_typed(client, app):
    order = delivered_order(country="GB", email="abroad2@example.com")
    request = ask(order)
    db.session.commit()
    bad = client.post(f"/exchange/r/{request.token}/tracking", data={"carrier": "UPS", "tracking_number": "12 34"})
    assert bad.status_code == 422 and 'value="12 34"' in bad.get_data(as_text=True)
    good = client.post(f"/exchange/r/{request.token}/tracking",
                       data={"carrier": "UPS", "tracking_number": "1Z999AA10123456799"})
    assert good.status_code == 303
    assert "on its way to us" in client.get(good.headers["Location"]).get_data(as_text=True)


def test_staff_receive_and_inspect(client, app, auth):
    order = delivered_order()
    request = ask(order)
    db.session.commit()
    auth.login()
    listing = client.get("/admin/returns").get_data(as_text=True)
    assert f"/admin/returns/{request.id}" in listing
    assert client.post(f"/admin/returns/{request.id}/received").status_code == 303
    item_id = request.items[0].id
    missing = client.post(f"/admin/returns/{request.id}/inspect", data={f"item-{item_id}": "refuse"})
    assert missing.status_code == 422 and "what shows the pair was worn" in missing.get_data(as_text=True)
    done = client.post(f"/admin/returns/{request.id}/inspect", data={f"item-{item_id}": "accept"})
    assert done.status_code == 303
    assert "refunded" in client.get(f"/admin/returns/{request.id}").get_data(as_text=True).lower()
    assert client.get("/admin/returns/99999999999999999999").status_code == 404


# --- Exchanges ------------------------------------------------------------------------------


def test_the_reason_puts_its_size_first(app):
    order = delivered_order()
    line = order.lines[0]
    first = returns.exchange_options(line, "too_small")[0]
    assert (first.size_halves, first.width) == (line.size_halves + 1, line.width)
    assert returns.suggested(line, "changed_mind") is None


def _exchange(order, wanted: str):
    line = order.lines[0]
    given = returns.RequestInput(items=[returns.ItemInput(line.id, "exchange", 1, "too_small", "", wanted)],
                                 conditions=ALL_CONDITIONS)
    with current_app.test_request_context():
        return returns.create_request(order, given, CUSTOMER)


def test_an_exchange_needs_a_size_the_colour_is_made_in(app):
    order = delivered_order()
    line = order.lines[0]
    for wanted in ("", "99-M", f"{line.size_halves}-{line.width}", "abc"):
        with pytest.raises(returns.RequestInvalid) as refused:
            _exchange(order, wanted)
        assert f"exchange-{line.id}" in refused.value.errors, wanted


def _accept(request):
    returns.mark_received(request, STAFF)
    with current_app.test_request_context():
        return returns.inspect(request, {request.items[0].id: returns.Decision(True)}, STAFF)


def test_an_accepted_exchange_in_stock_adds_the_new_pair_at_no_charge(app):
    order = delivered_order()
    line = order.lines[0]
    bigger = db.session.scalar(select(Variant).where(
        Variant.colour_id == db.session.get(Variant, line.variant_id).colour_id,
        Variant.size_halves == line.size_halves + 1, Variant.width == line.width))
    bigger.stock = 2
    request = _exchange(order, f"{bigger.size_halves}-{bigger.width}")
    assert request.state is ReturnState.LABEL_ISSUED
    assert _accept(request) == 0  # nothing refunded: the new pair replaces it
    new = order.lines[-1]
    assert (new.variant_id, new.unit_price_cents, new.made_to_order) == (bigger.id, 0, False)
    assert bigger.stock == 1 and new in order_service.lines_to_fulfil(order)
    assert "Your new pair" in emails("return_inspected")[0].text_body


def test_an_exchange_out_of_stock_is_made_to_order_in_the_now_known_size(app):
    from ally_web.models import Customer, MadeToOrderState

    order = delivered_order(email="swap@example.com")
    line = order.lines[0]
    wanted = db.session.scalar(select(Variant).where(
        Variant.colour_id == db.session.get(Variant, line.variant_id).colour_id,
        Variant.size_halves == line.size_halves - 1, Variant.width == line.width))
    wanted.stock = 0
    request = _exchange(order, f"{wanted.size_halves}-{wanted.width}")
    _accept(request)
    new = order.lines[-1]
    assert new.made_to_order and new.mto_state is MadeToOrderState.IN_PRODUCTION and new.ships_by is not None
    customer = db.session.get(Customer, order.customer_id)
    assert (customer.size_halves, customer.width) == (wanted.size_halves, wanted.width)
    started = [e for e in order.events if e.kind == "production_started"]
    assert [(e.params["line_id"], e.params["ships_by"]) for e in started] == [(new.id, new.ships_by.isoformat())]


def test_the_exchange_field_follows_the_reason_with_htmx(client, app, htmx_headers):
    order = delivered_order()
    line = order.lines[0]
    link = link_for(order)
    response = client.post(f"/exchange/{link}/options/{line.id}", data={f"reason-{line.id}": "too_big"},
                           headers=htmx_headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(f'<div class="field" id="exchange-field-{line.id}"')
    first = re.search(r'<option value="([^"]+)"', body).group(1)
    assert first == f"{line.size_halves - 1}-{line.width}" and "(suggested)" in body
    assert "HX-Request" in response.headers["Vary"]
    assert client.post(f"/exchange/{link}/options/{line.id}", data={}).status_code == 303


def test_the_status_page_follows_the_request_and_staff_see_feedback_by_size(client, app, auth):
    order = delivered_order()
    request = ask(order, reason="too_big")
    db.session.commit()
    status = client.get(f"/orders/{link_for(order)}").get_data(as_text=True)
    assert "Label ready, waiting for your parcel" in status and f"/exchange/r/{request.token}" in status
    (row,) = returns.feedback_summary()
    assert row.total == 1 and row.share(ReturnReason.TOO_BIG) == 1.0
    auth.login()
    page = client.get("/admin/returns/feedback").get_data(as_text=True)
    assert "1 (100%)" in page


def test_a_scanned_prepaid_label_puts_the_return_in_transit(app):
    from ally_web.jobs import run_jobs

    order = delivered_order()
    request = ask(order)
    with current_app.test_request_context():
        order_service.record_scan(request.shipment, ScanKind.IN_TRANSIT, clock.now(), CARRIER, "Secaucus, NJ")
    db.session.commit()
    run_jobs(now=clock.now())
    run_jobs(now=clock.now())
    db.session.refresh(request)
    assert request.state is ReturnState.IN_TRANSIT
    assert [str(e.kind) for e in order.events].count("return_in_transit") == 1


# --- Exchange holds --------------------------------------------------------------------------


def _bigger_in_stock(order, stock=2):
    line = order.lines[0]
    bigger = db.session.scalar(select(Variant).where(
        Variant.colour_id == db.session.get(Variant, line.variant_id).colour_id,
        Variant.size_halves == line.size_halves + 1, Variant.width == line.width))
    bigger.stock = stock
    return bigger


def test_the_new_pair_is_held_from_the_request_so_it_cannot_sell_out(app):
    order = delivered_order()
    bigger = _bigger_in_stock(order, stock=1)
    request = _exchange(order, f"{bigger.size_halves}-{bigger.width}")
    assert request.items[0].reserved and bigger.stock == 0  # the last one, held
    _accept(request)
    new = order.lines[-1]
    assert not new.made_to_order and bigger.stock == 0 and not request.items[0].reserved  # not taken twice


def test_a_refused_exchange_puts_the_held_pair_back(app):
    order = delivered_order()
    bigger = _bigger_in_stock(order)
    request = _exchange(order, f"{bigger.size_halves}-{bigger.width}")
    assert bigger.stock == 1
    returns.mark_received(request, STAFF)
    with current_app.test_request_context():
        returns.inspect(request, {request.items[0].id: returns.Decision(False, "Creased vamp.")}, STAFF)
    assert bigger.stock == 2 and len(order.lines) == 1


def test_an_exchange_hold_and_its_release_are_in_the_ledger_which_adds_up_to_the_stock(app):
    from datetime import timedelta

    from sqlalchemy import func

    from ally_web import policy
    from ally_web.jobs import run_jobs
    from ally_web.models import MovementReason, StockMovement
    from ally_web.services import catalog

    def ledger_sum(variant_id):
        return db.session.scalar(select(func.coalesce(func.sum(StockMovement.change), 0))
                                 .where(StockMovement.variant_id == variant_id))

    def stock(variant_id):
        return db.session.scalar(select(Variant.stock).where(Variant.id == variant_id))

    def last_movement(variant_id):
        return db.session.scalar(select(StockMovement).where(StockMovement.variant_id == variant_id)
                                 .order_by(StockMovement.id.desc()))

    order = delivered_order()
    bigger = _bigger_in_stock(order, stock=0)
    catalog.count_stock(bigger.id, 2, 0, "Counted", STAFF)  # through the ledger, like staff
    assert ledger_sum(bigger.id) == stock(bigger.id) == 2
    request = _exchange(order, f"{bigger.size_halves}-{bigger.width}")
    held = last_movement(bigger.id)
    assert (held.reason, held.change, held.resulting) == (MovementReason.EXCHANGE_OUT, -1, 1)
    assert f"order #{order.number}" in held.note
    assert ledger_sum(bigger.id) == stock(bigger.id) == 1
    db.session.commit()
    run_jobs(now=request.created_at + timedelta(days=policy.EXCHANGE_HOLD_DAYS))
    db.session.expire_all()
    released = last_movement(bigger.id)
    assert (released.reason, released.change, released.resulting) == (MovementReason.EXCHANGE_IN, 1, 2)
    assert released.actor_kind.value == "system"
    assert ledger_sum(bigger.id) == stock(bigger.id) == 2 and catalog.ledger_explains(bigger.id)
    assert catalog.REASON_LABELS[MovementReason.EXCHANGE_OUT] and catalog.REASON_LABELS[MovementReason.EXCHANGE_IN]


def test_a_parcel_that_never_comes_gets_one_reminder_then_the_hold_ends(app):
    from datetime import timedelta

    from ally_web import policy
    from ally_web.jobs import run_jobs

    order = delivered_order()
    bigger = _bigger_in_stock(order)
    request = _exchange(order, f"{bigger.size_halves}-{bigger.width}")
    db.session.commit()
    start = request.created_at
    run_jobs(now=start + timedelta(days=policy.EXCHANGE_HOLD_DAYS - policy.EXCHANGE_HOLD_REMINDER_DAYS))
    run_jobs(now=start + timedelta(days=policy.EXCHANGE_HOLD_DAYS - 1))
    assert len(emails("exchange_hold_reminder")) == 1 and bigger.stock == 1
    run_jobs(now=start + timedelta(days=policy.EXCHANGE_HOLD_DAYS))
    run_jobs(now=start + timedelta(days=policy.EXCHANGE_HOLD_DAYS + 1))
    db.session.refresh(bigger)
    assert bigger.stock == 2 and len(emails("exchange_hold_released")) == 1
    db.session.refresh(request)
    assert request.state is ReturnState.LABEL_ISSUED  # still open: the parcel may yet come
