"""Counting days: business days, delivery promises and windows.

Every date the site promises is computed here, from the numbers in ``policy``, so the
pages, the emails and the order records all count the same way. Policy values are read
at call time (``policy.X``), never copied, so a change to policy (or a test's
monkeypatch) takes effect everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

import holidays

from ally_web import policy
from ally_web.core.clock import store_tz, to_store_time
from ally_web.policy import DayRange

__all__ = [
    "Promise",
    "add_business_days",
    "in_stock_promise",
    "is_business_day",
    "made_to_order_promise",
    "made_to_order_notices",
    "made_to_order_ships_by",
    "next_business_day",
    "order_day",
    "return_window_closes_at",
    "trial_size_exchange_closes_at",
    "trial_window_closes_at",
    "window_closes_at",
]

# --- Business days ----------------------------------------------------------------


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[date]:
    """US federal holidays (with observed days) for one year, built once per year.

    Carriers and the warehouse close on these, so no shipping day may fall on one.
    """
    found = holidays.country_holidays("US", years=year, categories=(holidays.PUBLIC,))
    return frozenset(found)


def is_business_day(d: date) -> bool:
    """True on weekdays that are not US federal holidays (the days parcels move)."""
    if isinstance(d, datetime):
        d = d.date()
    return d.weekday() < 5 and d not in _federal_holidays(d.year)


def add_business_days(d: date, n: int) -> date:
    """Return the n-th business day after ``d``; ``n == 0`` returns ``d`` unchanged.

    ``d`` itself never counts, so "ships in 1 business day" from a Friday is Monday.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if isinstance(d, datetime):
        d = d.date()
    return _add_business_days(d, n)


@lru_cache(maxsize=4096)
def _add_business_days(d: date, n: int) -> date:
    """Kept per day and count: every product page and cart asks the same few each day."""
    current = d
    remaining = n
    while remaining:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def order_day(placed_at: datetime) -> date:
    """The business day an order counts from.

    Orders placed on a business day before ``policy.ORDER_DAY_CUTOFF`` (store time)
    count from that day; later orders, and weekend or holiday orders, count from the
    next business day.
    """
    local = to_store_time(placed_at)
    day = local.date()
    if is_business_day(day) and local.time() < policy.ORDER_DAY_CUTOFF:
        return day
    return add_business_days(day, 1)


# --- Promises ---------------------------------------------------------------------


@dataclass(frozen=True)
class Promise:
    """The dates we tell a customer: a shipping window and an arrival window."""

    ships_from: date
    ships_by: date
    arrives_from: date
    arrives_by: date


def in_stock_promise(
    placed_at: datetime,
    ships: DayRange | None = None,
    transit: DayRange | None = None,
) -> Promise:
    """Shipping and arrival windows for an in-stock order placed at ``placed_at``.

    Ships ``ships.low``–``ships.high`` business days after the order day; arrives
    ``transit.low`` business days after the earliest ship date up to ``transit.high``
    after the latest, so the window is honest at both ends.
    """
    ships = ships if ships is not None else policy.IN_STOCK_SHIPS
    transit = transit if transit is not None else policy.IN_STOCK_TRANSIT
    start = order_day(placed_at)
    ships_from = add_business_days(start, ships.low)
    ships_by = add_business_days(start, ships.high)
    return Promise(
        ships_from=ships_from,
        ships_by=ships_by,
        arrives_from=add_business_days(ships_from, transit.low),
        arrives_by=add_business_days(ships_by, transit.high),
    )


def next_business_day(d: date) -> date:
    """``d`` itself when it is a business day, else the first business day after it."""
    if isinstance(d, datetime):
        d = d.date()
    return d if is_business_day(d) else add_business_days(d, 1)


