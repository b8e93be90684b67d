"""Fit session slots: the weekly hours, less the exceptions, cut into 15-minute slots.

Hours are New York wall-clock times, so a session at 10:15 AM stays at 10:15 AM
across a daylight-saving change (its UTC time moves). On the spring-forward night the
wall-clock times that do not exist are skipped; on the fall-back night a time that
happens twice is offered once (its first occurrence). Slots are stored and compared
as UTC instants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.models import FitSessionBooking, FitSessionException, FitSessionHours

SESSION = timedelta(minutes=policy.FIT_SESSION_MINUTES)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_KEY = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z")
_KEY_FORMAT = "%Y-%m-%dT%H:%MZ"


def time_words(value: time | datetime) -> str:
    """10:15 AM (a slot's time always shows its minutes)."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def day_words(value: date) -> str:
    """Tue Dec 8."""
    return f"{value:%a %b} {value.day}"


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: datetime  # aware, UTC

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + SESSION

    @property
    def local(self) -> datetime:
        return clock.to_store_time(self.starts_at)

    @property
    def day(self) -> date:
        return self.local.date()

    @property
    def key(self) -> str:
        """What a form sends: the UTC start, to the minute ("2026-12-08T15:15Z")."""
        return self.starts_at.astimezone(UTC).strftime(_KEY_FORMAT)

    @property
    def time_words(self) -> str:
        return time_words(self.local)

    @property
    def words(self) -> str:
        """Tue Dec 8, 10:15 AM (New York time)."""
        return f"{day_words(self.day)}, {self.time_words}"


def slot_at(moment: datetime) -> Slot:
    return Slot(moment.astimezone(UTC))


def parse_key(text: str) -> Slot | None:
    """The slot a form sent, or None when it is not a slot's key at all."""
    text = (text or "").strip()
    if not _KEY.fullmatch(text):
        return None
    try:
        return Slot(datetime.strptime(text, _KEY_FORMAT).replace(tzinfo=UTC))
    except ValueError:
        return None


@dataclass(frozen=True)
class Schedule:
    """The staff calendar as data: weekday → (opens, closes); a date → its own hours, or None (closed)."""

    weekly: dict[int, tuple[time, time]]
    exceptions: dict[date, tuple[time, time] | None]

    def hours_on(self, day: date) -> tuple[time, time] | None:
        if day in self.exceptions:
            return self.exceptions[day]
        return self.weekly.get(day.weekday())

    def slots_on(self, day: date) -> list[Slot]:
        """Every slot the hours of ``day`` hold, taken or not, past or not."""
        hours = self.hours_on(day)
        if hours is None:
            return []
        opens, closes = hours
        wall = datetime.combine(day, opens)
        last = datetime.combine(day, closes) - SESSION
        slots = []
        while wall <= last:
            aware = wall.replace(tzinfo=clock.store_tz())
            instant = aware.astimezone(UTC)
            if instant.astimezone(clock.store_tz()).replace(tzinfo=None) == wall:  # skips the missing spring hour
                slots.append(Slot(instant))
            wall += SESSION
        return slots


def load_schedule() -> Schedule:
    weekly = {row.weekday: (row.opens_at, row.closes_at) for row in db.session.scalars(select(FitSessionHours))}
    exceptions: dict[date, tuple[time, time] | None] = {}
    for row in db.session.scalars(select(FitSessionException)):
        exceptions[row.day] = None if row.opens_at is None or row.closes_at is None else (row.opens_at, row.closes_at)
    return Schedule(weekly, exceptions)


@dataclass(frozen=True)
class Window:
    """The instants a customer may book now: from the notice ahead of now to the horizon."""

    earliest: datetime
    latest: datetime

    def holds(self, slot: Slot) -> bool:
        return self.earliest <= slot.starts_at and slot.ends_at <= self.latest


def booking_window(now: datetime | None = None, ends_by: datetime | None = None) -> Window:
    """From ``FIT_SESSION_NOTICE_HOURS`` ahead of now to ``FIT_SESSION_BOOKING_DAYS``
    ahead (the end of that store day), and never after ``ends_by`` (the trial window's end)."""
    now = clock.to_store_time(now or clock.now())
    horizon_day = now.date() + timedelta(days=policy.FIT_SESSION_BOOKING_DAYS)
    latest = datetime.combine(horizon_day, time.max).replace(tzinfo=clock.store_tz())
    if ends_by is not None:
        latest = min(latest, ends_by)
    return Window(now + timedelta(hours=policy.FIT_SESSION_NOTICE_HOURS), latest)


def taken_slots(window: Window) -> set[datetime]:
    held = db.session.scalars(select(FitSessionBooking.held_slot).where(
        FitSessionBooking.held_slot >= window.earliest - SESSION, FitSessionBooking.held_slot <= window.latest))
    return {moment.astimezone(UTC) for moment in held if moment is not None}


def free_slots(schedule: Schedule, window: Window, taken: set[datetime]) -> list[Slot]:
    """The slots of every day in the window, less those taken, in time order."""
    first = clock.to_store_time(window.earliest).date()
    last = clock.to_store_time(window.latest).date()
    slots: list[Slot] = []
    day = first
    while day <= last:
        slots += [s for s in schedule.slots_on(day) if window.holds(s) and s.starts_at not in taken]
        day += timedelta(days=1)
    return slots


@dataclass(frozen=True)
class DaySlots:
    day: date
    slots: list[Slot]

    @property
    def key(self) -> str:
        return self.day.isoformat()

    @property
    def words(self) -> str:
        return day_words(self.day)


def by_day(slots: list[Slot]) -> list[DaySlots]:
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot)
    return [DaySlots(day, day_slots) for day, day_slots in days.items()]
