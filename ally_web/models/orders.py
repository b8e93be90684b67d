"""Checkouts, orders, their lines, shipments and the event timeline.

The states of each lifecycle are StrEnums here, stored as checked strings; which
moves between them are allowed is the services' business (``services/*/states.py``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ally_web.core.actors import Actor, ActorKind
from ally_web.db_types import enum_column
from ally_web.extensions import Model

if TYPE_CHECKING:
    from ally_web.models.fit import FitResult


class CheckoutStatus(enum.StrEnum):
    OPEN = "open"  # being filled in, or back after a failed payment
    PAYING = "paying"  # the shopper is on the provider's page
    PLACING = "placing"  # one request has claimed it and is placing the order
    PLACED = "placed"


class PaymentMode(enum.StrEnum):
    CARD = "card"
    INSTALLMENTS = "installments"


class OrderKind(enum.StrEnum):
    PURCHASE = "purchase"  # paid at checkout
    TRIAL = "trial"  # an at-home trial box: $0 upfront, charged for what is kept (models/trials.py)


class OrderState(enum.StrEnum):
    PLACED = "placed"
    CANCELLED = "cancelled"


class MadeToOrderPath(enum.StrEnum):
    FITTING_FIRST = "fitting_first"  # size not known yet: a fitting pair goes first
    SIZE_KNOWN = "size_known"  # a confirmed size on file: production starts at once


class MadeToOrderState(enum.StrEnum):
    AWAITING_FITTING_PAIR = "awaiting_fitting_pair"
    FITTING_PAIR_SHIPPED = "fitting_pair_shipped"
    FITTING_PAIR_DELIVERED = "fitting_pair_delivered"
    FIT_SUBMITTED = "fit_submitted"
    FIT_CONFIRMED = "fit_confirmed"
    IN_PRODUCTION = "in_production"
    MADE = "made"  # finished in the workshop, waiting for its box
    SHIPPED = "shipped"
    DELIVERED = "delivered"


class ShipmentPurpose(enum.StrEnum):
    """What a parcel carries: the customer's pairs, or a fitting pair on loan and
    its way back to the studio."""

    PAIRS = "pairs"
    FITTING_PAIR = "fitting_pair"
    FITTING_RETURN = "fitting_return"
    RETURN = "return"  # pairs a customer sends back (services/returns)
    SENT_BACK = "sent_back"  # returned pairs refused at inspection (worn), going back to the customer


class ShipmentState(enum.StrEnum):
    SHIPPED = "shipped"  # labelled and handed over; no carrier scan yet
    IN_TRANSIT = "in_transit"
    HELD_AT_CUSTOMS = "held_at_customs"
    EXCEPTION = "exception"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"


class ScanKind(enum.StrEnum):
    """What a carrier scan reports (every shipment state but the first)."""

    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    HELD_AT_CUSTOMS = "held_at_customs"
    EXCEPTION = "exception"


class EventKind(enum.StrEnum):
    """What a timeline entry records. Its words are made when a page or an email
    shows it (``ally_web/event_text.py``), from the event's parameters."""

    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    HELD_AT_CUSTOMS = "held_at_customs"
    EXCEPTION = "exception"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    # A made-to-order pair's way (see services/orders/states.py).
    FITTING_PAIR_SHIPPED = "fitting_pair_shipped"
    FITTING_PAIR_DELIVERED = "fitting_pair_delivered"
    FIT_SUBMITTED = "fit_submitted"
    FIT_CONFIRMED = "fit_confirmed"
    PRODUCTION_STARTED = "production_started"
    PAIR_MADE = "pair_made"
    DUE_DATE_MOVED = "due_date_moved"  # a lead-time notice moved a pair in production
    FITTING_PAIR_RETURNED = "fitting_pair_returned"  # the loaner is back at the studio
    REMINDER_SENT = "reminder_sent"  # params: about = fit_result | fitting_return
    # A return or exchange (services/returns/states.py); params: return_id and more.
    RETURN_REQUESTED = "return_requested"
    RETURN_IN_REVIEW = "return_in_review"
    RETURN_APPROVED = "return_approved"
    RETURN_REFUSED = "return_refused"
    RETURN_LABEL_ISSUED = "return_label_issued"
    RETURN_IN_TRANSIT = "return_in_transit"
    RETURN_RECEIVED = "return_received"
    RETURN_INSPECTED = "return_inspected"
    RETURN_CLOSED = "return_closed"
    RETURN_SENT_BACK = "return_sent_back"  # pairs refused as worn, shipped back to the customer
    # An at-home trial box (services/trial/states.py); params say more.
    TRIAL_REQUESTED = "trial_requested"
    TRIAL_CURATED = "trial_curated"
    TRIAL_SHIPPED = "trial_shipped"
    TRIAL_WINDOW_OPENED = "trial_window_opened"
    TRIAL_EXCHANGE_REQUESTED = "trial_exchange_requested"
    TRIAL_DECIDED = "trial_decided"
    TRIAL_EXPIRED = "trial_expired"
    TRIAL_CLOSED = "trial_closed"
    TRIAL_CANCELLED = "trial_cancelled"
    TRIAL_HOLD_RELEASED = "trial_hold_released"
    TRIAL_CHARGED = "trial_charged"  # params: kind, amount_cents
    TRIAL_CHARGE_FAILED = "trial_charge_failed"  # params: kind, amount_cents, failure_code
    TRIAL_PAIR_INSPECTED = "trial_pair_inspected"  # params: line_id, accepted, note
    TRIAL_NOT_SENT_BACK = "trial_not_sent_back"  # params: pairs, amount_cents


