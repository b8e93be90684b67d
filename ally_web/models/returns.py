"""Returns and exchanges: a customer's request about some delivered pairs, and what
happens to each pair (returned for a refund, exchanged for another size, or only fit
feedback).

The states are StrEnums here, stored as checked strings; which moves are allowed is
``services/returns/states.py``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ally_web.db_types import enum_column
from ally_web.extensions import Model

if TYPE_CHECKING:
    from ally_web.models.orders import Order, OrderLine, Shipment


class ReturnState(enum.StrEnum):
    REQUESTED = "requested"
    IN_REVIEW = "in_review"  # a damaged or faulty pair: staff look at the photos first
    APPROVED = "approved"
    REFUSED = "refused"
    LABEL_ISSUED = "label_issued"  # US: a prepaid label
    AWAITING_TRACKING = "awaiting_tracking"  # abroad: the customer ships and tells us the number
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    INSPECTED = "inspected"
    CLOSED = "closed"  # refunded, replacement sent, or feedback only


class ReturnAction(enum.StrEnum):
    RETURN = "return"  # for a refund
    EXCHANGE = "exchange"  # for another size or width
    FEEDBACK = "feedback"  # keeps the pair; tells us how it fits


class ReturnReason(enum.StrEnum):
    TOO_SMALL = "too_small"
    TOO_BIG = "too_big"
    TOO_NARROW = "too_narrow"
    TOO_WIDE = "too_wide"
    HEEL_SLIPS = "heel_slips"
    PINCHES_TOE = "pinches_toe"
    NOT_AS_PICTURED = "not_as_pictured"
    CHANGED_MIND = "changed_mind"
    DAMAGED = "damaged"  # damaged or faulty: photos, and staff review before a label


class ReturnRequest(Model):
    __tablename__ = "return_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)  # for links without sign-in
    state: Mapped[ReturnState] = mapped_column(enum_column(ReturnState, "return_state"),
                                               default=ReturnState.REQUESTED)
    created_at: Mapped[datetime]
    # The parcel coming back: a prepaid label (US) or the customer's own (abroad).
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    refused_reason: Mapped[str] = mapped_column(Text, default="")
    # A reminder that the parcel has not come (sent once, before held pairs are released).
    reminded_at: Mapped[datetime | None]
    # The parcel taking pairs refused at inspection (worn) back to the customer.
    sent_back_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))

    order: Mapped[Order] = relationship()
    shipment: Mapped[Shipment | None] = relationship(foreign_keys=[shipment_id])
    sent_back: Mapped[Shipment | None] = relationship(foreign_keys=[sent_back_id])
    items: Mapped[list[ReturnItem]] = relationship(back_populates="request", order_by="ReturnItem.id",
                                                   cascade="all, delete-orphan")


class ReturnItem(Model):
    """One ordered pair (a line, some of its quantity) in a request."""

    __tablename__ = "return_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int]
    action: Mapped[ReturnAction] = mapped_column(enum_column(ReturnAction, "return_action"))
    reason: Mapped[ReturnReason | None] = mapped_column(enum_column(ReturnReason, "return_reason"))
    # How it fits, in the fit questions' words (services/made_to_order/fit_questions.py).
    feedback: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    exchange_size_halves: Mapped[int | None]
    exchange_width: Mapped[str | None] = mapped_column(String(1))
    # The new pair taken off the shelf when asked for, so it cannot sell out meanwhile.
    reserved: Mapped[bool] = mapped_column(default=False)
    # Inspection: accepted, or refused as worn (with a note); the refund it earned.
    accepted: Mapped[bool | None]
    inspection_note: Mapped[str] = mapped_column(Text, default="")
    refund_cents: Mapped[int] = mapped_column(default=0)

    request: Mapped[ReturnRequest] = relationship(back_populates="items")
    line: Mapped[OrderLine] = relationship()
    photos: Mapped[list[ReturnPhoto]] = relationship(back_populates="item", order_by="ReturnPhoto.id",
                                                     cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("quantity > 0", name="return_quantity_positive"),)


class KeptPhoto:
    """A photo file kept in the media folder's private part (``returns.kept_photos``):
    a return's damaged pair, or a trial pair that came back damaged."""

    name: Mapped[str] = mapped_column(String(40), unique=True)  # the file's random name
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]  # as kept (re-encoded), not as sent
    created_at: Mapped[datetime]


class ReturnPhoto(KeptPhoto, Model):
    """A photo of a damaged or faulty pair, sent with the request: checked, re-encoded
    and kept under a random name in the media folder's private part
    (``services/returns/photos.py``); only staff pages serve it."""

    __tablename__ = "return_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("return_items.id"), index=True)

    item: Mapped[ReturnItem] = relationship(back_populates="photos")
