"""Showing values the way the store writes them: money, days and moments in
American English, in New York time. Pages, emails and timelines share these."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency

from ally_web.core import clock

LOCALE = "en_US"
CURRENCY = "USD"  # every price is charged in US dollars


@lru_cache(maxsize=4096)
def money(cents: int) -> str:
    """$295 for whole dollars, $12.50 otherwise."""
    amount = cents / 100
    if cents % 100 == 0:
        return format_currency(amount, CURRENCY, format="¤#,##0", locale=LOCALE, currency_digits=False)
    return format_currency(amount, CURRENCY, locale=LOCALE)


def day(value: date) -> str:
    """Wed, Dec 2."""
    return format_date(value, "EEE, MMM d", locale=LOCALE)


def long_day(value: date) -> str:
    """Wednesday, December 2, 2026."""
    return format_date(value, "EEEE, MMMM d, y", locale=LOCALE)


def moment(value: datetime) -> str:
    """Dec 2, 2026, 3:05 PM (store time)."""
    return format_datetime(
        clock.to_store_time(value), "MMM d, y, h:mm a", tzinfo=clock.store_tz(), locale=LOCALE
    )


def card(brand: str | None, last4: str | None) -> str:
    """How a card is named in a sentence: "Visa ending 4242", "card ending 4242"."""
    name = (brand or "").capitalize() or "card"
    return f"{name} ending {last4}" if last4 else name
