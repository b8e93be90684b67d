"""The fit session, in Chromium, with JavaScript and without: a customer whose trial
box has arrived opens the fit session page from the box's link, picks a day (with
JavaScript its times swap in live; without, a button shows them) and a time, sees
the confirmation, then moves the session to another day; each step emails the
calendar invitation.

The demo seed opens the studio Monday to Saturday (New York time); the store clock
is Wed Nov 25 2026, 10 AM. Each test makes its own trial box under an email no other
test uses, and each run (js-on, js-off) books its own times, so runs never collide.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import select

from ally_web.extensions import db
from ally_web.models import OutboxMessage
from ally_web.services.orders import links
from tests.browser.helpers import assert_same_document, mark_document
from tests.support.trial_boxes import make_trial_box

# (first choice, moved to) per run: Fri Nov 27 and Mon Nov 30, New York time.
TIMES = {True: ("10:15 AM", "2:30 PM"), False: ("10:30 AM", "2:45 PM")}


def delivered_box_link(live_server) -> tuple[str, int]:
    """A trial box the carrier has scanned delivered, and its page's address (the box's link)."""
    with live_server.app.app_context():
        box = make_trial_box(email=f"fit-{uuid.uuid4().hex[:10]}@example.com", name="Robin Trial")
        with live_server.app.test_request_context():
            return f"/fit-session/{links.make_link(box.order)}", box.order_id


def show_day(page: Page, is_js: bool, value: str, words: str) -> None:
    if is_js:
        mark_document(page)
    page.get_by_label("Day").select_option(value)
    if not is_js:
        page.get_by_role("button", name="Show times").click()
    expect(page.get_by_role("group", name=f"Times on {words}")).to_be_visible()
    if is_js:
        assert_same_document(page)  # the times swapped in; the page did not reload


def test_book_then_move_a_fit_session(page: Page, is_js: bool, audit, live_server) -> None:
    path, order_id = delivered_box_link(live_server)
    first, moved = TIMES[is_js]

    page.goto(path)
    expect(page.get_by_role("heading", level=1, name="Your fit session")).to_be_visible()
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()
    audit("(fit session, choosing)")

    show_day(page, is_js, "2026-11-27", "Fri Nov 27")
    page.get_by_role("group", name="Times on Fri Nov 27").get_by_label(first, exact=True).check()
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("status").filter(
        has_text=f"Booked: your fit session is on Fri Nov 27, {first} (New York time)")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Booked: Fri Nov 27, {first}")).to_be_visible()
    expect(page.get_by_role("link", name="https://meet.ally.nyc/fit-studio")).to_be_visible()
    audit("(fit session, booked)")

    # Another day suits better: the same page moves it.
    expect(page.get_by_role("heading", name="Move it to another time")).to_be_visible()
    show_day(page, is_js, "2026-11-30", "Mon Nov 30")
    page.get_by_role("group", name="Times on Mon Nov 30").get_by_label(moved, exact=True).check()
    page.get_by_role("button", name="Move my session to this time").click()
    expect(page.get_by_role("status").filter(
        has_text=f"Moved: your fit session is on Mon Nov 30, {moved} (New York time)")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Booked: Mon Nov 30, {moved}")).to_be_visible()

    with live_server.app.app_context():
        subjects = list(db.session.scalars(select(OutboxMessage.subject).where(
            OutboxMessage.order_id == order_id).order_by(OutboxMessage.id)))
    assert subjects == [f"Your ALLY fit session: Fri Nov 27, {first}", f"Fit session moved to Mon Nov 30, {moved}"]


def test_a_taken_time_is_explained_beside_the_times(page: Page, is_js: bool, live_server) -> None:
    """Two customers on the same day: the second, whose page still offers the time the
    first just booked, is told it has gone and offered the others."""
    first_path, _ = delivered_box_link(live_server)
    second_path, _ = delivered_box_link(live_server)
    wanted = "11:15 AM" if is_js else "11:45 AM"  # Fri Nov 27, a time of this run's own

    page.goto(second_path)
    show_day(page, is_js, "2026-11-27", "Fri Nov 27")
    page.get_by_role("group", name="Times on Fri Nov 27").get_by_label(wanted, exact=True).check()

    other = page.context.new_page()
    other.goto(first_path)
    other.get_by_label("Day").select_option("2026-11-27")
    if not is_js:
        other.get_by_role("button", name="Show times").click()
    other.get_by_role("group", name="Times on Fri Nov 27").get_by_label(wanted, exact=True).check()
    other.get_by_role("button", name="Book this time").click()
    expect(other.get_by_role("heading", name=f"Booked: Fri Nov 27, {wanted}")).to_be_visible()
    other.close()

    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_text(f"Sorry, Fri Nov 27, {wanted} has just been booked by someone else.")).to_be_visible()
    times = page.get_by_role("group", name="Times on Fri Nov 27")
    expect(times.get_by_label(wanted, exact=True)).to_have_count(0)
    expect(times.get_by_label("12:00 PM", exact=True)).to_be_visible()
