"""The catalog: a style comes in colours, a colour in sized variants with stock."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ally_web.extensions import Model


class Style(Model):
    __tablename__ = "styles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    tagline: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int]
    trial_eligible: Mapped[bool] = mapped_column(default=False)
    material: Mapped[str] = mapped_column(String(80))  # drives the care notes
    heel_height_mm: Mapped[int]
    # Customs data, used to quote duties for international orders.
    hs_code: Mapped[str] = mapped_column(String(12))
    origin_country: Mapped[str] = mapped_column(String(2))
    position: Mapped[int] = mapped_column(default=0)

    colours: Mapped[list[Colour]] = relationship(
        back_populates="style", order_by="Colour.position", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)


class Colour(Model):
    __tablename__ = "colours"

    id: Mapped[int] = mapped_column(primary_key=True)
    style_id: Mapped[int] = mapped_column(ForeignKey("styles.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))
    hex: Mapped[str] = mapped_column(String(7))
    image: Mapped[str] = mapped_column(String(160))  # path under static/
    position: Mapped[int] = mapped_column(default=0)

    style: Mapped[Style] = relationship(back_populates="colours")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="colour",
        order_by="(Variant.size_halves, Variant.width)",
        cascade="all, delete-orphan",
    )

    __table_args__ = (UniqueConstraint("style_id", "slug", name="style_colour"),)


class Variant(Model):
    """One buyable pair: a colour in a US size and a width."""

    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    colour_id: Mapped[int] = mapped_column(ForeignKey("colours.id"), index=True)
    # US size times two, so 8.5 is 17: sizes stay exact integers.
    size_halves: Mapped[int]
    width: Mapped[str] = mapped_column(String(1))
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    stock: Mapped[int] = mapped_column(default=0)

    colour: Mapped[Colour] = relationship(back_populates="variants")

    __table_args__ = (
        UniqueConstraint("colour_id", "size_halves", "width", name="colour_size_width"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("size_halves BETWEEN 10 AND 24", name="size_in_range"),
    )

    @property
    def size(self) -> float:
        return self.size_halves / 2

    @property
    def size_label(self) -> str:
        whole, half = divmod(self.size_halves, 2)
        return f"{whole}½" if half else str(whole)

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


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
