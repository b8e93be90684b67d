"""Stock on the shelf: taken when an order is placed, put back when it is not.

Both go through conditional UPDATEs on the variant's count (``stock >= n``), so two
shoppers racing for the last pair cannot both get it, on PostgreSQL and on SQLite
alike, and nothing reads a count to write it back later.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import CursorResult, update

from ally_web.extensions import db
from ally_web.models import Variant

Pairs = Iterable[tuple[int, int]]  # (variant id, quantity)


def put_back(pairs: Pairs) -> None:
    """Return pairs to the shelf (a cancelled order, a sale that fell through)."""
    for variant_id, quantity in pairs:
        db.session.execute(update(Variant).where(Variant.id == variant_id).values(stock=Variant.stock + quantity))


def take_stock(pairs: Pairs) -> tuple[list[tuple[int, int]], int | None]:
    """Take every pair off the shelf, or none: returns (what was taken, None), or on
    the first shortage puts back what it took and returns ([], the short variant's id)."""
    taken: list[tuple[int, int]] = []
    for variant_id, quantity in pairs:
        result: CursorResult = db.session.execute(  # type: ignore[assignment]
            update(Variant)
            .where(Variant.id == variant_id, Variant.stock >= quantity)
            .values(stock=Variant.stock - quantity)
        )
        if result.rowcount != 1:
            put_back(taken)
            return [], variant_id
        taken.append((variant_id, quantity))
    return taken, None
