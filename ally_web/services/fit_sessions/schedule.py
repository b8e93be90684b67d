"""What staff set: the weekly hours, the dates that differ, and the video link.

Every change is audited in the same transaction. Times go by quarter hours so every
slot starts on one (10:00, 10:15…), and a day's hours hold at least one session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import FitSessionBooking, FitSessionException, FitSessionHours, FitSessionSettings, FitSessionState
from ally_web.services.audit import record_audit
from ally_web.services.fit_sessions.slots import SESSION, WEEKDAYS, Slot, day_words, time_words

MAX_NOTE_LENGTH = 200
MAX_LINK_LENGTH = 300


@dataclass(frozen=True)
class DayHours:
    """One weekday as staff type it: closed, or open from ``opens`` to ``closes``."""

    weekday: int
    open: bool
    opens: time | None
    closes: time | None


def _check_hours(opens: time | None, closes: time | None, field: str) -> tuple[time, time]:
    if opens is None or closes is None:
        raise DomainError("Please give both times (for example 10:00 and 17:00).", f"opens_{field}")
    for value, name in ((opens, "opens"), (closes, "closes")):
        if value.minute % 15 or value.second:
            raise DomainError("Times go by quarter hours (10:00, 10:15, 10:30…).", f"{name}_{field}")
    if datetime.combine(date.min, closes) - datetime.combine(date.min, opens) < SESSION:
        raise DomainError("The closing time must be at least one session after the opening time.",
                          f"closes_{field}")
    return opens, closes


def weekly_hours() -> dict[int, FitSessionHours]:
    return {row.weekday: row for row in db.session.scalars(select(FitSessionHours))}


def save_weekly_hours(days: list[DayHours], actor: Actor) -> None:
    """Replace the weekly schedule; refuses the whole change if one day is wrong."""
    checked = {day.weekday: _check_hours(day.opens, day.closes, str(day.weekday)) for day in days if day.open}
    before = {weekday: (row.opens_at, row.closes_at) for weekday, row in weekly_hours().items()}
    if before == checked:
        return
    db.session.execute(delete(FitSessionHours))
    db.session.add_all(FitSessionHours(weekday=weekday, opens_at=opens, closes_at=closes)
                       for weekday, (opens, closes) in sorted(checked.items()))
    record_audit(actor, "fit_sessions.hours_changed", "Fit session weekly hours", {
        WEEKDAYS[weekday]: f"{time_words(opens)}–{time_words(closes)}" for weekday, (opens, closes) in
        sorted(checked.items())})


def exceptions_from(day: date) -> list[FitSessionException]:
    return list(db.session.scalars(
        select(FitSessionException).where(FitSessionException.day >= day).order_by(FitSessionException.day)))


def add_exception(day: date | None, closed: bool, opens: time | None, closes: time | None, note: str,
                  actor: Actor) -> FitSessionException:
    """A date that differs from the week: closed, or open at its own hours."""
    if day is None:
        raise DomainError("Please give the date (YYYY-MM-DD).", "day")
    if day < clock.now().date():
        raise DomainError("That date has passed.", "day")
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(f"Please keep the note under {MAX_NOTE_LENGTH} characters.", "note")
    if not closed:
        opens, closes = _check_hours(opens, closes, "exception")
    if db.session.scalar(select(FitSessionException.id).where(FitSessionException.day == day)) is not None:
        raise DomainError(f"{day_words(day)} already has its own hours; remove them first.", "day")
    exception = FitSessionException(day=day, opens_at=None if closed else opens, closes_at=None if closed else closes,
                                    note=note.strip())
    db.session.add(exception)
    hours = "closed" if closed else f"{time_words(opens)}–{time_words(closes)}"  # type: ignore[arg-type]
    record_audit(actor, "fit_sessions.exception_added", f"Fit sessions on {day_words(day)}",
                 {"day": day.isoformat(), "hours": hours, "note": exception.note})
    return exception


def remove_exception(exception_id: int, actor: Actor) -> FitSessionException:
    exception = db.session.get(FitSessionException, exception_id)
    if exception is None:
        raise DomainError("That date has already been removed.")
    db.session.delete(exception)
    record_audit(actor, "fit_sessions.exception_removed", f"Fit sessions on {day_words(exception.day)}",
                 {"day": exception.day.isoformat()})
    return exception


def bookings_on(day: date) -> int:
    """Sessions booked that New York day (staff are told when they close a day that has some)."""
    return sum(1 for b in upcoming_bookings() if Slot(b.starts_at).day == day)


# --- The video link -----------------------------------------------------------------


def video_link() -> str:
    settings = db.session.get(FitSessionSettings, 1)
    return settings.video_link if settings is not None else ""


def set_video_link(link: str, actor: Actor) -> None:
    """The room every invitation links to (sent again only with the next change of a booking)."""
    link = (link or "").strip()
    parts = urlsplit(link)
    if len(link) > MAX_LINK_LENGTH:
        raise DomainError(f"Please keep the link under {MAX_LINK_LENGTH} characters.", "video_link")
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in link):
        raise DomainError("Please give the full https:// address of the video room.", "video_link")
    settings = db.session.get(FitSessionSettings, 1)
    if settings is None:
        settings = FitSessionSettings(id=1, video_link="", updated_at=clock.now())
        db.session.add(settings)
    if settings.video_link == link:
        return
    record_audit(actor, "fit_sessions.video_link_changed", "Fit session video link",
                 {"before": settings.video_link, "after": link})
    settings.video_link, settings.updated_at = link, clock.now()


# --- Bookings, as staff see them --------------------------------------------------------


def upcoming_bookings(now: datetime | None = None) -> list[FitSessionBooking]:
    """Booked sessions not over yet, soonest first."""
    now = now or clock.now()
    return list(db.session.scalars(
        select(FitSessionBooking)
        .where(FitSessionBooking.state == FitSessionState.BOOKED, FitSessionBooking.starts_at > now - SESSION)
        .order_by(FitSessionBooking.starts_at)))
