"""Filters and globals the templates use to show values (never to decide)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from flask import Flask

from ally_web import policy
from ally_web.core import clock

LOCALE = "en_US"
HTMX_VERSION = "4.0.1"


@lru_cache(maxsize=4096)
def money(cents: int) -> str:
    """$295 for whole dollars, $12.50 otherwise."""
    amount = cents / 100
    if cents % 100 == 0:
        return format_currency(amount, policy.CURRENCY, format="¤#,##0", locale=LOCALE, currency_digits=False)
    return format_currency(amount, policy.CURRENCY, locale=LOCALE)


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


def country(code: str) -> str:
    """GB → United Kingdom (the countries we ship to); other codes stay as they are."""
    return "United States" if code == "US" else policy.INTERNATIONAL_COUNTRIES.get(code, code)


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(day)
    app.add_template_filter(long_day)
    app.add_template_filter(moment)
    app.add_template_filter(country)
    app.add_template_global(policy, "policy")
    app.add_template_global(f"vendor/htmx-{HTMX_VERSION}.min.js", "htmx_path")

    from ally_web.services.cart import cart_count

    app.add_template_global(cart_count)