def made_to_order_ships_by(fit_confirmed_on: date, notice_extra_days: int = 0) -> date:
    """The ship date for a made-to-order pair.

    Production runs ``policy.MADE_TO_ORDER_PRODUCTION_DAYS`` calendar days (the
    workshop does not stop for weekends) plus any extra days we have given notice of.
    Parcels only leave on business days, so a date on a weekend or US federal
    holiday moves to the next business day.
    """
    finished = fit_confirmed_on + timedelta(
        days=policy.MADE_TO_ORDER_PRODUCTION_DAYS + notice_extra_days
    )
    return next_business_day(finished)


class NoticeDates(Protocol):
    """A lead-time notice as the calendar sees it: its dates and its extra days."""

    @property
    def starts_on(self) -> date | None: ...
    @property
    def ends_on(self) -> date | None: ...
    @property
    def extra_days(self) -> int: ...


N = TypeVar("N", bound=NoticeDates)


def made_to_order_notices(production_starts: date, notices: Iterable[N]) -> tuple[N, ...]:
    """The lead-time notices that count for a pair whose production starts on
    ``production_starts``: every notice whose dates overlap the production period.

    The period runs ``policy.MADE_TO_ORDER_PRODUCTION_DAYS`` calendar days from the
    start, lengthened by the extra days of the notices counted so far, so a notice
    that begins inside a lengthened period counts too. Each notice counts once. A
    notice without dates counts always.
    """
    pending = list(notices)
    counted: list[N] = []
    while True:
        extra = sum(n.extra_days for n in counted)
        ends = production_starts + timedelta(days=policy.MADE_TO_ORDER_PRODUCTION_DAYS + extra)
        found = [
            n for n in pending
            if (n.starts_on is None or n.starts_on <= ends)
            and (n.ends_on is None or n.ends_on >= production_starts)
        ]
        if not found:
            return tuple(counted)
        counted.extend(found)
        pending = [n for n in pending if n not in found]


def made_to_order_promise(
    fit_confirmed_on: date,
    notice_extra_days: int = 0,
    transit: DayRange | None = None,
) -> Promise:
    """Promise for a made-to-order pair: one ship date, then in-stock transit times."""
    transit = transit if transit is not None else policy.IN_STOCK_TRANSIT
    ships = made_to_order_ships_by(fit_confirmed_on, notice_extra_days)
    return Promise(
        ships_from=ships,
        ships_by=ships,
        arrives_from=add_business_days(ships, transit.low),
        arrives_by=add_business_days(ships, transit.high),
    )


# --- Windows ----------------------------------------------------------------------

_END_OF_DAY = time(23, 59, 59)


def window_closes_at(delivered_on: date, days: int) -> datetime:
    """The last moment of a window ``days`` calendar days long (delivery day is day 0).

    It closes at 23:59:59 store time so "14 days" means the whole of the 14th day
    in New York, whatever the customer's own time zone.
    """
    if isinstance(delivered_on, datetime):
        delivered_on = to_store_time(delivered_on).date()
    last_day = delivered_on + timedelta(days=days)
    return datetime.combine(last_day, _END_OF_DAY, tzinfo=store_tz())


def return_window_closes_at(delivered_on: date) -> datetime:
    """When a return may no longer be started (``policy.RETURN_WINDOW_DAYS``)."""
    return window_closes_at(delivered_on, policy.RETURN_WINDOW_DAYS)


def trial_window_closes_at(delivered_on: date) -> datetime:
    """When the at-home trial ends (``policy.TRIAL_WINDOW_DAYS`` full days from delivery)."""
    return window_closes_at(delivered_on, policy.TRIAL_WINDOW_DAYS)


def trial_size_exchange_closes_at(delivered_at: datetime) -> datetime:
    """Deadline to swap a trial size: ``policy.TRIAL_SIZE_EXCHANGE_HOURS`` after delivery.

    Counted in elapsed hours, in store time, so a DST change does not stretch it.
    """
    local = to_store_time(delivered_at)
    deadline_utc = local.astimezone(ZoneInfo("UTC")) + timedelta(
        hours=policy.TRIAL_SIZE_EXCHANGE_HOURS
    )
    return deadline_utc.astimezone(store_tz())
