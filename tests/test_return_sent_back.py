"""Pairs refused at inspection (worn) are shipped back to the customer: carrier and
tracking number, a label, an email, a timeline entry; the parcel is tracked like any
other and changes nothing else about the order."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.actors import CARRIER
from ally_web.core.errors import DomainError
from ally_web.event_text import event_text
from ally_web.extensions import db
from ally_web.models import EventKind, OutboxMessage, ReturnState, ScanKind, ShipmentPurpose
from ally_web.services import orders as order_service
from ally_web.services import returns
from tests.test_returns import STAFF, ask, delivered_order, link_for


@pytest.fixture(autouse=True)
def media_in_tmp(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))


def inspected(accepted: bool, email: str = "worn@example.com"):
    request = ask(delivered_order(email=email))
    returns.mark_received(request, STAFF)
    with current_app.test_request_context():
        returns.inspect(request, {request.items[0].id: returns.Decision(accepted, "" if accepted else
                                                                        "Creased vamp, scuffed soles.")}, STAFF)
    db.session.commit()
    return request


def emails(kind):
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_a_worn_pair_goes_back_with_a_tracked_parcel_an_email_and_a_timeline_entry(app):
    request = inspected(accepted=False)
    order = request.order
    assert returns.waiting_to_send_back(request) and returns.requests_to_send_back() == [request]
    assert "we send them back to you at no cost" in emails("return_inspected")[0].text_body
    with pytest.raises(DomainError) as carrier:
        returns.send_back(request, "Pigeon", "123", STAFF)
    assert carrier.value.field == "carrier"
    with pytest.raises(DomainError) as number:
        returns.send_back(request, "UPS", "12 34", STAFF)
    assert number.value.field == "tracking_number"
    with pytest.raises(DomainError, match="already used on order"):
        returns.send_back(request, "FedEx", order.parcels[0].tracking_number, STAFF)
    with current_app.test_request_context():
        parcel = returns.send_back(request, "ups", "1Z 999 AA1 0123 4567 84", STAFF)
    assert parcel.purpose is ShipmentPurpose.SENT_BACK and request.sent_back is parcel
    assert (parcel.carrier, parcel.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert not returns.waiting_to_send_back(request) and returns.requests_to_send_back() == []
    event = next(e for e in order.events if e.kind is EventKind.RETURN_SENT_BACK)
    assert event_text(event) == "Pairs not accepted, sent back to you: 1 pair by UPS, tracking 1Z999AA10123456784."
    (email,) = emails("return_sent_back")
    assert "Creased vamp, scuffed soles." in email.text_body and "1Z999AA10123456784" in email.text_body
    assert "at no cost to you" in email.text_body and "ups.com" in email.text_body.lower()
    with pytest.raises(DomainError, match="sent back already"):
        returns.send_back(request, "UPS", "1Z999AA10123456785", STAFF)
    assert order_service.label_pdf(parcel).startswith(b"%PDF")


def test_only_refused_pairs_are_sent_back(app):
    accepted = inspected(accepted=True)
    assert not returns.waiting_to_send_back(accepted)
    with pytest.raises(DomainError, match="Only pairs refused at inspection"):
        returns.send_back(accepted, "UPS", "1Z999AA10123456786", STAFF)
    waiting = ask(delivered_order(email="early@example.com"))
    with pytest.raises(DomainError, match="Only pairs refused at inspection"):
        returns.send_back(waiting, "UPS", "1Z999AA10123456787", STAFF)


def test_its_delivery_changes_nothing_else(app):
    request = inspected(accepted=False)
    order = request.order
    with current_app.test_request_context():
        parcel = returns.send_back(request, "UPS", "1Z999AA10123456788", STAFF)
        order_service.record_scan(parcel, ScanKind.DELIVERED, clock.now(), CARRIER)
    assert parcel.delivered_at is not None
    assert order.parcels == [order.lines[0].shipment] and order_service.order_status(order).code == "delivered"
    assert len(emails("order_delivered")) == 1  # the order's own delivery only
    assert "Your pairs coming back to you: UPS 1Z999AA10123456788" in [event_text(e) for e in order.events][-1]


def test_staff_send_it_back_from_the_return_page(client, app, auth):
    request = inspected(accepted=False)
    auth.login()
    listing = client.get("/admin/returns").get_data(as_text=True)
    assert "Worn pairs to send back" in listing and f"/admin/returns/{request.id}" in listing
    page = client.get(f"/admin/returns/{request.id}").get_data(as_text=True)
    assert "Pairs refused as worn" in page and "Send back and email the customer" in page
    bad = client.post(f"/admin/returns/{request.id}/send-back", data={"carrier": "UPS", "tracking_number": "1Z 12"})
    assert bad.status_code == 422
    assert 'value="1Z 12"' in bad.get_data(as_text=True) and 'id="tracking_number-error"' in bad.get_data(as_text=True)
    done = client.post(f"/admin/returns/{request.id}/send-back",
                       data={"carrier": "UPS", "tracking_number": "1Z999AA10123456789"})
    assert done.status_code == 303
    page = client.get(f"/admin/returns/{request.id}").get_data(as_text=True)
    parcel = request.sent_back
    label = f"/admin/orders/{request.order.id}/shipments/{parcel.id}/label.pdf"
    assert "Sent back to the customer" in page and label in page
    assert client.get(label).data.startswith(b"%PDF")
    assert "Worn pairs to send back" not in client.get("/admin/returns").get_data(as_text=True)
    again = client.post(f"/admin/returns/{request.id}/send-back",
                        data={"carrier": "UPS", "tracking_number": "1Z999AA10123456780"})
    assert again.status_code == 422 and "sent back already" in again.get_data(as_text=True)


def test_the_customer_follows_the_parcel(client, app):
    request = inspected(accepted=False)
    with current_app.test_request_context():
        returns.send_back(request, "FedEx", "123456789012", STAFF)
    db.session.commit()
    status = client.get(f"/orders/{link_for(request.order)}").get_data(as_text=True)
    assert "Pairs not accepted, sent back to you" in status and "on their way back (FedEx)" in status
    page = client.get(f"/exchange/r/{request.token}").get_data(as_text=True)
    assert "on their way back to you: FedEx tracking 123456789012" in page


def test_the_demo_shows_photos_to_review_a_worn_pair_to_send_back_and_a_refund_on_a_plan(app):
    from ally_web.seed import seed_all
    from ally_web.services.orders import status_view

    with current_app.test_request_context():
        seed_all()
    db.session.flush()
    in_review = returns.list_requests((ReturnState.IN_REVIEW,))
    assert [len(r.items[0].photos) for r in in_review] == [1]
    assert returns.photo_file(in_review[0].items[0].photos[0]) is not None
    (worn,) = returns.requests_to_send_back()
    assert worn.order.email == "nora.walsh@example.com"
    ella = next(r for r in returns.list_requests() if r.order.email == "ella.moore@example.com")
    plan = status_view(ella.order).installment_plan
    assert plan is not None and plan.taken_off_cents == ella.items[0].refund_cents > 0
