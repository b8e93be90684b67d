"""The catalog: a style comes in colours, a colour in sized variants with stock.

Styles, colours and sizes are hidden, never deleted, so old orders and the stock
ledger keep their names. Every change of a variant's stock is a row of the ledger
(``StockMovement``), so each count can be explained.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ally_web.core.formatting import size as size_label
from ally_web.db_types import enum_column
from ally_web.extensions import Model
from ally_web.models.orders import ActorMixin


class Style(Model):
    __tablename__ = "styles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    tagline: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int]
    trial_eligible: Mapped[bool] = mapped_column(default=False)
    material: Mapped[str] = mapped_column(String(80))
    care_notes: Mapped[str] = mapped_column(Text, default="")  # how to look after this material
    facts: Mapped[str] = mapped_column(Text, default="")  # one fact a line, listed on the product page
    heel_height_mm: Mapped[int]
    # Customs data, used to quote duties for international orders.
    hs_code: Mapped[str] = mapped_column(String(12))
    origin_country: Mapped[str] = mapped_column(String(2))
    position: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[bool] = mapped_column(default=False)  # off the shop, kept for history

    colours: Mapped[list[Colour]] = relationship(
        back_populates="style", order_by="Colour.position", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)


class _HasSizeHalves(Protocol):
    @property
    def size_halves(self) -> int: ...


class SizedInHalves:
    """A pair's US size from its size in halves (17 → 8.5, "8½"): for the variant and
    for the plain-row stand-ins pages read instead (the cart's, the product page's)."""

    @property
    def size(self: _HasSizeHalves) -> float:
        return self.size_halves / 2

    @property
    def size_label(self: _HasSizeHalves) -> str:
        return size_label(self.size_halves)


def unit_price_cents(colour_price_cents: int | None, style_price_cents: int) -> int:
    """A colour costs its own price when it has one, else its style's."""
    return style_price_cents if colour_price_cents is None else colour_price_cents


class Colour(Model):
    __tablename__ = "colours"

    id: Mapped[int] = mapped_column(primary_key=True)
    style_id: Mapped[int] = mapped_column(ForeignKey("styles.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))
    hex: Mapped[str] = mapped_column(String(7))
    image: Mapped[str] = mapped_column(String(160))  # path under static/, or uploads/<random name>
    position: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[bool] = mapped_column(default=False)
    # This colour's own price (a rarer leather, say); None: the style's price.
    price_cents: Mapped[int | None] = mapped_column(default=None)

    style: Mapped[Style] = relationship(back_populates="colours")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="colour",
        order_by="(Variant.size_halves, Variant.width)",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        UniqueConstraint("style_id", "slug", name="style_colour"),
        CheckConstraint("price_cents IS NULL OR price_cents >= 0", name="colour_price_not_negative"),
    )

    @property
    def unit_price_cents(self) -> int:
        return unit_price_cents(self.price_cents, self.style.price_cents)


class Variant(SizedInHalves, Model):
    """One buyable pair: a colour in a US size and a width."""

    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    colour_id: Mapped[int] = mapped_column(ForeignKey("colours.id"), index=True)
    # US size times two, so 8.5 is 17: sizes stay exact integers.
    size_halves: Mapped[int]
    width: Mapped[str] = mapped_column(String(1))
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    stock: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[bool] = mapped_column(default=False)  # this size/width no longer offered

    colour: Mapped[Colour] = relationship(back_populates="variants")

    __table_args__ = (
        UniqueConstraint("colour_id", "size_halves", "width", name="colour_size_width"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("size_halves BETWEEN 10 AND 24", name="size_in_range"),
    )

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class MovementReason(enum.StrEnum):
    """Why a variant's stock changed. Staff choose among the first six."""

    RECEIVED = "received"  # a delivery from the factory
    COUNT_CORRECTION = "count_correction"  # a shelf count, by hand or from a count file
    DAMAGED = "damaged"
    RETURNED = "returned"  # a pair back on the shelf (a customer's return)
    TRIAL_OUT = "trial_out"  # pairs set aside for trial boxes
    TRIAL_IN = "trial_in"  # trial pairs back on the shelf
    SOLD = "sold"  # taken by a checkout
    SALE_UNDONE = "sale_undone"  # a checkout that took pairs and then could not place the order
    ORDER_CANCELLED = "order_cancelled"
    EXCHANGE_OUT = "exchange_out"  # a replacement set aside for an exchange
    EXCHANGE_IN = "exchange_in"  # a replacement released: the return never came, or was refused


class StockMovement(ActorMixin, Model):
    """One line of the stock ledger: a variant's count went up or down by `change`,
    to `resulting`, for `reason`, by the actor, at `at`."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"), index=True)
    at: Mapped[datetime]
    change: Mapped[int]
    resulting: Mapped[int]
    reason: Mapped[MovementReason] = mapped_column(enum_column(MovementReason, "movement_reason"))
    note: Mapped[str] = mapped_column(String(500), default="")

    variant: Mapped[Variant] = relationship()


class LeadTimeNotice(Model):
    """Extra made-to-order days while the factory is slower (e.g. Lunar New Year)."""

    __tablename__ = "lead_time_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    extra_days: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    __table_args__ = (
        CheckConstraint("extra_days > 0", name="extra_days_positive"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )
