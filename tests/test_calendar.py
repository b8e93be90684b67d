"""Tests for ally_web.services.pricing.calendar: the store clock, business days and promises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ally_web import policy
from ally_web.core import clock
from ally_web.policy import DayRange
from ally_web.services.pricing import calendar as cal

NY = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _real_clock():
    clock.unfreeze()
    yield
    clock.unfreeze()


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


# --- Business days ----------------------------------------------------------------


def test_weekends_and_federal_holidays_are_not_business_days():
    assert cal.is_business_day(date(2026, 11, 25))  # Wednesday
    assert not cal.is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert not cal.is_business_day(date(2026, 11, 28))  # Saturday
    assert not cal.is_business_day(date(2026, 11, 29))  # Sunday
    assert not cal.is_business_day(date(2026, 12, 25))  # Christmas
    assert not cal.is_business_day(date(2026, 7, 3))  # Independence Day observed
    assert not cal.is_business_day(date(2027, 12, 31))  # New Year's 2028 observed


def test_add_business_days():
    assert cal.add_business_days(date(2026, 11, 25), 0) == date(2026, 11, 25)
    assert cal.add_business_days(date(2026, 11, 28), 0) == date(2026, 11, 28)
    assert cal.add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert cal.add_business_days(date(2026, 11, 27), 1) == date(2026, 11, 30)
    assert cal.add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    with pytest.raises(ValueError):
        cal.add_business_days(date(2026, 11, 25), -1)


# --- Order day --------------------------------------------------------------------


def test_order_before_cutoff_counts_same_day():
    assert cal.order_day(ny(2026, 11, 25, 10, 0)) == date(2026, 11, 25)
    assert cal.order_day(ny(2026, 11, 25, 13, 59, 59)) == date(2026, 11, 25)


def test_order_at_or_after_cutoff_counts_next_business_day():
    assert cal.order_day(ny(2026, 11, 24, 14, 0)) == date(2026, 11, 25)
    assert cal.order_day(ny(2026, 11, 24, 23, 30)) == date(2026, 11, 25)


def test_order_on_saturday_counts_monday():
    assert cal.order_day(ny(2026, 11, 28, 9, 0)) == date(2026, 11, 30)
    assert cal.order_day(ny(2026, 11, 29, 16, 0)) == date(2026, 11, 30)


def test_order_after_cutoff_before_holiday_skips_holiday():
    # Wed 25 after 14:00 -> Thu 26 is Thanksgiving -> Fri 27.
    assert cal.order_day(ny(2026, 11, 25, 14, 0)) == date(2026, 11, 27)
    # Order placed on the holiday itself also counts from the next business day.
    assert cal.order_day(ny(2026, 11, 26, 9, 0)) == date(2026, 11, 27)


def test_aware_utc_is_converted_to_new_york_before_cutoff():
    utc = UTC
    # 18:30 UTC = 13:30 EST -> same day.
    assert cal.order_day(datetime(2026, 11, 25, 18, 30, tzinfo=utc)) == date(2026, 11, 25)
    # 19:30 UTC = 14:30 EST -> next business day (Thanksgiving skipped).
    assert cal.order_day(datetime(2026, 11, 25, 19, 30, tzinfo=utc)) == date(2026, 11, 27)
    # 02:00 UTC on the 26th is still the 25th in New York.
    assert cal.order_day(datetime(2026, 11, 26, 2, 0, tzinfo=utc)) == date(2026, 11, 27)


def test_naive_datetime_is_store_time():
    assert cal.order_day(datetime(2026, 11, 25, 13, 30)) == date(2026, 11, 25)
    assert cal.order_day(datetime(2026, 11, 25, 14, 30)) == date(2026, 11, 27)


# --- In-stock promise -------------------------------------------------------------


def test_in_stock_promise_thanksgiving_worked_example():
    placed = ny(2026, 11, 25, 10, 0)
    assert cal.order_day(placed) == date(2026, 11, 25)
    promise = cal.in_stock_promise(placed)
    assert promise == cal.Promise(
        ships_from=date(2026, 11, 27),
        ships_by=date(2026, 11, 30),
        arrives_from=date(2026, 12, 2),
        arrives_by=date(2026, 12, 7),
    )


def test_in_stock_promise_explicit_ranges():
    promise = cal.in_stock_promise(
        ny(2026, 11, 25, 10, 0), ships=DayRange(0, 0), transit=DayRange(1, 1)
    )
    assert promise.ships_from == promise.ships_by == date(2026, 11, 25)
    assert promise.arrives_from == promise.arrives_by == date(2026, 11, 27)


def test_promise_is_frozen():
    promise = cal.in_stock_promise(ny(2026, 11, 25, 10, 0))
    with pytest.raises(AttributeError):
        promise.ships_by = date(2026, 1, 1)  # type: ignore[misc]


def test_monkeypatched_policy_changes_promise(monkeypatch):
    placed = ny(2026, 11, 25, 10, 0)
    monkeypatch.setattr(policy, "IN_STOCK_SHIPS", DayRange(3, 4))
    promise = cal.in_stock_promise(placed)
    # 25 -> (26 holiday) 27, 30, Dec 1, Dec 2
    assert promise.ships_from == date(2026, 12, 1)
    assert promise.ships_by == date(2026, 12, 2)
    monkeypatch.setattr(policy, "IN_STOCK_TRANSIT", DayRange(1, 1))
    assert cal.in_stock_promise(placed).arrives_by == date(2026, 12, 3)


def test_monkeypatched_cutoff_changes_order_day(monkeypatch):
    monkeypatch.setattr(policy, "ORDER_DAY_CUTOFF", time(9, 0))
    assert cal.order_day(ny(2026, 11, 25, 10, 0)) == date(2026, 11, 27)


# --- Made to order ----------------------------------------------------------------


def test_made_to_order_ships_by():
    assert cal.made_to_order_ships_by(date(2026, 12, 1)) == date(2026, 12, 15)
    # Dec 1 + 14 + 10 = Fri Dec 25, Christmas: it ships the next business day.
    assert cal.made_to_order_ships_by(date(2026, 12, 1), 10) == date(2026, 12, 28)


def test_made_to_order_ships_by_moves_off_a_holiday_worked_example():
    # Ordered Fri 2026-12-11 10:00, size known: Dec 11 + 14 = Fri Dec 25 → Mon Dec 28.
    start = cal.order_day(ny(2026, 12, 11, 10, 0))
    assert start == date(2026, 12, 11)
    assert cal.made_to_order_ships_by(start) == date(2026, 12, 28)
    assert cal.made_to_order_promise(start).ships_by == date(2026, 12, 28)


def test_made_to_order_ships_by_moves_off_a_weekend():
    # Nov 28 + 14 = Sat Dec 12 → Mon Dec 14; Nov 29 + 14 = Sun Dec 13 → Mon Dec 14.
    assert cal.made_to_order_ships_by(date(2026, 11, 28)) == date(2026, 12, 14)
    assert cal.made_to_order_ships_by(date(2026, 11, 29)) == date(2026, 12, 14)


@dataclass(frozen=True)
class Notice:
    starts_on: date
    ends_on: date
    extra_days: int


LUNAR_NEW_YEAR = Notice(date(2027, 1, 25), date(2027, 2, 20), 10)


def test_notice_counts_when_it_overlaps_the_production_period_worked_example():
    # Ordered Wed 2027-01-20 10:00: production Jan 20 – Feb 3 overlaps Jan 25 – Feb 20,
    # so + 10 days = Sat Feb 13, which moves past Presidents' Day (Mon Feb 15) to Tue Feb 16.
    start = cal.order_day(ny(2027, 1, 20, 10, 0))
    counted = cal.made_to_order_notices(start, [LUNAR_NEW_YEAR])
    assert counted == (LUNAR_NEW_YEAR,)
    assert cal.made_to_order_ships_by(start, sum(n.extra_days for n in counted)) == date(2027, 2, 16)


def test_notice_outside_the_production_period_does_not_count():
    assert cal.made_to_order_notices(date(2027, 1, 5), [LUNAR_NEW_YEAR]) == ()  # ends Jan 19
    assert cal.made_to_order_notices(date(2027, 2, 21), [LUNAR_NEW_YEAR]) == ()  # after it ended
    assert cal.made_to_order_notices(date(2027, 1, 11), [LUNAR_NEW_YEAR]) == (LUNAR_NEW_YEAR,)  # ends Jan 25


def test_a_notice_inside_the_lengthened_period_counts_too():
    first = Notice(date(2027, 3, 1), date(2027, 3, 5), 10)
    second = Notice(date(2027, 3, 20), date(2027, 3, 25), 3)  # after day 14, inside day 24
    assert cal.made_to_order_notices(date(2027, 3, 1), [second, first]) == (first, second)


def test_next_business_day():
    assert cal.next_business_day(date(2026, 12, 24)) == date(2026, 12, 24)
    assert cal.next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)


def test_made_to_order_promise():
    promise = cal.made_to_order_promise(date(2026, 12, 1))
    assert promise.ships_from == promise.ships_by == date(2026, 12, 15)
    assert promise.arrives_from == date(2026, 12, 18)  # Tue 15 + 3
    assert promise.arrives_by == date(2026, 12, 22)  # Tue 15 + 5
    # Would ship on Christmas: ships Mon Dec 28 instead, and transit skips Jan 1.
    late = cal.made_to_order_promise(date(2026, 12, 1), notice_extra_days=10)
    assert late.ships_from == late.ships_by == date(2026, 12, 28)
    assert late.arrives_from == date(2026, 12, 31)
    assert late.arrives_by == date(2027, 1, 5)  # Jan 1 is a holiday


# --- Windows ----------------------------------------------------------------------


def test_return_window_closes_two_weeks_after_delivery():
    closes = cal.return_window_closes_at(date(2026, 12, 7))
    assert closes == ny(2026, 12, 21, 23, 59, 59)
    assert closes.tzinfo is not None and closes.utcoffset() == timedelta(hours=-5)


def test_trial_window_closes_a_week_after_delivery():
    assert cal.trial_window_closes_at(date(2026, 12, 7)) == ny(2026, 12, 14, 23, 59, 59)


def test_window_day_zero_is_delivery_day():
    assert cal.window_closes_at(date(2026, 12, 7), 0) == ny(2026, 12, 7, 23, 59, 59)


def test_trial_size_exchange_closes_after_24_hours():
    delivered = ny(2026, 12, 7, 15, 30)
    assert cal.trial_size_exchange_closes_at(delivered) == ny(2026, 12, 8, 15, 30)
    # Given in UTC, answered in store time.
    utc = datetime(2026, 12, 7, 20, 30, tzinfo=UTC)
    result = cal.trial_size_exchange_closes_at(utc)
    assert result == ny(2026, 12, 8, 15, 30)
    assert result.tzinfo is not None and result.utcoffset() == timedelta(hours=-5)


# --- Clock ------------------------------------------------------------------------


def test_now_is_aware_store_time():
    current = clock.now()
    assert current.tzinfo is not None
    assert current.utcoffset() == datetime.now(NY).utcoffset()


def test_freeze_context_manager_round_trip():
    at = ny(2026, 11, 25, 10, 0)
    with clock.freeze(at) as frozen:
        assert frozen == at
        assert clock.now() == at
        assert clock.now() == at  # the clock does not move
        assert cal.order_day(clock.now()) == date(2026, 11, 25)
    assert clock.now() != at
    assert abs(clock.now() - datetime.now(NY)) < timedelta(minutes=1)


def test_freeze_plain_call_and_unfreeze():
    clock.freeze(ny(2026, 11, 25, 10, 0))
    assert clock.now() == ny(2026, 11, 25, 10, 0)
    clock.unfreeze()
    assert abs(clock.now() - datetime.now(NY)) < timedelta(minutes=1)


def test_freeze_naive_is_store_time_and_aware_is_converted():
    with clock.freeze(datetime(2026, 11, 25, 10, 0)):
        assert clock.now() == ny(2026, 11, 25, 10, 0)
        assert clock.now().tzinfo is not None
    with clock.freeze(datetime(2026, 11, 25, 15, 0, tzinfo=UTC)):
        current = clock.now()
        assert current == ny(2026, 11, 25, 10, 0)
        assert (current.hour, current.utcoffset()) == (10, timedelta(hours=-5))


def test_nested_freeze_restores_outer():
    outer = ny(2026, 1, 1, 9, 0)
    inner = ny(2026, 6, 1, 9, 0)
    with clock.freeze(outer):
        with clock.freeze(inner):
            assert clock.now() == inner
        assert clock.now() == outer
