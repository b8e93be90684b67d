"""Booking, moving and cancelling a trial box's fit session.

A box can book once it has arrived (the carrier's delivery scan sets
``TrialBox.delivered_at``) and until its trial is over; slots run from
``FIT_SESSION_NOTICE_HOURS`` ahead to ``FIT_SESSION_BOOKING_DAYS`` ahead, and never
past the trial window's end. One booking per slot and one open booking per box are
the database's to enforce (unique columns, see models/fit_sessions.py): of two
customers clicking the same slot at once, the second is told it has just gone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import FitSessionBooking, FitSessionState, Order, TrialBox, TrialState
from ally_web.services.fit_sessions.invitation import send_invitation
from ally_web.services.fit_sessions.schedule import video_link
from ally_web.services.fit_sessions.slots import (
    DaySlots,
    Slot,
    Window,
    booking_window,
    by_day,
    free_slots,
    load_schedule,
    parse_key,
    taken_slots,
)
from ally_web.services.fit_sessions.states import FIT_SESSION
from ally_web.services.lifecycle import transition

ENDED = (TrialState.DECIDED, TrialState.EXPIRED, TrialState.CLOSED, TrialState.CANCELLED)

NOT_A_TRIAL = ("Fit sessions come with an at-home trial box, and this order isn't one. Questions about your "
               f"pairs? Write to {policy.CONTACT_EMAIL} or text {policy.CONTACT_PHONE}.")
NOT_ARRIVED = ("You can book your fit session as soon as your box has arrived: booking opens the moment the "
               "carrier scans it delivered, on this same page. Boxes arrive "
               f"{policy.TRIAL_TRANSIT} business days after they ship.")
TRIAL_OVER = "Your trial has ended, so there is no fit session to book. Thank you for trying ALLY at home."
CHOOSE = "Please choose one of the times shown."


class SlotTaken(DomainError):
    """Someone else booked the slot first."""


# --- Reading ---------------------------------------------------------------------------


def box_for(order: Order) -> TrialBox | None:
    """The trial box of ``order`` (None for a purchase)."""
    if not order.is_trial:
        return None
    return db.session.scalar(select(TrialBox).where(TrialBox.order_id == order.id))


def active_booking(box: TrialBox) -> FitSessionBooking | None:
    return db.session.scalar(select(FitSessionBooking).where(FitSessionBooking.held_box_id == box.id))


def fit_session_for(order: Order) -> FitSessionBooking | None:
    """The order's booked fit session, if it has one (for the trial's pages)."""
    box = box_for(order)
    return active_booking(box) if box is not None else None


@dataclass(frozen=True)
class FitSessionPage:
    """What the customer's page shows: why booking is closed, or the booking and the free slots."""

    box: TrialBox | None
    booking: FitSessionBooking | None
    closed_reason: str | None  # the message when nothing can be booked
    days: list[DaySlots]

    @property
    def bookable(self) -> bool:
        return self.closed_reason is None

    @property
    def booked_slot(self) -> Slot | None:
        return Slot(self.booking.starts_at) if self.booking is not None else None

    def day(self, *keys: str | None) -> DaySlots | None:
        """The slots of the first of ``keys`` (ISO dates) that has free ones, else of the first day that has."""
        for key in keys:
            found = next((d for d in self.days if d.key == key), None)
            if found is not None:
                return found
        return self.days[0] if self.days else None

    def slot(self, key: str | None) -> Slot | None:
        return next((s for d in self.days for s in d.slots if s.key == key), None)


def _closed_reason(box: TrialBox | None) -> str | None:
    if box is None:
        return NOT_A_TRIAL
    if box.state in ENDED:
        return TRIAL_OVER
    if box.delivered_at is None:
        return NOT_ARRIVED
    return None


def _window(box: TrialBox) -> Window:
    return booking_window(ends_by=box.window_ends_at)


def page_for(order: Order) -> FitSessionPage:
    box = box_for(order)
    reason = _closed_reason(box)
    if reason is not None or box is None:
        return FitSessionPage(box, None, reason, [])
    booking = active_booking(box)
    days: list[DaySlots] = []
    if video_link():  # no room set up yet: no times to offer
        window = _window(box)
        days = by_day(free_slots(load_schedule(), window, taken_slots(window)))
    return FitSessionPage(box, booking, None, days)


