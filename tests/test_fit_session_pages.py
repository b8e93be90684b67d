"""/fit-session through the Flask client: the page from the order's link and from the
lookup, the day's times as a full page and as an htmx fragment, booking, moving and
cancelling with plain forms, and bad input answered 4xx with the message."""

from __future__ import annotations

import re

import pytest
from flask import current_app
from sqlalchemy import select

from ally_web.core.actors import CUSTOMER
from ally_web.extensions import db
from ally_web.models import FitSessionBooking, FitSessionState, OutboxMessage
from ally_web.services import fit_sessions
from ally_web.services.orders import links
from tests.factories import make_order
from tests.support.trial_boxes import VIDEO_LINK, make_trial_box, open_fit_studio


def link_for(order) -> str:
    with current_app.test_request_context():
        return links.make_link(order)


@pytest.fixture
def delivered(app):
    open_fit_studio()
    box = make_trial_box()
    return box, link_for(box.order)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_page_offers_the_first_open_day_and_its_times(client, delivered):
    _, link = delivered
    page = client.get(f"/fit-session/{link}")
    body = text(page)
    assert page.status_code == 200 and "<h1>Your fit session</h1>" in body
    assert '<option value="2026-11-25" selected>Wed Nov 25 (20 times)</option>' in body
    assert 'value="2026-11-25T17:00Z"> 12:00 PM' in body  # 2 hours after 10 AM
    assert "Book this time" in body
    assert page.headers["Cache-Control"] == "no-store"  # the customer's booking, behind a signed link


def test_another_day_as_a_full_page_and_as_an_htmx_fragment(client, delivered, htmx_headers):
    _, link = delivered
    full = client.get(f"/fit-session/{link}?day=2026-11-27")
    assert "<legend class=\"field__label\">Times on Fri Nov 27</legend>" in text(full) and "<html" in text(full)
    fragment = client.get(f"/fit-session/{link}?day=2026-11-27", headers=htmx_headers)
    body = text(fragment)
    assert fragment.status_code == 200 and "<html" not in body and body.lstrip().startswith('<form id="slot-times"')
    assert "Times on Fri Nov 27" in body and 'value="2026-11-27T15:00Z"> 10:00 AM' in body
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in full.headers["Vary"]


def test_booking_with_the_plain_form_then_the_page_shows_it(client, delivered):
    box, link = delivered
    booked = client.post(f"/fit-session/{link}/book", data={"slot": "2026-11-27T15:15Z", "day": "2026-11-27"})
    assert booked.status_code == 303 and booked.headers["Location"] == f"/fit-session/{link}"
    body = text(client.get(booked.headers["Location"]))
    assert "Booked: your fit session is on Fri Nov 27, 10:15 AM (New York time)" in body
    assert "<h2 id=\"booked-title\">Booked: Fri Nov 27, 10:15 AM</h2>" in body and VIDEO_LINK in body
    assert "Move my session to this time" in body
    assert db.session.scalar(select(OutboxMessage.subject).where(OutboxMessage.order_id == box.order_id)) \
        == "Your ALLY fit session: Fri Nov 27, 10:15 AM"
    invite = client.get(f"/fit-session/{link}/fit-session.ics")
    assert invite.status_code == 200 and invite.headers["Content-Type"].startswith("text/calendar")
    assert "METHOD:REQUEST" in text(invite)


def test_an_htmx_booking_is_sent_on_with_hx_redirect(client, delivered, htmx_headers):
    _, link = delivered
    booked = client.post(f"/fit-session/{link}/book", data={"slot": "2026-11-27T15:15Z"}, headers=htmx_headers)
    assert booked.status_code == 204 and booked.headers["HX-Redirect"] == f"/fit-session/{link}"


