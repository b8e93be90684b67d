"""/admin/fit-sessions: staff set the weekly hours, the video link and the dates that
differ (each change audited), and see the sessions booked; bad input is kept and
explained with 422."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from ally_web.core.actors import CUSTOMER
from ally_web.extensions import db
from ally_web.models import AuditEntry, FitSessionException
from ally_web.services import fit_sessions
from tests.support.trial_boxes import make_trial_box, open_fit_studio

WEEKDAY_HOURS = {"open_0": "y", "opens_0": "10:00", "closes_0": "17:00",
                 "open_5": "y", "opens_5": "11:00", "closes_5": "15:30"}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_staff_only(client, app):
    assert client.get("/admin/fit-sessions").status_code in (302, 303)


def test_staff_set_the_weekly_hours(client, auth):
    auth.login()
    page = client.get("/admin/fit-sessions")
    assert page.status_code == 200 and "<h1>Fit sessions</h1>" in text(page)
    assert "No video link yet" in text(page) and 'href="/admin/fit-sessions">Fit sessions</a>' in text(page)
    saved = client.post("/admin/fit-sessions/hours", data=WEEKDAY_HOURS)
    assert saved.status_code == 303
    hours = {w: (h.opens_at, h.closes_at) for w, h in fit_sessions.weekly_hours().items()}
    assert hours == {0: (time(10), time(17)), 5: (time(11), time(15, 30))}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "fit_sessions.hours_changed"))
    assert entry.details == {"Monday": "10:00 AM–5:00 PM", "Saturday": "11:00 AM–3:30 PM"}
    assert entry.actor.name == "Sam Rivera"
    assert 'name="opens_5" step="900" type="time" value="11:00"' in text(client.get("/admin/fit-sessions"))


def test_bad_hours_are_kept_and_explained(client, auth):
    auth.login()
    unreadable = client.post("/admin/fit-sessions/hours", data={**WEEKDAY_HOURS, "opens_0": "ten"})
    assert unreadable.status_code == 422
    assert '<p class="field-error" id="opens_0-error">Please give a time like 10:00 or 17:30.</p>' in text(unreadable)
    assert 'value="ten"' in text(unreadable)
    backwards = client.post("/admin/fit-sessions/hours", data={**WEEKDAY_HOURS, "closes_5": "11:00"})
    assert backwards.status_code == 422
    assert ('id="closes_5-error">The closing time must be at least one session after the opening time.'
            in text(backwards))
    assert fit_sessions.weekly_hours() == {}


def test_staff_set_the_video_link(client, auth):
    auth.login()
    refused = client.post("/admin/fit-sessions/video-link", data={"video_link": "http://insecure.example.com/x"})
    assert refused.status_code == 422 and "Please give the full https:// address" in text(refused)
    assert 'value="http://insecure.example.com/x"' in text(refused)
    saved = client.post("/admin/fit-sessions/video-link", data={"video_link": "https://meet.example.com/ally"})
    assert saved.status_code == 303 and fit_sessions.video_link() == "https://meet.example.com/ally"


def test_staff_close_a_date_and_are_told_about_its_bookings_then_remove_it(client, auth):
    open_fit_studio()
    box = make_trial_box()
    fit_sessions.book(box.order, "2026-11-27T15:15Z", CUSTOMER)
    db.session.commit()
    auth.login()
    page = text(client.get("/admin/fit-sessions"))
    assert "<th scope=\"row\">Fri Nov 27, 10:15 AM</th>" in page and box.order.number in page
    added = client.post("/admin/fit-sessions/exceptions", data={"day": "2026-11-27", "closed": "y",
                                                               "note": "Photo shoot"})
    assert added.status_code == 303
    page = text(client.get("/admin/fit-sessions"))
    assert "Fri Nov 27 saved. 1 session is already booked that day" in page and "Photo shoot" in page
    twice = client.post("/admin/fit-sessions/exceptions", data={"day": "2026-11-27", "closed": "y"})
    assert twice.status_code == 422 and "Fri Nov 27 already has its own hours; remove them first." in text(twice)
    exception = db.session.scalar(select(FitSessionException))
    removed = client.post(f"/admin/fit-sessions/exceptions/{exception.id}/remove")
    assert removed.status_code == 303 and db.session.scalar(select(FitSessionException)) is None
    assert [a for (a,) in db.session.execute(select(AuditEntry.action).where(
        AuditEntry.action.like("fit_sessions.exception%")).order_by(AuditEntry.id))] == [
        "fit_sessions.exception_added", "fit_sessions.exception_removed"]


def test_a_date_with_its_own_hours_needs_readable_times(client, auth):
    auth.login()
    refused = client.post("/admin/fit-sessions/exceptions", data={"day": "2026-11-28", "opens": "12:00",
                                                                 "closes": "noonish"})
    assert refused.status_code == 422 and 'id="closes-error">Please give a time like 10:00' in text(refused)
    past = client.post("/admin/fit-sessions/exceptions", data={"day": "2026-11-20", "closed": "y"})
    assert past.status_code == 422 and 'id="day-error">That date has passed.' in text(past)
    missing = client.post("/admin/fit-sessions/exceptions", data={"day": "2026-11-28"})
    assert missing.status_code == 422 and "Please give both times" in text(missing)
    assert db.session.scalar(select(FitSessionException)) is None


def test_staff_read_the_invitation_in_the_outbox(client, auth):
    from ally_web.models import OutboxMessage

    open_fit_studio()
    box = make_trial_box()
    fit_sessions.book(box.order, "2026-11-27T15:15Z", CUSTOMER)
    db.session.commit()
    auth.login()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.order_id == box.order_id))
    page = text(client.get(f"/admin/outbox/{message.id}"))
    assert "Attachment: fit-session.ics (text/calendar; method=REQUEST)" in page and "BEGIN:VCALENDAR" in page
