"""What may be returned or exchanged, and why not: the rules in one place.

Each refusal names its rule in plain words, so the page can say it beside the pair:

- only delivered pairs (the delivery date opens the window);
- within ``policy.RETURN_WINDOW_DAYS`` days of delivery: the delivery day is day 0
  and the last day ends at 23:59:59 New York time (``calendar.return_window_closes_at``);
  the page shows the last day;
- not more than was delivered, less what earlier requests already sent back (a
  request refused at review gives its pairs back);
- made-to-order pairs keep the same right (``policy.MADE_TO_ORDER_RETURNABLE``);
- fit feedback alone is always welcome, window or not.

Worn pairs are refused at inspection, not here: only the pair itself can tell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.formatting import long_day
from ally_web.extensions import db
from ally_web.models import Order, OrderLine, ReturnAction, ReturnItem, ReturnRequest, ReturnState
from ally_web.services.pricing import calendar

# A request in one of these states no longer holds its pairs.
RELEASED = (ReturnState.REFUSED,)


@dataclass(frozen=True)
class Returnable:
    """One ordered line as the request page sees it."""

    line: OrderLine
    quantity: int  # how many of its pairs may still go back (0: none, see `why_not`)
    last_day: date | None  # the last day of its window, once delivered
    why_not: str = ""  # the rule that refuses it, in words ("" when it may go back)

    @property
    def open(self) -> bool:
        return self.quantity > 0


def _already_sent_back(line_ids: Iterable[int]) -> dict[int, int]:
    """Pairs of each line held by earlier requests (returns and exchanges)."""
    ids = list(line_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(ReturnItem.order_line_id, func.sum(ReturnItem.quantity))
        .join(ReturnRequest, ReturnRequest.id == ReturnItem.request_id)
        .where(ReturnItem.order_line_id.in_(ids), ReturnItem.action != ReturnAction.FEEDBACK,
               ReturnRequest.state.not_in(RELEASED))
        .group_by(ReturnItem.order_line_id)
    ).all()
    return {line_id: int(total) for line_id, total in rows}


def returnable_lines(order: Order, now: datetime | None = None) -> list[Returnable]:
    """Every line of ``order``, with how many pairs may go back and, if none, why."""
    now = now or clock.now()
    taken = _already_sent_back(line.id for line in order.lines)
    out = []
    for line in order.lines:
        shipment = line.shipment
        if order.cancelled:
            out.append(Returnable(line, 0, None, "This order was cancelled and refunded."))
            continue
        if line.made_to_order and not policy.MADE_TO_ORDER_RETURNABLE:
            out.append(Returnable(line, 0, None, "Made-to-order pairs are final sale."))
            continue
        if shipment is None or shipment.delivered_at is None:
            out.append(Returnable(line, 0, None, "This pair hasn't been delivered yet. Once it is, you have "
                                                 f"{policy.RETURN_WINDOW_DAYS} days to return or exchange it."))
            continue
        delivered_on = clock.to_store_time(shipment.delivered_at).date()
        closes = calendar.return_window_closes_at(delivered_on)
        last_day = closes.date()
        if now > closes:
            out.append(Returnable(line, 0, last_day, f"The {policy.RETURN_WINDOW_DAYS}-day window for this pair "
                                                     f"closed on {long_day(last_day)}."))
            continue
        left = line.quantity - taken.get(line.id, 0)
        if left <= 0:
            out.append(Returnable(line, 0, last_day, "This pair is already on its way back with an earlier request."))
            continue
        out.append(Returnable(line, left, last_day))
    return out


@dataclass(frozen=True)
class Choice:
    """What the customer asks for one line."""

    line_id: int
    quantity: int
    action: ReturnAction


def check_choices(order: Order, choices: Iterable[Choice], now: datetime | None = None) -> dict[int, str]:
    """Refusals by line id (empty when every choice may go ahead). Feedback alone is
    never refused; a return or exchange must fit its line's rules."""
    lines = {r.line.id: r for r in returnable_lines(order, now)}
    refused: dict[int, str] = {}
    for choice in choices:
        allowed = lines.get(choice.line_id)
        if allowed is None:
            refused[choice.line_id] = "That pair is not part of this order."
        elif choice.action is ReturnAction.FEEDBACK:
            continue
        elif not allowed.open:
            refused[choice.line_id] = allowed.why_not
        elif not 0 < choice.quantity <= allowed.quantity:
            refused[choice.line_id] = (f"You can send back up to {allowed.quantity} "
                                       f"pair{'s' if allowed.quantity != 1 else ''} of this line.")
    return refused
