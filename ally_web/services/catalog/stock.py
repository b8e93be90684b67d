"""Stock on the shelf, and its ledger: the one place a variant's count changes.

Every change is a conditional UPDATE on the variant's count (``stock >= n`` to take
pairs, ``stock = <the count staff saw>`` to set a count) that returns the count it
left, and a ``StockMovement`` row with that count, the change, the reason and the
actor, in the same transaction. So two requests racing for the same variant (a
checkout taking the last pair while staff book a delivery) are applied one after the
other by the database, on PostgreSQL and on SQLite alike; neither is lost, nothing
reads a count to write it back later, and the ledger explains every count.

A transaction that changes several variants locks their rows first, in variant-id
order (``lock_stock``), and changes them in that order: two transactions touching the
same variants in different orders (a checkout of A and B, a count file of B and A)
then wait for each other instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CUSTOMER, SYSTEM, Actor
from ally_web.core.errors import DomainError, NotFound
from ally_web.core.pagination import PER_PAGE, Page, page_of
from ally_web.extensions import db
from ally_web.models import Colour, MovementReason, StockMovement, Variant
from ally_web.services.audit import record_audit

Pairs = Iterable[tuple[int, int]]  # (variant id, quantity)

# The movements staff book by hand, and which way each moves the count. A count
# correction is not here: it sets the count (``count_stock``).
STAFF_MOVES: dict[MovementReason, int] = {
    MovementReason.RECEIVED: +1,
    MovementReason.RETURNED: +1,
    MovementReason.TRIAL_IN: +1,
    MovementReason.DAMAGED: -1,
    MovementReason.TRIAL_OUT: -1,
}

# What puts back pairs a multi-pair take took before it fell short.
UNDO = {MovementReason.SOLD: MovementReason.SALE_UNDONE, MovementReason.EXCHANGE_OUT: MovementReason.EXCHANGE_IN}

REASON_LABELS = {
    MovementReason.RECEIVED: "Received from the factory",
    MovementReason.COUNT_CORRECTION: "Count correction",
    MovementReason.DAMAGED: "Damaged",
    MovementReason.RETURNED: "Returned to stock",
    MovementReason.TRIAL_OUT: "Trial stock out",
    MovementReason.TRIAL_IN: "Trial stock in",
    MovementReason.SOLD: "Sold",
    MovementReason.SALE_UNDONE: "Sale fell through",
    MovementReason.ORDER_CANCELLED: "Order cancelled",
    MovementReason.EXCHANGE_OUT: "Set aside for an exchange",
    MovementReason.EXCHANGE_IN: "Exchange pair released",
}


def _move(variant_id: int, change: int, reason: MovementReason, actor: Actor, note: str,
          *conditions) -> StockMovement | None:
    """Change the count if `conditions` hold; the ledger row, or None if they did not."""
    resulting = db.session.execute(
        update(Variant).where(Variant.id == variant_id, *conditions)
        .values(stock=Variant.stock + change).returning(Variant.stock)
    ).scalar_one_or_none()
    if resulting is None:
        return None
    movement = StockMovement(variant_id=variant_id, at=clock.now(), change=change, resulting=resulting,
                             reason=reason, note=note[:500])
    movement.actor = actor
    db.session.add(movement)
    return movement


def lock_stock(variant_ids: Iterable[int]) -> None:
    """Lock the variants' rows, in variant-id order, until the transaction ends; call
    before changing several variants in one transaction (on SQLite, where one writer
    at a time holds the whole database, there is nothing to lock)."""
    ids = sorted(set(variant_ids))
    if ids:
        db.session.execute(select(Variant.id).where(Variant.id.in_(ids)).order_by(Variant.id).with_for_update())


def _in_lock_order(pairs: Pairs) -> list[tuple[int, int]]:
    ordered = sorted(pairs)
    lock_stock(variant_id for variant_id, _ in ordered)
    return ordered


def put_back(pairs: Pairs, *, reason: MovementReason = MovementReason.SALE_UNDONE, actor: Actor = SYSTEM,
             note: str = "") -> None:
    """Return pairs to the shelf: a sale that fell through, a cancelled order
    (``ORDER_CANCELLED``), a customer's return once it is accepted (``RETURNED``)."""
    for variant_id, quantity in _in_lock_order(pairs):
        _move(variant_id, quantity, reason, actor, note)


def take_stock(pairs: Pairs, *, actor: Actor = CUSTOMER, note: str = "",
               reason: MovementReason = MovementReason.SOLD) -> tuple[list[tuple[int, int]], int | None]:
    """Take every pair off the shelf (sold, or ``reason``), or none: returns (what was
    taken, None), or on the first shortage (in variant-id order) puts back what it
    took and returns ([], the short variant's id)."""
    taken: list[tuple[int, int]] = []
    for variant_id, quantity in _in_lock_order(pairs):
        if _move(variant_id, -quantity, reason, actor, note, Variant.stock >= quantity) is None:
            put_back(taken, reason=UNDO[reason], actor=actor, note=f"{note} (not placed)" if note else "")
            return [], variant_id
        taken.append((variant_id, quantity))
    return taken, None


