"""The shopper's cart ("My Cart"), kept in the signed session cookie.

The session holds only variant ids, quantities, whether each line was in stock
when added and the price it was added at; prices and stock are read fresh on every
view, so the cart never shows a stale price, and when staff changed a price since,
the shopper is told once. A line is made-to-order whenever stock cannot cover it.
Hidden styles, colours and sizes are no longer sold: they leave the cart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field

from flask import session
from sqlalchemy import Row, bindparam, select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.errors import DomainError, NotFound
from ally_web.core.formatting import money
from ally_web.extensions import db
from ally_web.models import Colour, Style, Variant
from ally_web.models.catalog import SizedInHalves, unit_price_cents
from ally_web.services.catalog import MadeToOrderPlan, made_to_order_plan, upcoming_notices

SESSION_KEY = "cart"
MAX_LINES = 20  # keeps the cookie well under browsers' 4 KB limit

Store = MutableMapping


@dataclass(frozen=True)
class CartStyle:
    id: int
    slug: str
    name: str
    hidden: bool


@dataclass(frozen=True)
class CartColour:
    id: int
    slug: str
    name: str
    image: str
    hidden: bool
    unit_price_cents: int
    style: CartStyle


@dataclass(frozen=True)
class CartVariant(SizedInHalves):
    """A pair as the cart shows it, with its colour and style: read as plain columns
    in one query (loading them as three ORM objects cost more than the query itself),
    stock and price as fresh as the database."""

    id: int
    size_halves: int
    width: str
    stock: int
    hidden: bool
    colour: CartColour


@dataclass
class CartLine:
    variant: CartVariant
    quantity: int
    made_to_order: bool

    @property
    def style(self):
        return self.variant.colour.style

    @property
    def unit_price_cents(self) -> int:
        return self.variant.colour.unit_price_cents

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    made_to_order: MadeToOrderPlan | None = None  # both paths' dates, when a pair is made to order

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    @property
    def has_made_to_order(self) -> bool:
        return any(line.made_to_order for line in self.lines)

    @property
    def has_in_stock(self) -> bool:
        return any(not line.made_to_order for line in self.lines)


def _valid_line(key: object, value: object) -> bool:
    return (
        isinstance(key, str) and re.fullmatch(r"[0-9]{1,10}", key) is not None
        and isinstance(value, list) and len(value) in (2, 3)
        and type(value[0]) is int and 1 <= value[0] <= policy.CART_MAX_QUANTITY
        and isinstance(value[1], bool)
        and (len(value) == 2 or (type(value[2]) is int and 0 <= value[2] < 10**9))
    )


def _raw(store: Store) -> dict[str, list]:
    """{variant id: [quantity, was in stock when added, unit price then]}, minus
    anything malformed (a cart written by an older version of the site, say: one
    without the price is read as added at today's price)."""
    raw = store.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if _valid_line(k, v)}


def _save(store: Store, raw: dict[str, list]) -> None:
    store[SESSION_KEY] = raw
    if hasattr(store, "permanent"):
        store.permanent = True  # the cart outlives the browser window


def cart_count(store: Store | None = None) -> int:
    """Pairs in the cart, from the session alone (the header shows it on every page)."""
    raw = _raw(session if store is None else store)
    return sum(value[0] for value in raw.values())


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= policy.CART_MAX_QUANTITY:
        raise DomainError(
            f"Choose between 1 and {policy.CART_MAX_QUANTITY} pairs.", field="quantity"
        )


# Built once: every add to cart and every cart, checkout and summary page runs them.
# A cart of one pair (most carts) is read by its id: an IN list is rebuilt per run.
_VARIANTS, _COLOURS, _STYLES = Variant.__table__, Colour.__table__, Style.__table__
_CART_COLUMNS = (
    select(_VARIANTS.c.id, _VARIANTS.c.size_halves, _VARIANTS.c.width, _VARIANTS.c.stock, _VARIANTS.c.hidden,
           _COLOURS.c.id, _COLOURS.c.slug, _COLOURS.c.name, _COLOURS.c.image, _COLOURS.c.hidden,
           _COLOURS.c.price_cents, _STYLES.c.price_cents,
           _STYLES.c.id, _STYLES.c.slug, _STYLES.c.name, _STYLES.c.hidden)
    .join_from(_VARIANTS, _COLOURS, _VARIANTS.c.colour_id == _COLOURS.c.id)
    .join(_STYLES, _COLOURS.c.style_id == _STYLES.c.id)
)
_CART_VARIANT = _CART_COLUMNS.where(_VARIANTS.c.id == bindparam("id"))
_CART_VARIANTS = _CART_COLUMNS.where(_VARIANTS.c.id.in_(bindparam("ids", expanding=True)))