@pytest.mark.parametrize("slot, status, message", [
    ("", 422, "Please choose a time."),
    ("half past ten", 422, "Please choose one of the times shown."),
    ("2026-11-27T15:05Z", 422, "We don&#39;t offer a fit session at Fri Nov 27, 10:05 AM."),
    ("2026-11-24T15:00Z", 422, "Tue Nov 24, 10:00 AM has passed."),
])
def test_bad_times_are_refused_beside_the_field(client, delivered, slot, status, message):
    _, link = delivered
    refused = client.post(f"/fit-session/{link}/book", data={"slot": slot, "day": "2026-11-27"})
    body = text(refused)
    assert refused.status_code == status
    assert f'<p class="field-error" id="slot-error">{message}' in body
    assert "Times on Fri Nov 27" in body  # the day that was shown is shown again
    assert db.session.scalar(select(FitSessionBooking.id)) is None


def test_a_slot_someone_else_took_is_refused_and_the_others_are_offered(client, delivered):
    _, link = delivered
    other = make_trial_box(email="other@example.com")
    fit_sessions.book(other.order, "2026-11-27T15:15Z", CUSTOMER)
    db.session.commit()
    refused = client.post(f"/fit-session/{link}/book", data={"slot": "2026-11-27T15:15Z"})
    body = text(refused)
    assert refused.status_code == 409
    assert "Sorry, Fri Nov 27, 10:15 AM has just been booked by someone else." in body
    assert 'value="2026-11-27T15:15Z"' not in body and 'value="2026-11-27T15:30Z"' in body


def test_moving_and_cancelling_with_plain_forms(client, delivered):
    box, link = delivered
    client.post(f"/fit-session/{link}/book", data={"slot": "2026-11-27T15:15Z"})
    moved = client.post(f"/fit-session/{link}/reschedule", data={"slot": "2026-11-30T19:30Z"})
    assert moved.status_code == 303
    assert "Moved: your fit session is on Mon Nov 30, 2:30 PM" in text(client.get(f"/fit-session/{link}"))
    same = client.post(f"/fit-session/{link}/reschedule", data={"slot": "2026-11-30T19:30Z"})
    assert same.status_code == 422 and "Your session is already at Mon Nov 30, 2:30 PM." in text(same)
    cancelled = client.post(f"/fit-session/{link}/cancel")
    assert cancelled.status_code == 303
    body = text(client.get(f"/fit-session/{link}"))
    assert "Your fit session is cancelled" in body and "Book this time" in body
    booking = db.session.scalar(select(FitSessionBooking).where(FitSessionBooking.box_id == box.id))
    assert booking.state is FitSessionState.CANCELLED and booking.sequence == 2
    again = client.post(f"/fit-session/{link}/cancel")
    assert again.status_code == 422 and "There is no fit session booked to cancel." in text(again)


def test_a_box_on_its_way_says_when_booking_opens(client, app):
    open_fit_studio()
    box = make_trial_box(delivered_at=None)
    link = link_for(box.order)
    page = text(client.get(f"/fit-session/{link}"))
    assert "booking opens the moment the carrier scans it delivered" in page and "Book this time" not in page
    refused = client.post(f"/fit-session/{link}/book", data={"slot": "2026-11-27T15:15Z"})
    assert refused.status_code == 422 and "as soon as your box has arrived" in text(refused)


def test_a_purchase_order_link_explains_fit_sessions_come_with_a_trial(client, app):
    order = make_order()
    page = text(client.get(f"/fit-session/{link_for(order)}"))
    assert "Fit sessions come with an at-home trial box" in page


def test_the_lookup_sends_a_found_box_to_its_fit_session(client, delivered):
    box, _ = delivered
    start = client.get("/fit-session")
    assert start.status_code == 200 and "Book your fit session" in text(start)
    assert 'name="then" type="hidden" value="fit-session"' in text(start)
    found = client.post("/pages/order-lookup", data={"email": box.order.email, "number": box.order.number,
                                                     "then": "fit-session"})
    assert found.status_code == 303 and re.match(r"^/fit-session/[^/]+$", found.headers["Location"])
    assert "Choose a time" in text(client.get(found.headers["Location"]))


def test_a_broken_link_goes_to_the_lookup(client, app):
    response = client.get("/fit-session/not-a-link")
    assert response.status_code == 303 and response.headers["Location"] == "/fit-session"
