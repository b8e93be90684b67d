"""Reading the catalog and working out what a chosen pair means for the shopper:
its price, whether it is in stock, and when it would arrive."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import selectinload

from ally_web import policy
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.models import Colour, LeadTimeNotice, Style, Variant
from ally_web.models.cache_versions import CATALOG, NOTICES, bump, bumped_here, current_version
from ally_web.models.catalog import SizedInHalves
from ally_web.services.catalog.made_to_order import (
    MadeToOrderPlan,
    NoticeCard,
    made_to_order_plan,
    notice_card,
)
from ally_web.services.pricing import calendar
from ally_web.services.pricing.calendar import Promise


def list_styles() -> list[Style]:
    """Every style shoppers may see, with its colours, in shop order (a fixed two
    queries). Hidden colours are left out of ``StyleCard``."""
    return list(
        db.session.scalars(
            select(Style).where(Style.hidden.is_(False))
            .options(selectinload(Style.colours)).order_by(Style.position, Style.id)
        )
    )


def catalog_version() -> int:
    """The number staff changes raise (one primary-key read)."""
    return current_version(db.session, CATALOG)


def bump_catalog_version() -> None:
    """Tell every app process that what shoppers see changed (in the caller's
    transaction, so it counts only if the change is committed)."""
    bump(db.session, CATALOG)


def _fresh_version(name: str) -> int:
    """The version of ``name`` (models/cache_versions.py) as this process knows it:
    read from the database at most every CATALOG_FRESH_SECONDS, and at once after
    this process itself bumped it."""
    seen = current_app.extensions.setdefault("ally_versions", {}).setdefault(name, {})
    now = time.monotonic()
    here = bumped_here(name)
    if seen.get("here") == here and seen["checked"] + current_app.config["CATALOG_FRESH_SECONDS"] > now:
        return seen["version"]
    seen.update(version=current_version(db.session, name), checked=now, here=here)
    return seen["version"]


@dataclass(frozen=True)
class ColourCard:
    id: int
    slug: str
    name: str
    hex: str
    image: str
    price_cents: int


@dataclass(frozen=True)
class StyleCard:
    """A style as the shop pages show it. It holds no stock, so it can be cached."""

    slug: str
    name: str
    tagline: str
    description: str
    price_cents: int
    trial_eligible: bool
    material: str
    heel_height_mm: int
    colours: tuple[ColourCard, ...]
    care_notes: str = ""
    facts: tuple[str, ...] = ()

    @classmethod
    def of(cls, style: Style) -> StyleCard:
        return cls(
            style.slug, style.name, style.tagline, style.description, style.price_cents,
            style.trial_eligible, style.material, style.heel_height_mm,
            tuple(ColourCard(c.id, c.slug, c.name, c.hex, c.image, c.unit_price_cents)
                  for c in style.colours if not c.hidden),
            style.care_notes, tuple(line.strip() for line in style.facts.splitlines() if line.strip()),
        )


def style_cards() -> tuple[StyleCard, ...]:
    """Every style for the shop pages, kept CATALOG_CACHE_SECONDS per process (0
    switches the cache off). Stock and delivery dates are never cached.

    Staff changes raise the catalog version in the database; a process compares it
    with the version its cards were built from (``_fresh_version``), so a new price
    or a hidden style shows on every process within seconds."""
    ttl = current_app.config["CATALOG_CACHE_SECONDS"]
    if not ttl:
        return _build_cards()
    cache = current_app.extensions.setdefault("ally_style_cards", {})
    now = time.monotonic()
    version = _fresh_version(CATALOG)
    if cache.get("until", 0) > now and cache.get("version") == version:
        return cache["cards"]
    cards = _build_cards()
    cache.update(cards=cards, until=now + ttl, version=version)
    return cards


def _build_cards() -> tuple[StyleCard, ...]:
    return tuple(card for card in map(StyleCard.of, list_styles()) if card.colours)  # all hidden: not sold


def get_style(slug: str) -> StyleCard | None:
    """One style with its colours, from the cached list (variants load one at a time)."""
    return next((card for card in style_cards() if card.slug == slug), None)


def notices_version() -> int:
    """The lead-time notices' version as this process knows it (``_fresh_version``):
    what a page that shows notices can be kept under."""
    return _fresh_version(NOTICES)


def _notices_version() -> int | None:
    """``notices_version()``; None when caching is off (CATALOG_CACHE_SECONDS = 0)."""
    return notices_version() if current_app.config["CATALOG_CACHE_SECONDS"] else None


def _per_day_cache(name: str, today: date, build):
    """`build()`'s result, kept per process for the store day and the notices'
    version: a notice added, edited or removed shows at once on this machine and
    within CATALOG_FRESH_SECONDS on the others."""
    version = _notices_version()
    if version is None:
        return build()
    cache = current_app.extensions.setdefault(name, {})
    key = (today, version)
    if cache.get("key") != key:
        cache.update(key=key, value=build())
    return cache["value"]


def todays_notice(today: date) -> NoticeCard | None:
    """The notice in force today, for the product pages (cached per day and version)."""
    def build() -> NoticeCard | None:
        found = active_notice(today)
        return notice_card(found) if found else None

    return _per_day_cache("ally_todays_notice", today, build)


def upcoming_notices(today: date) -> tuple[NoticeCard, ...]:
    """Every lead-time notice that has not ended by ``today`` (made-to-order dates
    look ahead), cached per day and version like todays_notice."""
    def build() -> tuple[NoticeCard, ...]:
        return tuple(
            notice_card(n) for n in db.session.scalars(
                select(LeadTimeNotice).where(LeadTimeNotice.ends_on >= today)
                .order_by(LeadTimeNotice.starts_on, LeadTimeNotice.id)
            )
        )

    return _per_day_cache("ally_upcoming_notices", today, build)


def active_notice(on: date) -> LeadTimeNotice | None:
    """The lead-time notice in force on `on`; the longest one if several overlap."""
    return db.session.scalar(
        select(LeadTimeNotice)
        .where(LeadTimeNotice.starts_on <= on, LeadTimeNotice.ends_on >= on)
        .order_by(LeadTimeNotice.extra_days.desc(), LeadTimeNotice.id)
        .limit(1)
    )


# --- Choosing a variant ---------------------------------------------------------


@dataclass(frozen=True)
class OfferedPair(SizedInHalves):
    """The variant a product page shows: read as a plain row, as fresh as the stock
    in the database (nothing for the session to track on a page that only reads)."""

    id: int
    size_halves: int
    width: str
    stock: int


@dataclass
class Choice:
    """What the shopper picked on a product page, checked against the style."""

    colour: ColourCard
    size_halves: int | None = None
    width: str = "M"
    variant: OfferedPair | None = None
    errors: dict[str, str] = field(default_factory=dict)


def parse_size(raw: str | None) -> int | None:
    """'8', '8.5', '8,5', '8½' or '8 1/2' → size in halves (17); None when not a size
    we make."""
    if raw is None:
        return None
    text = re.sub(r"\s*-?\s*1\s*/\s*2$", ".5", raw.strip()).replace("½", ".5").replace(",", ".").replace(" ", "")
    if not text or len(text) > 5:
        return None
    try:
        halves = float(text) * 2
    except ValueError:
        return None
    if not halves.is_integer():
        return None
    halves_int = int(halves)
    return halves_int if halves_int in policy.SIZE_HALVES else None


# Built once: the product page and its fragment look a variant up on every request,
# and building the statement cost as much as running it. Plain columns, not the
# object: the ORM's loading cost more than the query (63 against 27 µs).
_VARIANTS = Variant.__table__
_OFFERED_VARIANT = select(_VARIANTS.c.id, _VARIANTS.c.size_halves, _VARIANTS.c.width, _VARIANTS.c.stock).where(
    _VARIANTS.c.colour_id == bindparam("colour_id"),
    _VARIANTS.c.size_halves == bindparam("size_halves"),
    _VARIANTS.c.width == bindparam("width"),
    _VARIANTS.c.hidden.is_(False),
)


def choose_variant(style: StyleCard, colour: str | None, size: str | None, width: str | None) -> Choice:
    """Match the shopper's picks (URL or form values) to a variant of `style`."""
    colours = {c.slug: c for c in style.colours}
    choice = Choice(colour=style.colours[0])
    if colour:
        if colour in colours:
            choice.colour = colours[colour]
        else:
            choice.errors["colour"] = "Please choose one of the colours listed."
    if width:
        if width in policy.WIDTHS:
            choice.width = width
        else:
            choice.errors["width"] = "Please choose narrow, medium or wide."
    if size:
        choice.size_halves = parse_size(size)
        if choice.size_halves is None:
            choice.errors["size"] = "Please choose a US size from 5 to 12."
    if choice.size_halves is not None and not choice.errors:
        # Only the chosen pair is loaded: the picker lists sizes from policy.
        row = db.session.execute(_OFFERED_VARIANT, {
            "colour_id": choice.colour.id, "size_halves": choice.size_halves, "width": choice.width}).first()
        choice.variant = OfferedPair(*row) if row is not None else None
        if choice.variant is None:
            choice.errors["size"] = "This size is not offered in this colour."
    return choice


