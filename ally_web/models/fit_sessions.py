"""The 15-minute video fit session of an at-home trial box.

Staff keep one calendar: ``FitSessionHours`` is the weekly schedule (a weekday's
opening hours, New York wall-clock times; a weekday without a row is closed),
``FitSessionException`` a date that differs (closed, or open at its own hours), and
``FitSessionSettings`` the one settings row (the video link the invitations carry).

A ``FitSessionBooking`` is one customer's session. While it is booked it holds its
slot and its box: ``held_slot`` and ``held_box_id`` copy the start and the box, and
each is unique, so the database refuses a second booking of one slot, or a second
booking for one box, whoever asks first. Cancelling empties both (NULLs never clash).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ally_web.db_types import enum_column
from ally_web.extensions import Model

if TYPE_CHECKING:
    from ally_web.models.orders import Order
    from ally_web.models.trials import TrialBox


class FitSessionState(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class FitSessionHours(Model):
    __tablename__ = "fit_session_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int] = mapped_column(unique=True)  # Monday is 0, as in date.weekday()
    opens_at: Mapped[time]
    closes_at: Mapped[time]


class FitSessionException(Model):
    __tablename__ = "fit_session_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    opens_at: Mapped[time | None]  # both empty: closed that day
    closes_at: Mapped[time | None]
    note: Mapped[str] = mapped_column(String(200), default="")  # staff's reason, e.g. "Studio photo shoot"

    @property
    def closed(self) -> bool:
        return self.opens_at is None


class FitSessionSettings(Model):
    __tablename__ = "fit_session_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_link: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime]


class FitSessionBooking(Model):
    __tablename__ = "fit_session_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("trial_boxes.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    state: Mapped[FitSessionState] = mapped_column(enum_column(FitSessionState, "fit_session_state"),
                                                   default=FitSessionState.BOOKED)
    starts_at: Mapped[datetime]
    # Set while booked (the start and the box), emptied on cancel: see the module.
    held_slot: Mapped[datetime | None] = mapped_column(unique=True)
    held_box_id: Mapped[int | None] = mapped_column(unique=True)
    # The invitation: one UID for the booking's life, its SEQUENCE counts the changes.
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    video_link: Mapped[str] = mapped_column(Text, default="")  # as sent in the latest invitation
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    box: Mapped[TrialBox] = relationship()
    order: Mapped[Order] = relationship()
