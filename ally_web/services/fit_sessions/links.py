"""The address of a fit session page: the order's signed link, as emails carry it."""

from __future__ import annotations

from ally_web.models import Order
from ally_web.services import orders

ENDPOINT = "fit_session.show"


def fit_session_url(order: Order, external: bool = True) -> str:
    """The page where the customer books, moves or cancels the order's fit session
    (a link that lasts as long as an email's; outside a request, on PUBLIC_BASE_URL)."""
    return orders.status_url(order, orders.EMAIL, external=external, endpoint=ENDPOINT)
