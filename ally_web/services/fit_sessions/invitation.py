"""The calendar invitation a booking emails: an .ics file (RFC 5545, iTIP METHOD).

A booking keeps one UID for its life; every change is a new SEQUENCE, so calendar
apps move the event they already have (REQUEST) or strike it out (CANCEL) instead of
adding another. Times are written in UTC, so no VTIMEZONE is needed.
"""

from __future__ import annotations

from icalendar import Calendar, Event, vCalAddress, vText

from ally_web import policy
from ally_web.core import clock
from ally_web.models import FitSessionBooking, FitSessionState
from ally_web.services.fit_sessions.links import fit_session_url
from ally_web.services.fit_sessions.slots import SESSION, Slot
from ally_web.services.notifications import Attachment, enqueue_email

REQUEST = "REQUEST"
CANCEL = "CANCEL"
SUMMARY = f"ALLY fit session ({policy.FIT_SESSION_MINUTES} minutes)"


def ics(booking: FitSessionBooking, method: str) -> str:
    """The invitation's text for ``booking`` as it is now."""
    calendar = Calendar()
    calendar.add("prodid", "-//ALLY//Fit sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", clock.now())
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.starts_at + SESSION)
    event.add("summary", SUMMARY)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("location", booking.video_link)
    event.add("url", booking.video_link)
    event.add("description", f"A video call with an ALLY fit stylist about your at-home trial box, order "
                             f"#{booking.order.number}. Join at {booking.video_link}\n"
                             f"Questions: {policy.CONTACT_EMAIL} or {policy.CONTACT_PHONE}.")
    organizer = vCalAddress(f"mailto:{policy.CONTACT_EMAIL}")
    organizer.params["cn"] = vText("ALLY fit stylists")
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.order.email}")
    attendee.params["cn"] = vText(booking.order.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def send_invitation(booking: FitSessionBooking, rescheduled: bool = False) -> None:
    """Email the invitation (REQUEST) or, for a cancelled booking, its cancellation."""
    cancelled = booking.state is FitSessionState.CANCELLED
    method = CANCEL if cancelled else REQUEST
    slot = Slot(booking.starts_at)
    if cancelled:
        subject = f"Fit session cancelled: {slot.words}"
    elif rescheduled:
        subject = f"Fit session moved to {slot.words}"
    else:
        subject = f"Your ALLY fit session: {slot.words}"
    enqueue_email(
        to=booking.order.email, subject=subject, template="fit_session", kind="fit_session",
        order_id=booking.order_id,
        attachment=Attachment("fit-session.ics", f"text/calendar; method={method}", ics(booking, method)),
        booking=booking, order=booking.order, slot=slot, zone=slot.local.strftime("%Z"), cancelled=cancelled,
        rescheduled=rescheduled, manage_url=fit_session_url(booking.order),
    )
