"""The trial's window, as the customer reads it.

The window opens on the delivery date (day 0) and ends at 23:59:59 New York time on
delivery + ``policy.TRIAL_WINDOW_DAYS``: delivered Mon Dec 7 → decide by Mon Dec 14,
23:59:59; with no answer, the pairs are charged from Tue Dec 15. Another size may be
asked for until ``policy.TRIAL_SIZE_EXCHANGE_HOURS`` after the delivery scan's time.
When a size exchange sends new pairs, the window opens again on their delivery: the
customer gets the full days with the pairs they will decide on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ally_web.core import clock
from ally_web.models import TrialBox, TrialChargeKind, TrialPair, TrialState


@dataclass(frozen=True)
class Window:
    opened_on: date
    ends_at: datetime  # 23:59:59 New York time on the last day
    last_day: date
    charge_on: date  # the day after the last: an undecided box is charged then
    days_left: int  # whole days to decide, counting today; 0 once it has ended
    open: bool
    exchange_until: datetime | None
    exchange_open: bool


def window_of(box: TrialBox, now: datetime | None = None) -> Window | None:
    """The window of a delivered box (None before delivery)."""
    if box.delivered_at is None or box.window_ends_at is None:
        return None
    now = now or clock.now()
    ends = clock.to_store_time(box.window_ends_at)
    today = clock.to_store_time(now).date()
    is_open = now <= box.window_ends_at and box.state is TrialState.DELIVERED
    exchange_open = (box.state is TrialState.DELIVERED and box.exchange_until is not None
                     and now <= box.exchange_until and current_round(box) == 1)
    return Window(
        opened_on=clock.to_store_time(box.delivered_at).date(), ends_at=ends, last_day=ends.date(),
        charge_on=ends.date() + timedelta(days=1),
        days_left=max(0, (ends.date() - today).days + 1) if is_open else 0,
        open=is_open, exchange_until=clock.to_store_time(box.exchange_until) if box.exchange_until else None,
        exchange_open=exchange_open,
    )


def hours_left(box: TrialBox, now: datetime) -> int:
    """Whole hours until the window ends, rounded up (reminders are sent by these)."""
    if box.window_ends_at is None:
        return 0
    return max(0, math.ceil((box.window_ends_at - now).total_seconds() / 3600))


def current_round(box: TrialBox) -> int:
    """The round being curated or tried: one more than the rounds already shipped
    while the box is with the fitting team, else the latest round."""
    shipped = [p.round for p in box.pairs if p.line.shipment_id is not None]
    if box.state in (TrialState.REQUESTED, TrialState.CURATED, TrialState.EXCHANGE_REQUESTED):
        return max(shipped, default=0) + 1
    return max((p.round for p in box.pairs), default=1)


def keep_price(pair: TrialPair) -> int:
    """What keeping the pair costs: its retail price, or a sample's discounted price
    (``keep_cents`` holds whichever applies, set when the pair is chosen)."""
    return pair.keep_cents


def kept_total(pairs: list[TrialPair], choices: dict[int, str]) -> int:
    """The amount to be charged if the customer keeps what ``choices`` says."""
    return sum(keep_price(p) for p in pairs if choices.get(p.id) == "keep")


def retail_total(pairs: list[TrialPair]) -> int:
    """What an undecided box is charged: the retail price of every pair in it."""
    return sum(p.retail_cents for p in pairs)


def ended_unanswered(box: TrialBox) -> bool:
    """True once a box's window closed with no answer: every pair was charged at
    retail (the box keeps saying so after it is closed)."""
    return any(c.kind is TrialChargeKind.EXPIRED for c in box.charges)
