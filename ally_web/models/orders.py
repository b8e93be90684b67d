"""Checkouts, orders, their lines, shipments and the event timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ally_web.extensions import db


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
    total_cents: Mapped[int] = mapped_column(default=0)
    # The landed-cost quote line by line, exactly as shown before paying.
    quote: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Checkout(AddressMixin, MoneyMixin, db.Model):
    """What the shopper typed and was quoted, kept while they pay on the provider's
    page: a declined card comes back to a filled-in form, and the order is placed
    from exactly what was shown."""

    __tablename__ = "checkouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    shipping_method: Mapped[str] = mapped_column(String(20), default="standard")
    payment_mode: Mapped[str] = mapped_column(String(20), default="card")
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, paying, placed
    payment_session: Mapped[str | None] = mapped_column(String(64), unique=True)
    failure_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    order: Mapped[Order | None] = relationship(back_populates="checkout")


class Order(AddressMixin, MoneyMixin, db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)  # e.g. K7M2-9QXD
    token: Mapped[str] = mapped_column(String(43), unique=True)  # for links without sign-in
    # One order per checkout: a refresh, a double click or a webhook racing the
    # return page all find the same order.
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    email_canonical: Mapped[str] = mapped_column(String(254), index=True)
    shipping_method: Mapped[str] = mapped_column(String(20))
    duties_collected: Mapped[str] = mapped_column(String(10), default="none")  # checkout, delivery, none
    payment_provider: Mapped[str] = mapped_column(String(20))
    payment_ref: Mapped[str] = mapped_column(String(64))
    payment_mode: Mapped[str] = mapped_column(String(20))  # card or installments
    card_brand: Mapped[str] = mapped_column(String(20), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    card_funding: Mapped[str] = mapped_column(String(10), default="")  # credit, debit, prepaid
    placed_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    checkout: Mapped[Checkout] = relationship(back_populates="order")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan")
    events: Mapped[list[OrderEvent]] = relationship(back_populates="order", order_by="(OrderEvent.at, OrderEvent.id)", cascade="all, delete-orphan")
    shipments: Mapped[list[Shipment]] = relationship(back_populates="order", order_by="Shipment.id", cascade="all, delete-orphan")

    @property
    def international(self) -> bool:
        return self.country != "US"


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    # What was bought, as it was called then.
    sku: Mapped[str] = mapped_column(String(40))
    style_name: Mapped[str] = mapped_column(String(120))
    colour_name: Mapped[str] = mapped_column(String(80))
    size_halves: Mapped[int]
    width: Mapped[str] = mapped_column(String(1))
    unit_price_cents: Mapped[int]
    quantity: Mapped[int]
    made_to_order: Mapped[bool] = mapped_column(default=False)
    # Made-to-order: "fitting_first" (size unknown) or "size_known" (production now).
    mto_path: Mapped[str | None] = mapped_column(String(20))
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

    order: Mapped[Order] = relationship(back_populates="lines")
    shipment: Mapped[Shipment | None] = relationship(back_populates="lines")

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    @property
    def size_label(self) -> str:
        whole, half = divmod(self.size_halves, 2)
        return f"{whole}½" if half else str(whole)

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


class Shipment(db.Model):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(10))  # FedEx, UPS
    tracking_number: Mapped[str] = mapped_column(String(40))
    shipped_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="shipments")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="shipment")
    scans: Mapped[list[ShipmentScan]] = relationship(
        back_populates="shipment", order_by="(ShipmentScan.at, ShipmentScan.id)", cascade="all, delete-orphan"
    )


class ShipmentScan(db.Model):
    """A carrier scan, from staff or the tracking webhook. The shipment's state is
    derived from these; scans arriving late or twice never move it backwards."""

    __tablename__ = "shipment_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # in_transit, out_for_delivery, delivered, held_at_customs, exception
    at: Mapped[datetime]  # when the carrier scanned it
    recorded_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(160))  # "staff: Sam Rivera" or "carrier tracking"
    # The tracking service's event id: the same event delivered twice is kept once.
    event_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    shipment: Mapped[Shipment] = relationship(back_populates="scans")


class OrderEvent(db.Model):
    """One entry of the order's timeline; the status shown is derived from these."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # placed, paid, shipped, delivered, cancelled, refunded…
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(160))  # "customer", "system", "staff: Sam Rivera"
    note: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[Order] = relationship(back_populates="events")