class ActorMixin:
    """Who did it: a kind, and for staff their id and their name at the time."""

    actor_kind: Mapped[ActorKind] = mapped_column(enum_column(ActorKind, "actor_kind"))
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_name: Mapped[str] = mapped_column(String(120), default="")

    @property
    def actor(self) -> Actor:
        return Actor(self.actor_kind, self.actor_staff_id, self.actor_name)

    @actor.setter
    def actor(self, actor: Actor) -> None:
        self.actor_kind = actor.kind
        self.actor_staff_id = actor.staff_id
        self.actor_name = actor.name[:120]


class AddressMixin:
    name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    line1: Mapped[str] = mapped_column(String(200), default="")
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str] = mapped_column(String(120), default="")  # state, province, county
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")


class MoneyMixin:
    subtotal_cents: Mapped[int] = mapped_column(default=0)
    shipping_cents: Mapped[int] = mapped_column(default=0)
    duties_cents: Mapped[int] = mapped_column(default=0)
    taxes_cents: Mapped[int] = mapped_column(default=0)
    sales_tax_cents: Mapped[int] = mapped_column(default=0)  # US sales tax (services/pricing/sales_tax.py)
    total_cents: Mapped[int] = mapped_column(default=0)
    # The landed-cost quote line by line, exactly as shown before paying.
    quote: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Checkout(AddressMixin, MoneyMixin, Model):
    """What the shopper typed and was quoted, kept while they pay on the provider's
    page: a declined card comes back to a filled-in form, and the order is placed
    from exactly what was shown."""

    __tablename__ = "checkouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    shipping_method: Mapped[str] = mapped_column(String(20), default="standard")
    payment_mode: Mapped[PaymentMode] = mapped_column(enum_column(PaymentMode, "checkout_payment_mode"),
                                                      default=PaymentMode.CARD)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Set by the checkout's first move (services/checkout/states.py).
    status: Mapped[CheckoutStatus] = mapped_column(enum_column(CheckoutStatus, "checkout_status"))
    payment_session: Mapped[str | None] = mapped_column(String(64), unique=True)
    failure_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    order: Mapped[Order | None] = relationship(back_populates="checkout")


