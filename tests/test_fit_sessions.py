"""Fit sessions, the rules: slots from the staff hours (daylight saving, exceptions,
notice and horizon), booking only once the box has arrived, one booking per slot and
per box, moving and cancelling, and the calendar invitation each change emails."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CUSTOMER, Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.gateways.mail import SMTPMailer
from ally_web.jobs import deliver_outbox
from ally_web.models import AuditEntry, FitSessionBooking, FitSessionState, OutboxMessage
from ally_web.services import fit_sessions
from tests.factories import make_order
from tests.support.trial_boxes import VIDEO_LINK, make_trial_box, open_fit_studio

STAFF = Actor.staff(None, "Sam Rivera")  # type: ignore[arg-type]


def key(year, month, day, hour, minute=0) -> str:
    """A slot's key from its New York wall-clock time."""
    wall = datetime(year, month, day, hour, minute, tzinfo=clock.store_tz())
    return fit_sessions.Slot(wall.astimezone(UTC)).key


def free_slots(box=None) -> list[fit_sessions.Slot]:
    window = fit_sessions.booking_window(ends_by=box.window_ends_at if box else None)
    from ally_web.services.fit_sessions.slots import taken_slots

    return fit_sessions.free_slots(fit_sessions.load_schedule(), window, taken_slots(window))


def invitations(order_id: int) -> list[icalendar.Calendar]:
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.order_id == order_id)
                              .order_by(OutboxMessage.id))
    return [icalendar.Calendar.from_ical(row.attachment_text) for row in rows]


def event_of(calendar: icalendar.Calendar) -> icalendar.Event:
    [event] = calendar.walk("VEVENT")
    return event


# --- Slots -------------------------------------------------------------------------------


def test_slots_keep_their_new_york_time_across_the_end_of_daylight_saving(app):
    open_fit_studio(opens=time(10, 0), closes=time(11, 0))
    with clock.freeze(datetime(2026, 10, 30, 9, 0)):  # Fri; clocks fall back on Sun Nov 1
        slots = free_slots()
    by_day = {d.day: d.slots for d in fit_sessions.by_day(slots)}
    assert date(2026, 10, 30) not in by_day  # 10:00–10:45 are within the 2 hours' notice
    saturday, monday = by_day[date(2026, 10, 31)], by_day[date(2026, 11, 2)]
    assert [s.words for s in saturday] == ["Sat Oct 31, 10:00 AM", "Sat Oct 31, 10:15 AM", "Sat Oct 31, 10:30 AM",
                                           "Sat Oct 31, 10:45 AM"]
    assert [s.time_words for s in monday] == ["10:00 AM", "10:15 AM", "10:30 AM", "10:45 AM"]
    assert saturday[0].key == "2026-10-31T14:00Z" and monday[0].key == "2026-11-02T15:00Z"  # EDT, then EST
    assert max(s.day for s in slots) == date(2026, 10, 30) + timedelta(days=policy.FIT_SESSION_BOOKING_DAYS)


def test_the_missing_spring_hour_has_no_slots_and_the_repeated_autumn_hour_has_them_once():
    night = fit_sessions.Schedule(weekly={6: (time(1, 0), time(4, 0))}, exceptions={})
    spring = night.slots_on(date(2027, 3, 14))  # 2:00 AM jumps to 3:00 AM
    assert [s.time_words for s in spring] == ["1:00 AM", "1:15 AM", "1:30 AM", "1:45 AM",
                                              "3:00 AM", "3:15 AM", "3:30 AM", "3:45 AM"]
    assert spring[4].starts_at - spring[3].starts_at == timedelta(minutes=15)  # 1:45 EST, then 3:00 EDT
    autumn = night.slots_on(date(2026, 11, 1))  # 1:00–2:00 AM happens twice
    assert len(autumn) == 12 and len({s.starts_at for s in autumn}) == 12
    assert [s.time_words for s in autumn].count("1:00 AM") == 1


def test_an_exception_closes_a_day_or_gives_it_its_own_hours(app):
    open_fit_studio()
    fit_sessions.add_exception(date(2026, 11, 26), True, None, None, "Thanksgiving", STAFF)
    fit_sessions.add_exception(date(2026, 11, 27), False, time(12, 0), time(13, 0), "Short day", STAFF)
    db.session.commit()
    days = {d.day: d.slots for d in fit_sessions.by_day(free_slots())}
    assert date(2026, 11, 26) not in days
    assert [s.time_words for s in days[date(2026, 11, 27)]] == ["12:00 PM", "12:15 PM", "12:30 PM", "12:45 PM"]
    assert len(days[date(2026, 11, 28)]) == 28  # 10 AM to 5 PM, every 15 minutes
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject == "Fit sessions on Thu Nov 26")) \
        == "fit_sessions.exception_added"