# --- Availability and delivery promises -----------------------------------------


@dataclass(frozen=True)
class Availability:
    in_stock: bool
    stock: int
    promise: Promise | None = None  # in stock
    made_to_order: MadeToOrderPlan | None = None  # no stock
    counts_from: date | None = None  # the order day, for an order placed now


def availability(variant: Variant | OfferedPair, at: datetime | None = None,
                 notices: NoticeCard | LeadTimeNotice | Sequence[NoticeCard | LeadTimeNotice] | None = None,
                 ) -> Availability:
    """Price aside, everything the shopper needs to decide on this pair now.

    `notices` are the lead-time notices to count (``upcoming_notices``; pass them in
    when you already have them, to keep the page's query count fixed).
    """
    at = at or clock.now()
    if variant.stock > 0:
        return Availability(True, variant.stock, promise=calendar.in_stock_promise(at),
                            counts_from=calendar.order_day(at))
    if notices is None:
        notices = ()
    elif isinstance(notices, (NoticeCard, LeadTimeNotice)):
        notices = (notices,)
    return Availability(False, 0, made_to_order=made_to_order_plan(at, notices),
                        counts_from=calendar.order_day(at))


@dataclass(frozen=True)
class StockRow:
    name: str
    pairs: int
    sold_out: int


def stock_summary() -> list[StockRow]:
    """Pairs on the shelf and sold-out variants per style, for staff (one query)."""
    rows = db.session.execute(
        select(
            Style.name,
            func.coalesce(func.sum(Variant.stock), 0),
            func.coalesce(func.sum(case((Variant.stock == 0, 1), else_=0)), 0),
        )
        .join(Colour, Colour.style_id == Style.id)
        .join(Variant, Variant.colour_id == Colour.id)
        .group_by(Style.id, Style.name, Style.position)
        .order_by(Style.position, Style.id)
    )
    return [StockRow(name, int(pairs), int(sold_out)) for name, pairs, sold_out in rows]
