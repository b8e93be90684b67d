"""Finding an order with only its email and number, without telling a stranger
which of the two was wrong."""

from __future__ import annotations

import hmac

from sqlalchemy import select

from ally_web.core.emails import canonical_email
from ally_web.extensions import db
from ally_web.models import Order
from ally_web.services.orders.numbers import normalize_order_number

NOT_FOUND = (
    "We couldn't find an order with that email and order number. Please check both "
    "against your confirmation email."
)


def find_order(email: str, number: str) -> Order | None:
    """The order only when both match. The same query runs and the same comparison is
    made whether the number exists or not, so answers and timing match."""
    wanted_number = normalize_order_number(number)[:20]
    wanted_email = canonical_email(email)[:254].encode()
    order = db.session.scalar(select(Order).where(Order.number == wanted_number))
    stored = order.email_canonical.encode() if order is not None else b"\x00" * len(wanted_email)
    if hmac.compare_digest(stored, wanted_email) and order is not None:
        return order
    return None