def test_slots_start_after_the_notice_and_stop_at_the_trial_window(app):
    open_fit_studio()
    box = make_trial_box(window_ends_at=datetime(2026, 11, 27, 23, 59, 59, tzinfo=clock.store_tz()))
    slots = free_slots(box)
    assert slots[0].words == "Wed Nov 25, 12:00 PM"  # now is 10:00 AM, 2 hours' notice
    assert slots[-1].words == "Fri Nov 27, 4:45 PM"


def test_staff_hours_are_checked_and_nothing_is_saved_when_one_day_is_wrong(app):
    open_fit_studio()
    with pytest.raises(DomainError) as refused:
        fit_sessions.save_weekly_hours([fit_sessions.DayHours(0, True, time(9, 0), time(12, 0)),
                                        fit_sessions.DayHours(1, True, time(12, 0), time(12, 10))], STAFF)
    assert refused.value.field == "closes_1"
    with pytest.raises(DomainError, match="quarter hours"):
        fit_sessions.save_weekly_hours([fit_sessions.DayHours(2, True, time(9, 5), time(12, 0))], STAFF)
    db.session.rollback()
    assert {w: (h.opens_at, h.closes_at) for w, h in fit_sessions.weekly_hours().items()}[0] == (time(10), time(17))
    with pytest.raises(DomainError, match="https://"):
        fit_sessions.set_video_link("javascript:alert(1)", STAFF)


# --- Booking -------------------------------------------------------------------------------


def test_a_box_not_arrived_yet_cannot_book_and_is_told_when_it_can(app):
    open_fit_studio()
    box = make_trial_box(delivered_at=None)
    page = fit_sessions.page_for(box.order)
    assert not page.bookable and page.closed_reason == fit_sessions.NOT_ARRIVED
    assert "as soon as your box has arrived" in fit_sessions.NOT_ARRIVED
    with pytest.raises(DomainError, match="as soon as your box has arrived"):
        fit_sessions.book(box.order, key(2026, 11, 27, 11), CUSTOMER)


def test_a_purchase_has_no_fit_session(app):
    order = make_order()
    assert fit_sessions.page_for(order).closed_reason == fit_sessions.NOT_A_TRIAL
    assert fit_sessions.fit_session_for(order) is None


def test_booking_a_slot_emails_an_invitation_and_takes_the_slot(app):
    open_fit_studio()
    box = make_trial_box()
    booking = fit_sessions.book(box.order, key(2026, 11, 27, 10, 15), CUSTOMER)
    db.session.commit()
    assert fit_sessions.fit_session_for(box.order) == booking
    assert booking.state is FitSessionState.BOOKED and booking.video_link == VIDEO_LINK
    assert "2026-11-27T15:15Z" not in {s.key for s in free_slots()}
    [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.order_id == box.order_id))
    assert message.subject == "Your ALLY fit session: Fri Nov 27, 10:15 AM"
    assert VIDEO_LINK in message.text_body and "/fit-session/" in message.text_body
    assert message.attachment_type == "text/calendar; method=REQUEST"
    assert fit_sessions.fit_session_url(box.order).startswith("http://127.0.0.1:5000/fit-session/")


def test_one_booking_per_slot_and_one_per_box(app):
    open_fit_studio()
    first, second = make_trial_box(email="a@example.com"), make_trial_box(email="b@example.com")
    fit_sessions.book(first.order, key(2026, 11, 27, 11), CUSTOMER)
    with pytest.raises(fit_sessions.SlotTaken, match="Fri Nov 27, 11:00 AM has just been booked"):
        fit_sessions.book(second.order, key(2026, 11, 27, 11), CUSTOMER)
    with pytest.raises(DomainError, match="You already have a fit session on Fri Nov 27, 11:00 AM"):
        fit_sessions.book(first.order, key(2026, 11, 27, 12), CUSTOMER)


def test_the_database_itself_refuses_a_second_booking_of_a_slot(app):
    """The pre-checks are for the message; the unique column is what holds under a race."""
    open_fit_studio()
    first, second = make_trial_box(email="a@example.com"), make_trial_box(email="b@example.com")
    booking = fit_sessions.book(first.order, key(2026, 11, 27, 11), CUSTOMER)
    db.session.commit()
    now = clock.now()
    twin = FitSessionBooking(box_id=second.id, order_id=second.order_id, state=FitSessionState.BOOKED,
                             starts_at=booking.starts_at, held_slot=booking.held_slot, held_box_id=second.id,
                             uid="twin@ally.nyc", sequence=0, video_link="", created_at=now, updated_at=now)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(twin)


