"""The at-home trial: a box of classic pumps tried at home for $0 upfront.

A ``TrialBox`` starts as the questionnaire a shopper fills in (a draft kept for their
browser), becomes an order of kind ``trial`` once the card is saved and checked, and
carries the window, the decisions and the charges to the end. Each pair in it is a
``TrialPair`` beside its order line (new or sample, the staff checklist, keep or
return, the inspection). Money owed at the end is a ``TrialCharge`` (the kept pairs,
everything on expiry, or a damage fee), one row per charge so it is made once.

The states are StrEnums here, stored as checked strings; which moves are allowed is
``services/trial/states.py``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ally_web.db_types import enum_column
from ally_web.extensions import Model
from ally_web.models.orders import AddressMixin
from ally_web.models.returns import KeptPhoto

if TYPE_CHECKING:
    from ally_web.models.orders import Order, OrderLine


class TrialState(enum.StrEnum):
    DRAFT = "draft"  # the questionnaire, not sent yet
    REQUESTED = "requested"  # card saved and checked, hold placed: the fitting team's turn
    CURATED = "curated"  # pairs chosen and checked, waiting for the carrier
    SHIPPED = "shipped"
    DELIVERED = "delivered"  # the window is open
    EXCHANGE_REQUESTED = "exchange_requested"  # another size asked within 24 hours
    DECIDED = "decided"  # the customer chose keep or return for every pair
    EXPIRED = "expired"  # no answer by the end: everything is charged
    CLOSED = "closed"  # returns inspected, charges paid
    CANCELLED = "cancelled"  # before shipping


class TrialCondition(enum.StrEnum):
    NEW = "new"
    SAMPLE = "sample"  # almost new, cleaned; can be kept at a discount


class TrialDecision(enum.StrEnum):
    KEEP = "keep"
    RETURN = "return"


class TrialChargeKind(enum.StrEnum):
    KEPT = "kept"  # the pairs kept (a sample at its discount)
    EXPIRED = "expired"  # no answer by the end: every pair in the box
    DAMAGE = "damage"  # a returned pair not in the condition it left in


class TrialChargeState(enum.StrEnum):
    DUE = "due"  # to be charged by the jobs
    CHARGING = "charging"  # an attempt is under way (its key is fixed before the call)
    PAID = "paid"
    FAILED = "failed"  # declined: retried on a schedule, payable by a link, seen by staff


class TrialBox(AddressMixin, Model):
    __tablename__ = "trial_boxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The draft's key, kept in the shopper's browser; the box's pages are reached
    # through its order's signed link once it is requested.
    token: Mapped[str] = mapped_column(String(43), unique=True)
    state: Mapped[TrialState] = mapped_column(enum_column(TrialState, "trial_state"), default=TrialState.DRAFT)
    step: Mapped[str] = mapped_column(String(20), default="fit")  # the questionnaire step reached
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    email: Mapped[str] = mapped_column(String(254), default="")
    email_canonical: Mapped[str] = mapped_column(String(254), default="", index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # The card: saved on the provider's hosted page, checked, held.
    setup_session: Mapped[str | None] = mapped_column(String(64), unique=True)
    payment_method: Mapped[str | None] = mapped_column(String(64))
    card_brand: Mapped[str] = mapped_column(String(20), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    card_funding: Mapped[str] = mapped_column(String(10), default="")
    card_refusal: Mapped[str] = mapped_column(Text, default="")  # why the last card was refused
    hold_ref: Mapped[str | None] = mapped_column(String(64))
    hold_cents: Mapped[int] = mapped_column(default=0)
    hold_expires_at: Mapped[datetime | None]
    hold_released_at: Mapped[datetime | None]  # voided, or lapsed on its own

    # The window.
    delivered_at: Mapped[datetime | None]
    window_ends_at: Mapped[datetime | None]
    exchange_until: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    reminded_48_at: Mapped[datetime | None]
    reminded_24_at: Mapped[datetime | None]

    order: Mapped[Order | None] = relationship()
    pairs: Mapped[list[TrialPair]] = relationship(
        back_populates="box", order_by="TrialPair.id", cascade="all, delete-orphan")
    charges: Mapped[list[TrialCharge]] = relationship(
        back_populates="box", order_by="TrialCharge.id", cascade="all, delete-orphan")

    @property
    def current_pairs(self) -> list[TrialPair]:
        """The pairs of the latest round (an exchange sends a second round)."""
        latest = max((p.round for p in self.pairs), default=1)
        return [p for p in self.pairs if p.round == latest]


class TrialPair(Model):
    __tablename__ = "trial_pairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("trial_boxes.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), unique=True)
    round: Mapped[int] = mapped_column(default=1)  # 2: sent for a size exchange
    condition: Mapped[TrialCondition] = mapped_column(enum_column(TrialCondition, "trial_condition"))
    retail_cents: Mapped[int]  # the style's price when curated
    keep_cents: Mapped[int]  # what keeping it costs: retail, or a sample's discounted price
    # The checklist before it ships.
    lining_cleaned: Mapped[bool] = mapped_column(default=False)
    condition_photographed: Mapped[bool] = mapped_column(default=False)
    sole_protectors_on: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[TrialDecision | None] = mapped_column(enum_column(TrialDecision, "trial_decision"))
    # Back at the studio: received, then inspected (accepted, or a damage fee).
    received_at: Mapped[datetime | None]
    accepted: Mapped[bool | None]
    inspection_note: Mapped[str] = mapped_column(Text, default="")

    box: Mapped[TrialBox] = relationship(back_populates="pairs")
    line: Mapped[OrderLine] = relationship()
    photos: Mapped[list[TrialPhoto]] = relationship(back_populates="pair", order_by="TrialPhoto.id")

    @property
    def checklist_done(self) -> bool:
        return self.lining_cleaned and self.condition_photographed and self.sole_protectors_on


class TrialPhoto(KeptPhoto, Model):
    """A photo staff took of a pair that came back damaged: the damage fee's evidence.
    Checked, re-encoded and kept under a random name in the media folder's private
    part (``services/trial/inspection.py``); served to staff and, from the trial's
    signed link, to the customer charged the fee."""

    __tablename__ = "trial_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("trial_pairs.id"), index=True)

    pair: Mapped[TrialPair] = relationship(back_populates="photos")


class TrialCharge(Model):
    """Money owed at the end of a trial, charged off-session to the saved card.

    Each attempt has its own idempotency key (``trial:<box>:<slot>:<attempt>``),
    written before the provider is called, so a crash after the call repeats the same
    key and gets the first answer instead of charging again.
    """

    __tablename__ = "trial_charges"
    # One final charge per box, one damage fee per pair: "final" or "damage:<pair id>".
    __table_args__ = (UniqueConstraint("box_id", "slot", name="uq_trial_charges_box_id_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("trial_boxes.id"), index=True)
    kind: Mapped[TrialChargeKind] = mapped_column(enum_column(TrialChargeKind, "trial_charge_kind"))
    slot: Mapped[str] = mapped_column(String(40))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("trial_pairs.id"))  # a damage fee's pair
    amount_cents: Mapped[int]
    state: Mapped[TrialChargeState] = mapped_column(enum_column(TrialChargeState, "trial_charge_state"),
                                                    default=TrialChargeState.DUE)
    reason: Mapped[str] = mapped_column(Text, default="")  # a damage fee's reason, in staff's words
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]  # a job runner is making the current attempt
    next_attempt_at: Mapped[datetime | None]
    failure_code: Mapped[str | None] = mapped_column(String(40))
    payment_ref: Mapped[str | None] = mapped_column(String(64))
    pay_session: Mapped[str | None] = mapped_column(String(64), unique=True)  # the hosted page after a decline
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]

    box: Mapped[TrialBox] = relationship(back_populates="charges")

    @property
    def key(self) -> str:
        """The idempotency key of the current attempt."""
        return f"trial:{self.box_id}:{self.slot}:{self.attempts}"