class Order(AddressMixin, MoneyMixin, Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)  # e.g. K7M2-9QXD
    token: Mapped[str] = mapped_column(String(43), unique=True)  # for links without sign-in
    kind: Mapped[OrderKind] = mapped_column(enum_column(OrderKind, "order_kind"), default=OrderKind.PURCHASE)
    # One order per checkout: a refresh, a double click or a webhook racing the
    # return page all find the same order. A trial box has no checkout.
    checkout_id: Mapped[int | None] = mapped_column(ForeignKey("checkouts.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    email_canonical: Mapped[str] = mapped_column(String(254), index=True)
    shipping_method: Mapped[str] = mapped_column(String(20))
    duties_collected: Mapped[str] = mapped_column(String(10), default="none")  # checkout, delivery, none
    payment_provider: Mapped[str] = mapped_column(String(20))
    payment_ref: Mapped[str] = mapped_column(String(64))
    payment_mode: Mapped[PaymentMode] = mapped_column(enum_column(PaymentMode, "order_payment_mode"))
    card_brand: Mapped[str] = mapped_column(String(20), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    card_funding: Mapped[str] = mapped_column(String(10), default="")  # credit, debit, prepaid
    placed_at: Mapped[datetime]
    # Placed or cancelled; what the customer sees (preparing, shipped…) is derived
    # from the lines and shipments (services/orders/status.py).
    state: Mapped[OrderState] = mapped_column(enum_column(OrderState, "order_state"), default=OrderState.PLACED)

    checkout: Mapped[Checkout | None] = relationship(back_populates="order")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan")
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="(OrderEvent.at, OrderEvent.id)", cascade="all, delete-orphan")
    # Every parcel: the pairs bought, and fitting pairs on loan with their way back.
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", order_by="Shipment.id", cascade="all, delete-orphan")

    @property
    def parcels(self) -> list[Shipment]:
        """The parcels carrying the pairs bought (not the fitting pairs on loan)."""
        return [s for s in self.shipments if s.purpose is ShipmentPurpose.PAIRS]

    @property
    def is_trial(self) -> bool:
        return self.kind is OrderKind.TRIAL

    @property
    def international(self) -> bool:
        return self.country != "US"

    @property
    def cancelled(self) -> bool:
        return self.state is OrderState.CANCELLED

    @property
    def cancelled_at(self) -> datetime | None:
        """When it was cancelled: the time of its "cancelled" event."""
        if not self.cancelled:
            return None
        return next((e.at for e in reversed(self.events) if e.kind is EventKind.CANCELLED), None)


class OrderLine(Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    # A made-to-order pair whose size is not known yet: the fitting pair on loan, and
    # the prepaid return parcel whose label travels in its box.
    fitting_shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    fitting_return_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    # What was bought, as it was called then.
    sku: Mapped[str] = mapped_column(String(40))
    style_name: Mapped[str] = mapped_column(String(120))
    colour_name: Mapped[str] = mapped_column(String(80))
    size_halves: Mapped[int]
    width: Mapped[str] = mapped_column(String(1))
    unit_price_cents: Mapped[int]
    quantity: Mapped[int]
    # US sales tax charged on this line: refunded with the pairs it belongs to.
    sales_tax_cents: Mapped[int] = mapped_column(default=0)
    made_to_order: Mapped[bool] = mapped_column(default=False)
    mto_path: Mapped[MadeToOrderPath | None] = mapped_column(enum_column(MadeToOrderPath, "mto_path"))
    # Where a made-to-order pair is on its way (services/orders/states.py); None in stock.
    mto_state: Mapped[MadeToOrderState | None] = mapped_column(enum_column(MadeToOrderState, "mto_state"))
    notice_title: Mapped[str | None] = mapped_column(String(120))
    notice_extra_days: Mapped[int] = mapped_column(default=0)
    # The promise made at order time. For "fitting_first" lines the fitting pair's
    # dates are known now; the pair's own dates follow from the fit confirmation.
    fitting_ships_from: Mapped[date | None]
    fitting_ships_by: Mapped[date | None]
    ships_from: Mapped[date | None]
    ships_by: Mapped[date | None]
    arrives_from: Mapped[date | None]
    arrives_by: Mapped[date | None]
    # The day the workshop started the pair: the fit confirmation (or the order day
    # when the size was known). Its due date is ships_by.
    production_started_on: Mapped[date | None]
    # Reminders sent, each at most once (a job claims it by setting the time).
    fit_reminder_sent_at: Mapped[datetime | None]
    return_reminder_sent_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="lines")
    shipment: Mapped[Shipment | None] = relationship(back_populates="lines", foreign_keys=[shipment_id])
    fitting_shipment: Mapped[Shipment | None] = relationship(foreign_keys=[fitting_shipment_id])
    fitting_return: Mapped[Shipment | None] = relationship(foreign_keys=[fitting_return_id])
    fit_result: Mapped[FitResult | None] = relationship(back_populates="line")

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    @property
    def size_label(self) -> str:
        whole, half = divmod(self.size_halves, 2)
        return f"{whole}½" if half else str(whole)

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


class Shipment(Model):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(10))  # FedEx, UPS
    tracking_number: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[ShipmentPurpose] = mapped_column(enum_column(ShipmentPurpose, "shipment_purpose"),
                                                     default=ShipmentPurpose.PAIRS)
    # When it left; for a fitting pair's return parcel, when its label was made (the
    # customer sends it later: its scans say when it moved).
    shipped_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    # The most advanced carrier scan so far (services/orders/tracking.py).
    state: Mapped[ShipmentState] = mapped_column(enum_column(ShipmentState, "shipment_state"),
                                                 default=ShipmentState.SHIPPED)

    order: Mapped[Order] = relationship(back_populates="shipments")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="shipment", foreign_keys="OrderLine.shipment_id")
    scans: Mapped[list[ShipmentScan]] = relationship(
        back_populates="shipment", order_by="(ShipmentScan.at, ShipmentScan.id)", cascade="all, delete-orphan"
    )


class ShipmentScan(ActorMixin, Model):
    """A carrier scan, from staff or the tracking webhook. The shipment's state is
    derived from these; scans arriving late or twice never move it backwards."""

    __tablename__ = "shipment_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    kind: Mapped[ScanKind] = mapped_column(enum_column(ScanKind, "scan_kind"))
    at: Mapped[datetime]  # when the carrier scanned it
    recorded_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(120), default="")
    # The tracking service's event id: the same event delivered twice is kept once.
    event_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    shipment: Mapped[Shipment] = relationship(back_populates="scans")


class OrderEvent(ActorMixin, Model):
    """One entry of the order's timeline: a kind, its parameters (JSON), who and when.

    No words are stored: pages and emails word the event when they show it, so the
    wording can change without touching the data.
    """

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    at: Mapped[datetime]
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    order: Mapped[Order] = relationship(back_populates="events")