def _cart_variant(row: Row) -> CartVariant:
    (variant_id, size_halves, width, stock, hidden, colour_id, colour_slug, colour_name, image, colour_hidden,
     colour_price, style_price, style_id, style_slug, style_name, style_hidden) = row
    style = CartStyle(style_id, style_slug, style_name, style_hidden)
    colour = CartColour(colour_id, colour_slug, colour_name, image, colour_hidden,
                        unit_price_cents(colour_price, style_price), style)
    return CartVariant(variant_id, size_halves, width, stock, hidden, colour)


def _variant(variant_id: int) -> CartVariant:
    row = db.session.execute(_CART_VARIANT, {"id": variant_id}).first()
    if row is None:
        raise NotFound("That shoe is no longer available.", field="variant_id")
    return _cart_variant(row)


def add_to_cart(variant_id: int, quantity: int, store: Store | None = None) -> CartVariant:
    store = session if store is None else store
    _check_quantity(quantity)
    variant = _variant(variant_id)
    raw = _raw(store)
    key = str(variant_id)
    current = raw.get(key, [0, True])[0]
    if key not in raw and len(raw) >= MAX_LINES:
        raise DomainError(
            f"Your cart holds up to {MAX_LINES} different pairs. "
            "Please check out or remove one first.",
            field="quantity",
        )
    total = current + quantity
    if total > policy.CART_MAX_QUANTITY:
        raise DomainError(
            f"You already have {current} in your cart; the most is "
            f"{policy.CART_MAX_QUANTITY} of one size.",
            field="quantity",
        )
    raw[key] = [total, variant.stock >= total, variant.colour.unit_price_cents]
    _save(store, raw)
    return variant


def set_quantity(variant_id: int, quantity: int, store: Store | None = None) -> None:
    """Change a line's quantity; 0 removes it."""
    store = session if store is None else store
    raw = _raw(store)
    key = str(variant_id)
    if key not in raw:
        raise NotFound("That pair is not in your cart any more.", field="quantity")
    if quantity == 0:
        remove_from_cart(variant_id, store)
        return
    _check_quantity(quantity)
    raw[key] = [quantity, *raw[key][1:]]
    _save(store, raw)


def remove_from_cart(variant_id: int, store: Store | None = None) -> None:
    store = session if store is None else store
    raw = _raw(store)
    raw.pop(str(variant_id), None)
    _save(store, raw)


def load_cart(store: Store | None = None, already_read: Iterable[CartVariant] = ()) -> Cart:
    """The cart with fresh prices and stock (one query, whatever its size).

    Pairs that vanished from the catalog are dropped, and pairs that sold out since
    they were added become made-to-order; either way the shopper is told once.
    ``already_read``: pairs this request read a moment ago (the one just added), not
    read twice.
    """
    store = session if store is None else store
    raw = _raw(store)
    ids = [int(k) for k in raw]
    variants = {v.id: v for v in already_read}
    missing = [i for i in ids if i not in variants]
    if missing:
        rows = (db.session.execute(_CART_VARIANT, {"id": missing[0]}) if len(missing) == 1
                else db.session.execute(_CART_VARIANTS, {"ids": missing}))
        variants.update((v.id, v) for v in map(_cart_variant, rows))
    cart = Cart()
    changed = False
    for key, value in list(raw.items()):
        quantity, was_in_stock = value[0], value[1]
        variant = variants.get(int(key))
        if variant is None or variant.hidden or variant.colour.hidden or variant.colour.style.hidden:
            del raw[key]
            changed = True
            cart.notices.append("A pair in your cart is no longer sold, so we removed it.")
            continue
        price = variant.colour.unit_price_cents
        if len(value) == 3 and value[2] != price:
            raw[key] = [quantity, was_in_stock, price]
            changed = True
            cart.notices.append(
                f"The price of {variant.colour.style.name} in {variant.colour.name} changed from "
                f"{money(value[2])} to {money(price)} since you added it."
            )
        elif len(value) == 2:
            raw[key] = [quantity, was_in_stock, price]
            changed = True
        made_to_order = variant.stock < quantity
        if made_to_order and was_in_stock:
            raw[key] = [quantity, False, price]
            changed = True
            cart.notices.append(
                f"{variant.colour.style.name} in {variant.colour.name}, size "
                f"{variant.size_label} {policy.WIDTHS[variant.width]}, sold out since you "
                "added it. It can still be made to order for you, or you can remove it."
            )
        cart.lines.append(CartLine(variant, quantity, made_to_order))
    if changed:
        _save(store, raw)
    if cart.has_made_to_order:
        now = clock.now()
        cart.made_to_order = made_to_order_plan(now, upcoming_notices(now.date()))
    return cart


def clear_cart(store: Store | None = None) -> None:
    """Empty the cart once its pairs are ordered."""
    store = session if store is None else store
    store.pop(SESSION_KEY, None)
