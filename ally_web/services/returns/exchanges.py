"""Exchanges: the same style and colour in another size or width.

The page offers first the size the reason points to (too small → half a size up, too
big or a slipping heel → half a size down, too narrow or pinching → one width wider,
too wide → one width narrower), then every size the colour is made in, each saying
whether it is in stock or made to order (``policy.MADE_TO_ORDER_PRODUCTION_DAYS``
days, the size now known). Once the returned pair is accepted, the new pair joins the
order at no charge: from the shelf, ready for its box, or into production at once,
and the new size becomes the customer's size on file.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.formatting import size
from ally_web.extensions import db
from ally_web.models import (
    Customer,
    MadeToOrderPath,
    MadeToOrderState,
    MovementReason,
    OrderLine,
    ReturnItem,
    ReturnReason,
    Variant,
)
from ally_web.services.catalog import take_stock
from ally_web.services.lifecycle import transition
from ally_web.services.made_to_order import due_date, set_due_date
from ally_web.services.orders.states import MADE_TO_ORDER, record_production_started
from ally_web.services.pricing import calendar

# (half sizes, widths) each reason points to.
POINTS_TO = {
    ReturnReason.TOO_SMALL: (1, 0),
    ReturnReason.TOO_BIG: (-1, 0),
    ReturnReason.HEEL_SLIPS: (-1, 0),
    ReturnReason.TOO_NARROW: (0, 1),
    ReturnReason.PINCHES_TOE: (0, 1),
    ReturnReason.TOO_WIDE: (0, -1),
}
_WIDTHS = tuple(policy.WIDTHS)


@dataclass(frozen=True)
class Option:
    size_halves: int
    width: str
    in_stock: bool

    @property
    def value(self) -> str:
        return f"{self.size_halves}-{self.width}"

    @property
    def label(self) -> str:
        weeks = policy.MADE_TO_ORDER_PRODUCTION_DAYS // 7
        when = "in stock" if self.in_stock else f"made to order, about {weeks} weeks"
        return f"US {size(self.size_halves)} {policy.WIDTHS[self.width]}: {when}"


def exchange_options(line: OrderLine, reason: str | None) -> list[Option]:
    """Every other size the line's colour is made in; the one the reason points to first."""
    colour_id = db.session.scalar(select(Variant.colour_id).where(Variant.id == line.variant_id))
    variants = db.session.scalars(select(Variant).where(
        Variant.colour_id == colour_id, Variant.hidden.is_(False)).order_by(Variant.size_halves, Variant.width))
    options = [Option(v.size_halves, v.width, v.stock > 0) for v in variants
               if (v.size_halves, v.width) != (line.size_halves, line.width)]
    wanted = suggested(line, reason)
    return sorted(options, key=lambda o: ((o.size_halves, o.width) != wanted,))


def suggested(line: OrderLine, reason: str | None) -> tuple[int, str] | None:
    try:
        move = POINTS_TO.get(ReturnReason(reason or ""))
    except ValueError:
        return None
    if move is None:
        return None
    width_at = _WIDTHS.index(line.width) if line.width in _WIDTHS else 1
    width = _WIDTHS[max(0, min(len(_WIDTHS) - 1, width_at + move[1]))]
    return line.size_halves + move[0], width


def parse_option(raw: str) -> tuple[int, str] | None:
    halves, _, width = (raw or "").partition("-")
    if not halves.isdigit() or len(halves) > 2 or width not in policy.WIDTHS:
        return None
    return int(halves), width


def exchange_variant(line: OrderLine, size_halves: int, width: str) -> Variant | None:
    colour_id = db.session.scalar(select(Variant.colour_id).where(Variant.id == line.variant_id))
    return db.session.scalar(select(Variant).where(
        Variant.colour_id == colour_id, Variant.size_halves == size_halves, Variant.width == width,
        Variant.hidden.is_(False)))


def send_replacement(item: ReturnItem, actor: Actor) -> OrderLine:
    """The new pair for an accepted exchange: a line of the same order at no charge."""
    old = item.line
    order = old.order
    assert item.exchange_size_halves is not None and item.exchange_width is not None
    variant = exchange_variant(old, item.exchange_size_halves, item.exchange_width)
    if variant is None:  # hidden since the request: the same size, made to order
        variant = db.session.get_one(Variant, old.variant_id)
        item.reserved = False
    moment = clock.now()
    short = None
    if not item.reserved:  # held since the request, or taken now if the shelf has it
        _, short = take_stock([(variant.id, item.quantity)], actor=actor, reason=MovementReason.EXCHANGE_OUT,
                              note=f"Exchange on order #{order.number}")
    item.reserved = False
    line = OrderLine(variant_id=variant.id, sku=variant.sku, style_name=old.style_name,
                     colour_name=old.colour_name, size_halves=variant.size_halves, width=variant.width,
                     unit_price_cents=0, quantity=item.quantity, sales_tax_cents=0)
    order.lines.append(line)
    if short is None:
        promise = calendar.in_stock_promise(moment)
        line.ships_from, line.ships_by = promise.ships_from, promise.ships_by
        line.arrives_from, line.arrives_by = promise.arrives_from, promise.arrives_by
    else:
        line.made_to_order, line.mto_path = True, MadeToOrderPath.SIZE_KNOWN
        transition(line, MADE_TO_ORDER, MadeToOrderState.IN_PRODUCTION, actor=actor)
        due = due_date(line, clock.to_store_time(moment).date())
        set_due_date(line, due)
        db.session.flush()  # the line's id, for its timeline entry
        record_production_started(order, line, actor, moment)
    customer = db.session.get_one(Customer, order.customer_id)
    if not customer.size_known:  # a stylist's confirmed size stays; otherwise this one is theirs now
        customer.size_halves, customer.width, customer.size_confirmed_at = variant.size_halves, variant.width, moment
    db.session.flush()
    return line
