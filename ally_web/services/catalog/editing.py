"""Staff edit the catalog: styles, colours, prices, sizes offered, hiding.

Every change is audited with its actor and raises the catalog version, so shop
pages on every app process show it within seconds. Nothing is deleted: a style,
colour or size is hidden, so old orders and the stock ledger keep their names.
Prices are read fresh by carts; checkouts and orders keep the price they quoted
(``Checkout.lines`` and ``OrderLine.unit_price_cents``), so a change never reaches
them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ally_web import policy
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError, NotFound
from ally_web.core.formatting import money
from ally_web.extensions import db
from ally_web.models import Colour, Style, Variant
from ally_web.services.audit import record_audit
from ally_web.services.catalog.browse import bump_catalog_version
from ally_web.services.catalog.pictures import CleanPicture, discard_picture, keep_picture

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_PRICE_CENTS = 10_000_00  # $10,000: more is a typing slip


@dataclass
class StyleInput:
    name: str
    tagline: str
    description: str
    facts: str
    heel_height_mm: int
    material: str
    care_notes: str
    trial_eligible: bool


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "style"


def catalog_styles() -> list[Style]:
    """Every style, hidden ones too, with colours and variants (three queries)."""
    return list(db.session.scalars(
        select(Style).options(selectinload(Style.colours).selectinload(Colour.variants))
        .order_by(Style.position, Style.id)
    ))


def get_style_for_staff(style_id: int) -> Style:
    style = db.session.get(Style, style_id, options=[selectinload(Style.colours).selectinload(Colour.variants)])
    if style is None:
        raise NotFound("There is no such style.")
    return style


def get_colour(colour_id: int) -> Colour:
    colour = db.session.get(Colour, colour_id, options=[selectinload(Colour.variants)])
    if colour is None:
        raise NotFound("There is no such colour.")
    return colour


def _style_values(data: StyleInput) -> dict[str, Any]:
    if not 20 <= data.heel_height_mm <= 150:
        raise DomainError("Enter the heel height in millimetres, from 20 to 150.", field="heel_height_mm")
    return dict(name=data.name.strip(), tagline=data.tagline.strip(), description=data.description.strip(),
                facts=data.facts.strip(), heel_height_mm=data.heel_height_mm, material=data.material.strip(),
                care_notes=data.care_notes.strip(), trial_eligible=data.trial_eligible)


def _check_price(cents: int, field: str = "price") -> None:
    if not 0 < cents <= MAX_PRICE_CENTS:
        raise DomainError(f"Enter a price above $0 and up to {money(MAX_PRICE_CENTS)}.", field=field)


def add_style(data: StyleInput, price_cents: int, actor: Actor) -> Style:
    values = _style_values(data)
    _check_price(price_cents)
    slug = slugify(values["name"])
    if db.session.scalar(select(Style.id).where(Style.slug == slug)) is not None:
        raise DomainError("A style with this name exists already. Choose another name.", field="name")
    position = (db.session.scalar(select(func.max(Style.position))) or 0) + 1
    style = Style(slug=slug, price_cents=price_cents, hs_code=policy.STYLE_HS_CODE,
                  origin_country=policy.STYLE_ORIGIN_COUNTRY, position=position, **values)
    db.session.add(style)
    db.session.flush()
    record_audit(actor, "style.added", style.name, {"price_cents": price_cents, **values})
    bump_catalog_version()
    return style


def edit_style(style: Style, data: StyleInput, actor: Actor) -> None:
    values = _style_values(data)
    changed = {key: [getattr(style, key), value] for key, value in values.items() if getattr(style, key) != value}
    if not changed:
        return
    for key, (_, value) in changed.items():
        setattr(style, key, value)
    record_audit(actor, "style.edited", style.name, {"changed": changed})
    bump_catalog_version()


def change_price(style: Style, price_cents: int | None, actor: Actor, colour: Colour | None = None) -> bool:
    """A new price for the style, or for one colour of it (``price_cents`` None on a
    colour: back to the style's price). Carts follow; checkouts and orders do not.

    The one place a price changes: one ``price.changed`` entry with the price before
    and after and the actor, and none when the price is the same. Returns whether it
    changed."""
    if colour is None:
        if price_cents is None:
            raise DomainError("Enter the new price.", field="price")
        _check_price(price_cents)
        before: int | None = style.price_cents
        if before == price_cents:
            return False
        style.price_cents = price_cents
        subject = style.name
    else:
        if price_cents is not None:
            _check_price(price_cents)
        before = colour.price_cents
        if before == price_cents:
            return False
        colour.price_cents = price_cents
        subject = f"{style.name} in {colour.name}"
    record_audit(actor, "price.changed", subject, {"before_cents": before, "after_cents": price_cents})
    bump_catalog_version()
    return True


def set_hidden(subject: Style | Colour, hidden: bool, actor: Actor) -> None:
    if subject.hidden == hidden:
        return
    subject.hidden = hidden
    name = subject.name if isinstance(subject, Style) else f"{subject.style.name} in {subject.name}"
    kind = "style" if isinstance(subject, Style) else "colour"
    record_audit(actor, f"{kind}.{'hidden' if hidden else 'shown'}", name, {})
    bump_catalog_version()


@dataclass
class ColourInput:
    name: str
    hex: str
    price_cents: int | None = None  # None: the style's price


def _colour_values(data: ColourInput) -> dict[str, Any]:
    if not HEX.match(data.hex.strip()):
        raise DomainError("Enter the swatch colour as # and six hex digits, e.g. #1b1b1b.", field="hex")
    if data.price_cents is not None:
        _check_price(data.price_cents, "price")
    return dict(name=data.name.strip(), hex=data.hex.strip().lower(), price_cents=data.price_cents)


SKU_LENGTH = 40  # the column's width
SKU_DIGEST_LENGTH = 6  # hash characters ending a prefix that had to be cut or was taken


def _sku(prefix: str, halves: int, width: str) -> str:
    return f"{prefix}-{halves:02d}{width}"


def sku_prefix(style_slug: str, colour_slug: str, keys: list[tuple[int, str]]) -> str:
    """The part of a new colour's SKUs before the size: STYLE-COLOUR in capitals
    (CLASSIC-PUMP-BLACK, then -17M). When that is too long for the column, or one of
    the SKUs it makes is taken already ("A" in "B-C" and "A-B" in "C" meet), it is
    cut and ends with ``SKU_DIGEST_LENGTH`` characters of a hash of both slugs, so
    every SKU stays unique."""
    natural = f"{style_slug}-{colour_slug}".upper()
    room = SKU_LENGTH - len(_sku("", 0, "M"))
    if len(natural) <= room and not db.session.scalar(
            select(Variant.id).where(Variant.sku.in_([_sku(natural, *key) for key in keys])).limit(1)):
        return natural
    digest = hashlib.sha1(f"{style_slug}/{colour_slug}".encode()).hexdigest()[:SKU_DIGEST_LENGTH].upper()
    return f"{natural[:room - len(digest) - 1].rstrip('-')}-{digest}"


def _flush_or_discard(image: str, kept: bool) -> None:
    """Flush; if the database refuses, remove the picture file written for this change."""
    try:
        db.session.flush()
    except Exception:
        if kept:
            discard_picture(image)
        raise


def add_colour(style: Style, data: ColourInput, picture: CleanPicture | str, actor: Actor) -> Colour:
    """A new colour, offered in every size and width (stock 0: made to order until
    stock is received); staff untick what is not offered. ``picture`` is an upload,
    checked (``clean_picture``) and written only once the colour passed every check,
    or the name of a picture already there."""
    values = _colour_values(data)
    slug = slugify(values["name"])
    if any(c.slug == slug for c in style.colours):
        raise DomainError("This style has a colour of that name already.", field="name")
    if isinstance(picture, CleanPicture):  # every check passed: written now
        image, kept = keep_picture(picture), True
    else:
        image, kept = picture, False
    keys = [(halves, width) for halves in policy.SIZE_HALVES for width in policy.WIDTHS]
    prefix = sku_prefix(style.slug, slug, keys)
    colour = Colour(slug=slug, image=image, position=len(style.colours), **values)
    style.colours.append(colour)
    for halves, width in keys:
        colour.variants.append(Variant(size_halves=halves, width=width, stock=0, sku=_sku(prefix, halves, width)))
    _flush_or_discard(image, kept)
    record_audit(actor, "colour.added", f"{style.name} in {colour.name}", {**values, "image": image})
    bump_catalog_version()
    return colour


def edit_colour(colour: Colour, data: ColourInput, picture: CleanPicture | None, actor: Actor) -> None:
    """Save the colour's name, swatch and picture (one ``colour.edited`` entry with
    what changed) and its own price (through ``change_price``, its own entry). A new
    picture is written only once the rest passed its checks."""
    values = _colour_values(data)
    price_cents = values.pop("price_cents")
    if picture is not None:
        values["image"] = keep_picture(picture)
    changed = {key: [getattr(colour, key), value] for key, value in values.items() if getattr(colour, key) != value}
    for key, (_, value) in changed.items():
        setattr(colour, key, value)
    if picture is not None:
        _flush_or_discard(values["image"], kept=True)
    if changed:
        record_audit(actor, "colour.edited", f"{colour.style.name} in {colour.name}", {"changed": changed})
        bump_catalog_version()
    change_price(colour.style, price_cents, actor, colour=colour)


def set_sizes_offered(colour: Colour, offered: set[tuple[int, str]], actor: Actor) -> None:
    """Offer exactly the (size in halves, width) pairs in `offered`: others are hidden
    (their stock and ledger stay), new ones are added with no stock."""
    valid = {(halves, width) for halves in policy.SIZE_HALVES for width in policy.WIDTHS}
    if not offered <= valid:
        raise DomainError("Choose sizes from US 5 to 12 and widths narrow, medium or wide.", field="offered")
    if not offered:
        raise DomainError("Offer at least one size, or hide the colour instead.", field="offered")
    existing = {(v.size_halves, v.width): v for v in colour.variants}
    shown: list[str] = []
    hidden: list[str] = []
    for key, variant in existing.items():
        if variant.hidden == (key in offered):
            variant.hidden = key not in offered
            (hidden if variant.hidden else shown).append(variant.sku)
    added = sorted(offered - existing.keys())
    # New sizes take the colour's own prefix: the one its SKUs already have.
    prefix = (colour.variants[0].sku.rsplit("-", 1)[0] if colour.variants
              else sku_prefix(colour.style.slug, colour.slug, added))
    for halves, width in added:
        sku = _sku(prefix, halves, width)
        colour.variants.append(Variant(size_halves=halves, width=width, stock=0, sku=sku))
        shown.append(sku)
    if shown or hidden:
        db.session.flush()
        record_audit(actor, "sizes.changed", f"{colour.style.name} in {colour.name}",
                     {"offered": sorted(shown), "withdrawn": sorted(hidden)})
        bump_catalog_version()


@dataclass(frozen=True)
class LowStockRow:
    variant_id: int
    label: str
    stock: int


def low_stock(limit: int = 50) -> tuple[list[LowStockRow], int]:
    """Offered sizes of shown colours and styles with policy.LOW_STOCK_PAIRS pairs or
    fewer (fewest first), at most `limit` of them, and how many there are in all."""
    where = (Variant.stock <= policy.LOW_STOCK_PAIRS, Variant.hidden.is_(False), Colour.hidden.is_(False),
             Style.hidden.is_(False))
    joined = select(Variant).join(Colour, Variant.colour_id == Colour.id).join(Style, Colour.style_id == Style.id)
    total = db.session.scalar(select(func.count()).select_from(joined.where(*where).subquery())) or 0
    rows = db.session.execute(
        select(Variant.id, Style.name, Colour.name, Variant.size_halves, Variant.width, Variant.stock)
        .join(Colour, Variant.colour_id == Colour.id).join(Style, Colour.style_id == Style.id)
        .where(*where).order_by(Variant.stock, Style.position, Colour.position, Variant.size_halves, Variant.width)
        .limit(limit)
    )
    found = []
    for vid, style, colour, halves, width, stock in rows:
        whole, half = divmod(halves, 2)
        found.append(LowStockRow(vid, f"{style}, {colour}, {whole}{'½' if half else ''} {policy.WIDTHS[width]}",
                                 stock))
    return found, total
