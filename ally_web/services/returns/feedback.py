"""What customers tell us about fit, gathered for the brand's size advice: returns,
exchanges and feedback alone, counted by style and size."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from ally_web.extensions import db
from ally_web.models import Order, OrderLine, ReturnItem, ReturnReason, ReturnRequest, ReturnState

# How a request reads on the customer's status page.
STATE_WORDS = {
    ReturnState.REQUESTED: "Received",
    ReturnState.IN_REVIEW: "With our team, who will ask for photos",
    ReturnState.APPROVED: "Approved",
    ReturnState.REFUSED: "Refused",
    ReturnState.LABEL_ISSUED: "Label ready, waiting for your parcel",
    ReturnState.AWAITING_TRACKING: "Waiting for your tracking number",
    ReturnState.IN_TRANSIT: "On its way to us",
    ReturnState.RECEIVED: "Arrived, being checked",
    ReturnState.INSPECTED: "Checked",
    ReturnState.CLOSED: "Done",
}


# Built once: the order's status page runs it on every poll.
_REQUESTS_OF = select(ReturnRequest).where(ReturnRequest.order_id == bindparam("order_id")).order_by(ReturnRequest.id)


def requests_for(order: Order) -> list[ReturnRequest]:
    """The order's requests, oldest first, for its status page."""
    return list(db.session.scalars(_REQUESTS_OF, {"order_id": order.id}))


@dataclass(frozen=True)
class SizeFeedback:
    style: str
    size_halves: int
    total: int
    reasons: dict[ReturnReason, int]

    def share(self, reason: ReturnReason) -> float:
        return self.reasons.get(reason, 0) / self.total if self.total else 0.0


def feedback_summary() -> list[SizeFeedback]:
    """Pairs with a reason, by style and ordered size (one query)."""
    rows = db.session.execute(
        select(OrderLine.style_name, OrderLine.size_halves, ReturnItem.reason, ReturnItem.quantity)
        .join(ReturnItem, ReturnItem.order_line_id == OrderLine.id)
        .where(ReturnItem.reason.is_not(None))
    ).all()
    grouped: dict[tuple[str, int], Counter[ReturnReason]] = defaultdict(Counter)
    for style, halves, reason, quantity in rows:
        if reason is not None:
            grouped[(style, halves)][reason] += quantity
    return [SizeFeedback(style, halves, sum(counts.values()), dict(counts))
            for (style, halves), counts in sorted(grouped.items())]