def take_for_trial(variant_id: int, *, actor: Actor, note: str = "") -> StockMovement | None:
    """Set one new pair aside for a trial box (``TRIAL_OUT``): the ledger row, or None
    when the shelf has none left (nothing is changed then)."""
    return _move(variant_id, -1, MovementReason.TRIAL_OUT, actor, note, Variant.stock >= 1)


def back_from_trial(variant_id: int, *, actor: Actor, note: str = "") -> StockMovement | None:
    """A trial pair set aside and not sent after all goes back on the shelf (``TRIAL_IN``)."""
    return _move(variant_id, +1, MovementReason.TRIAL_IN, actor, note)


def variant_label(variant: Variant) -> str:
    """"The Classic Pump, Almond, 8½ Medium (CLASSIC-PUMP-ALMOND-17M)": for the ledger and audit log."""
    colour = variant.colour
    return (f"{colour.style.name}, {colour.name}, {variant.size_label} {policy.WIDTHS[variant.width]} "
            f"({variant.sku})")


def get_variant(variant_id: int) -> Variant:
    variant = db.session.get(Variant, variant_id, options=[joinedload(Variant.colour).joinedload(Colour.style)])
    if variant is None:
        raise NotFound("There is no such size in the catalog.")
    return variant


def _check_note(note: str) -> str:
    note = note.strip()
    if len(note) > 500:
        raise DomainError("Keep the note under 500 characters.", field="note")
    return note


def move_stock(variant_id: int, reason: MovementReason | str, pairs: int, note: str, actor: Actor) -> StockMovement:
    """Staff book pairs in or out (a delivery, a damaged pair, trial stock…)."""
    variant = get_variant(variant_id)
    try:
        direction = STAFF_MOVES[MovementReason(reason)]
    except (ValueError, KeyError):
        raise DomainError("Choose why the stock changes.", field="reason") from None
    if not 1 <= pairs <= policy.STOCK_MOVEMENT_MAX:
        raise DomainError(f"Enter a number of pairs from 1 to {policy.STOCK_MOVEMENT_MAX}.", field="pairs")
    note = _check_note(note)
    change = direction * pairs
    movement = _move(variant.id, change, MovementReason(reason), actor, note, Variant.stock + change >= 0)
    if movement is None:
        db.session.refresh(variant)
        raise DomainError(f"Only {variant.stock} on the shelf, so {pairs} cannot come off it.", field="pairs")
    record_audit(actor, "stock.moved", variant_label(variant),
                 {"reason": movement.reason.value, "change": change, "resulting": movement.resulting, "note": note})
    return movement


def count_stock(variant_id: int, counted: int, seen: int, note: str, actor: Actor,
                *, audit: bool = True) -> StockMovement:
    """Staff counted the shelf: the count becomes `counted`, provided it is still the
    `seen` count they started from. If a sale or another movement changed it meanwhile,
    nothing is written and they are told the new count (their count may already
    include or miss that pair: only a person can tell)."""
    variant = get_variant(variant_id)
    if not 0 <= counted <= 100_000:
        raise DomainError("Enter the number of pairs counted, 0 or more.", field="counted")
    note = _check_note(note)
    movement = _move(variant.id, counted - seen, MovementReason.COUNT_CORRECTION, actor, note, Variant.stock == seen)
    if movement is None:
        db.session.refresh(variant)
        raise DomainError(f"The count changed from {seen} to {variant.stock} while you were counting "
                          "(a sale or another movement). Check the shelf and enter the count again.",
                          field="counted")
    if audit:
        record_audit(actor, "stock.counted", variant_label(variant),
                     {"before": seen, "counted": counted, "note": note})
    return movement


def stock_history(variant_id: int, requested_page: int, per_page: int = PER_PAGE) -> Page[StockMovement]:
    """A variant's ledger, newest first (two queries)."""
    total = db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.variant_id == variant_id)) or 0
    number, pages = page_of(total, requested_page, per_page)
    rows = db.session.scalars(
        select(StockMovement).where(StockMovement.variant_id == variant_id)
        .order_by(StockMovement.id.desc()).limit(per_page).offset((number - 1) * per_page)
    ).all()
    return Page(number=number, pages=pages, total=total, items=list(rows))


def ledger_explains(variant_id: int) -> bool:
    """Does the ledger add up to the count on the shelf? (For checks and tests.)"""
    total = db.session.scalar(select(func.coalesce(func.sum(StockMovement.change), 0))
                              .where(StockMovement.variant_id == variant_id))
    return total == db.session.scalar(select(Variant.stock).where(Variant.id == variant_id))
