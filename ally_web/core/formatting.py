"""Showing values the way the store writes them: money, days and moments in
American English, in New York time. Pages, emails and timelines share these."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, get_currency_symbol

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


HOME_COUNTRY = "US"


def money_in(cents: int, country: str | None) -> str:
    """Money as a shopper in ``country`` should read it: $295 at home, US$295 abroad
    (the amount is charged in US dollars either way)."""
    text = money(cents)
    return text if not country or country == HOME_COUNTRY else f"US{text}"


def local_money(amount: Decimal, currency: str) -> str:
    """A whole amount of a foreign currency: £232, CA$410, CHF 265."""
    symbol = get_currency_symbol(currency, locale=LOCALE)
    number = format_currency(amount, currency, format="#,##0", locale=LOCALE, currency_digits=False)
    return f"{symbol} {number}" if symbol.isalpha() else f"{symbol}{number}"


# Babel takes a tenth of a millisecond per date; a page shows the same few dates over
# and over (this week's ship-by and arrival days), so each is worded once per process.
@lru_cache(maxsize=4096)
def day(value: date) -> str:
    """Wed, Dec 2."""
    return format_date(value, "EEE, MMM d", locale=LOCALE)


@lru_cache(maxsize=4096)
def long_day(value: date) -> str:
    """Wednesday, December 2, 2026."""
    return format_date(value, "EEEE, MMMM d, y", locale=LOCALE)


def clock_time(value: time) -> str:
    """2 PM, or 2:30 PM when the minutes matter (a time of day, e.g. the order cut-off)."""
    hour = value.hour % 12 or 12
    suffix = "AM" if value.hour < 12 else "PM"
    return f"{hour}:{value.minute:02d} {suffix}" if value.minute else f"{hour} {suffix}"


@lru_cache(maxsize=4096)
def moment(value: datetime) -> str:
    """Dec 2, 2026, 3:05 PM EST: store time, always with its zone (EST or EDT), so
    nobody reads it as their own. (Cached: a datetime's wording never changes; naive
    and aware values never compare equal, so they never share an entry.)"""
    return format_datetime(
        clock.to_store_time(value), "MMM d, y, h:mm a z", tzinfo=clock.store_tz(), locale=LOCALE
    )


def card(brand: str | None, last4: str | None) -> str:
    """How a card is named in a sentence: "Visa ending 4242", "card ending 4242"."""
    name = (brand or "").capitalize() or "card"
    return f"{name} ending {last4}" if last4 else name


def size(halves: int | None) -> str:
    """A US shoe size from half sizes: 17 → "8½"."""
    if halves is None:
        return ""
    whole, half = divmod(halves, 2)
    return f"{whole}½" if half else str(whole)