# --- Changing ---------------------------------------------------------------------------


def _open_box(order: Order) -> TrialBox:
    box = box_for(order)
    reason = _closed_reason(box)
    if reason is not None or box is None:
        raise DomainError(reason or NOT_A_TRIAL)
    return box


def _offered(box: TrialBox, key: str) -> Slot:
    """The slot ``key`` names, if the schedule offers it now; else why not (field "slot")."""
    slot = parse_key(key)
    if slot is None:
        raise DomainError(CHOOSE, "slot")
    now = clock.now()
    if slot.starts_at <= now:
        raise DomainError(f"{slot.words} has passed. {CHOOSE}", "slot")
    window = _window(box)
    if slot not in load_schedule().slots_on(slot.day) or not video_link():
        raise DomainError(f"We don't offer a fit session at {slot.words}. {CHOOSE}", "slot")
    if slot.starts_at < window.earliest:
        raise DomainError(f"{slot.words} is too soon: our stylists need {policy.FIT_SESSION_NOTICE_HOURS} hours' "
                          f"notice. {CHOOSE}", "slot")
    if not window.holds(slot):
        raise DomainError(f"{slot.words} is too far ahead. {CHOOSE}", "slot")
    if slot.starts_at in taken_slots(Window(slot.starts_at, slot.starts_at)):
        raise _taken(slot)
    return slot


def _taken(slot: Slot) -> SlotTaken:
    return SlotTaken(f"Sorry, {slot.words} has just been booked by someone else. {CHOOSE}", "slot")


def book(order: Order, key: str, actor: Actor) -> FitSessionBooking:
    """Book the slot ``key`` for the order's box and email the invitation (flushes, never commits)."""
    box = _open_box(order)
    current = active_booking(box)
    if current is not None:
        raise DomainError(f"You already have a fit session on {Slot(current.starts_at).words}; change or cancel "
                          "it below.", "slot")
    slot = _offered(box, key)
    now = clock.now()
    booking = FitSessionBooking(
        box_id=box.id, order_id=order.id, starts_at=slot.starts_at, held_slot=slot.starts_at, held_box_id=box.id,
        uid=f"fit-session-{secrets.token_hex(12)}@ally.nyc", sequence=0, video_link=video_link(),
        created_at=now, updated_at=now)
    transition(booking, FIT_SESSION, FitSessionState.BOOKED, actor=actor)
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError:
        raise _refused_by_database(box, slot) from None
    send_invitation(booking)
    return booking


def _refused_by_database(box: TrialBox, slot: Slot) -> DomainError:
    """A unique column said no: another request booked this box, or this slot, first."""
    current = active_booking(box)
    if current is not None:
        return DomainError(f"You already have a fit session on {Slot(current.starts_at).words}.", "slot")
    return _taken(slot)


def reschedule(order: Order, key: str) -> FitSessionBooking:
    """Move the booking to ``key``: the same invitation, its SEQUENCE one higher."""
    box = _open_box(order)
    booking = active_booking(box)
    if booking is None:
        raise DomainError("You have no fit session booked to change; choose a time to book one.")
    same = parse_key(key)
    if same is not None and same.starts_at == booking.starts_at:
        raise DomainError(f"Your session is already at {same.words}. {CHOOSE}", "slot")
    slot = _offered(box, key)
    try:
        with db.session.begin_nested():
            booking.starts_at = booking.held_slot = slot.starts_at
            booking.sequence = FitSessionBooking.sequence + 1  # counted by the database: two tabs never share one
            booking.video_link = video_link()
            booking.updated_at = clock.now()
    except IntegrityError:
        db.session.refresh(booking)
        raise _taken(slot) from None
    db.session.refresh(booking)
    send_invitation(booking, rescheduled=True)
    return booking


def cancel(order: Order, actor: Actor) -> FitSessionBooking:
    """Cancel the booking, free its slot and email the cancellation (METHOD:CANCEL)."""
    box = box_for(order)
    booking = active_booking(box) if box is not None else None
    if booking is None:
        raise DomainError("There is no fit session booked to cancel.")
    transition(booking, FIT_SESSION, FitSessionState.CANCELLED, actor=actor)
    booking.held_slot = booking.held_box_id = None
    booking.sequence += 1
    booking.cancelled_at = booking.updated_at = clock.now()
    db.session.flush()
    send_invitation(booking)
    return booking