@pytest.mark.parametrize("wanted, message", [
    ("tomorrow at ten", "Please choose one of the times shown."),
    ("2026-11-25T14:00Z", "Wed Nov 25, 9:00 AM has passed."),
    ("2026-11-25T15:15Z", "Wed Nov 25, 10:15 AM is too soon: our stylists need 2 hours' notice."),
    ("2026-11-27T15:05Z", "We don't offer a fit session at Fri Nov 27, 10:05 AM."),
    ("2026-11-28T03:00Z", "We don't offer a fit session at Fri Nov 27, 10:00 PM."),
    ("2027-01-05T15:00Z", "Tue Jan 5, 10:00 AM is too far ahead."),
])
def test_a_time_not_on_offer_is_refused_with_the_reason(app, wanted, message):
    open_fit_studio()
    box = make_trial_box()
    with pytest.raises(DomainError, match=message) as refused:
        fit_sessions.book(box.order, wanted, CUSTOMER)
    assert refused.value.field == "slot"


def test_moving_keeps_the_invitation_and_cancelling_frees_slot_and_box(app):
    open_fit_studio()
    box = make_trial_box()
    booking = fit_sessions.book(box.order, key(2026, 11, 27, 11), CUSTOMER)
    moved = fit_sessions.reschedule(box.order, key(2026, 11, 30, 14, 30))
    assert moved.id == booking.id and moved.sequence == 1
    assert moved.starts_at == datetime(2026, 11, 30, 19, 30, tzinfo=UTC)
    assert {"2026-11-27T16:00Z"} <= {s.key for s in free_slots()}  # the old slot is free again
    with pytest.raises(DomainError, match="already at Mon Nov 30, 2:30 PM"):
        fit_sessions.reschedule(box.order, key(2026, 11, 30, 14, 30))
    cancelled = fit_sessions.cancel(box.order, CUSTOMER)
    assert cancelled.state is FitSessionState.CANCELLED and cancelled.held_slot is None is cancelled.held_box_id
    assert fit_sessions.fit_session_for(box.order) is None
    again = fit_sessions.book(box.order, key(2026, 11, 30, 14, 30), CUSTOMER)  # the box and the slot are free
    assert again.id != booking.id and again.uid != booking.uid

    first, move, cancel, rebook = invitations(box.order_id)
    assert [c["METHOD"] for c in (first, move, cancel, rebook)] == ["REQUEST", "REQUEST", "CANCEL", "REQUEST"]
    assert [event_of(c)["SEQUENCE"] for c in (first, move, cancel)] == [0, 1, 2]
    assert len({str(event_of(c)["UID"]) for c in (first, move, cancel)}) == 1
    assert str(event_of(rebook)["UID"]) == again.uid
    assert str(event_of(cancel)["STATUS"]) == "CANCELLED"


def test_the_invitation_parses_back_with_the_session_and_the_video_link(app):
    open_fit_studio()
    box = make_trial_box(email="tess@example.com", name="Tess Trial")
    booking = fit_sessions.book(box.order, key(2026, 11, 27, 10, 15), CUSTOMER)
    calendar = icalendar.Calendar.from_ical(fit_sessions.ics(booking, fit_sessions.REQUEST))
    event = event_of(calendar)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    assert event.decoded("DTSTART") == datetime(2026, 11, 27, 15, 15, tzinfo=UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=policy.FIT_SESSION_MINUTES)
    assert str(event["UID"]) == booking.uid and event["SEQUENCE"] == 0
    assert str(event["LOCATION"]) == VIDEO_LINK and VIDEO_LINK in str(event["DESCRIPTION"])
    assert str(event["ATTENDEE"]) == "mailto:tess@example.com" and event["ATTENDEE"].params["CN"] == "Tess Trial"
    assert str(event["ORGANIZER"]) == f"mailto:{policy.CONTACT_EMAIL}"


def test_the_invitation_arrives_over_smtp_as_a_calendar_attachment(app, smtp_server):
    open_fit_studio()
    box = make_trial_box(email="tess@example.com")
    booking = fit_sessions.book(box.order, key(2026, 11, 27, 10, 15), CUSTOMER)
    db.session.commit()
    report = deliver_outbox(SMTPMailer(smtp_server.url))
    assert report.sent == 1
    [email] = smtp_server.messages
    assert email["To"] == "tess@example.com"
    assert VIDEO_LINK in email.get_body(("plain",)).get_content()
    [attachment] = list(email.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST" and attachment.get_filename() == "fit-session.ics"
    event = event_of(icalendar.Calendar.from_ical(attachment.get_content()))
    assert str(event["UID"]) == booking.uid
