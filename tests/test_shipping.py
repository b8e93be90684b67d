"""Tests for ally_web.services.pricing.shipping: options, prices and promised dates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ally_web import policy
from ally_web.core.errors import DomainError
from ally_web.policy import ShippingTier
from ally_web.services.pricing import shipping
from ally_web.services.pricing.calendar import Promise

# Wed 2026-11-25 10:00 New York: the worked example of docs/rules.md (Counting days).
PLACED = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("America/New_York"))


def test_us_is_free_with_the_worked_example_dates():
    options = shipping.shipping_options("US", 29500, PLACED)
    assert len(options) == 1
    (us,) = options
    assert us.code == "us-standard"
    assert us.label == "Free US shipping (FedEx or UPS)"
    assert us.price_cents == 0
    assert us.business_days == policy.IN_STOCK_TRANSIT
    assert us.note == ""
    # Thu 26 is Thanksgiving: ships Fri Nov 27 – Mon Nov 30, arrives Wed Dec 2 – Mon Dec 7.
    assert us.promise == Promise(
        ships_from=date(2026, 11, 27),
        ships_by=date(2026, 11, 30),
        arrives_from=date(2026, 12, 2),
        arrives_by=date(2026, 12, 7),
    )


def test_gb_standard_and_express():
    standard, express = shipping.shipping_options("GB", 29500, PLACED)
    assert (standard.code, standard.label, standard.price_cents) == (
        "standard", "International Standard", 3500,
    )
    assert (express.code, express.label, express.price_cents) == (
        "express", "International Express", 6000,
    )
    assert standard.business_days == policy.INTERNATIONAL_STANDARD
    assert express.business_days == policy.INTERNATIONAL_EXPRESS
    assert standard.note == express.note == "Customs clearance can add time."
    # Same ship window as the US; transit counted after it.
    assert standard.promise == Promise(
        date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 18)
    )
    assert express.promise == Promise(
        date(2026, 11, 27), date(2026, 11, 30), date(2026, 11, 30), date(2026, 12, 7)
    )


def test_gb_steps_up_above_the_threshold():
    at = {o.code: o.price_cents for o in shipping.shipping_options("GB", 50000, PLACED)}
    over = {o.code: o.price_cents for o in shipping.shipping_options("GB", 50001, PLACED)}
    assert at == {"standard": 3500, "express": 6000}
    assert over == {"standard": 5000, "express": 7500}


@pytest.mark.parametrize("country", ["DE", "", "XX", None])
def test_unsupported_country_is_refused(country):
    with pytest.raises(DomainError) as info:
        shipping.shipping_options(country, 29500, PLACED)
    assert info.value.field == "country"
    assert info.value.message == "We don't ship to that country yet."


def test_changing_a_tier_changes_the_price(monkeypatch):
    monkeypatch.setitem(policy.INTERNATIONAL_TIERS, "europe", ShippingTier(1234, 5678, 100, 11))
    prices = {o.code: o.price_cents for o in shipping.shipping_options("FR", 29500, PLACED)}
    assert prices == {"standard": 1245, "express": 5689}


def test_replacing_the_tier_table_changes_the_price(monkeypatch):
    tiers = dict(policy.INTERNATIONAL_TIERS)
    tiers["north-america"] = ShippingTier(999, 1999, 50000, 0)
    monkeypatch.setattr(policy, "INTERNATIONAL_TIERS", tiers)
    assert shipping.shipping_option("CA", "standard", 29500, PLACED).price_cents == 999


def test_policy_day_ranges_are_read_at_call_time(monkeypatch):
    monkeypatch.setattr(policy, "INTERNATIONAL_EXPRESS", policy.DayRange(2, 3))
    express = shipping.shipping_option("AU", "express", 29500, PLACED)
    assert express.business_days == policy.DayRange(2, 3)
    assert express.promise.arrives_from == date(2026, 12, 1)


def test_every_international_country_offers_standard_and_express():
    for code in policy.INTERNATIONAL_COUNTRIES:
        codes = [o.code for o in shipping.shipping_options(code, 29500, PLACED)]
        assert codes == ["standard", "express"], code


def test_shipping_option_by_code():
    assert shipping.shipping_option("gb", "Express", 29500, PLACED).price_cents == 6000
    assert shipping.shipping_option("US", "us-standard", 29500, PLACED).price_cents == 0
    for country, code in [("US", "express"), ("GB", "us-standard"), ("GB", "overnight")]:
        with pytest.raises(DomainError) as info:
            shipping.shipping_option(country, code, 29500, PLACED)
        assert info.value.field == "shipping_method"


def test_supported_countries_and_choices():
    assert shipping.is_supported_country("US")
    assert shipping.is_supported_country("se")
    assert not shipping.is_supported_country("DE")
    assert not shipping.is_supported_country(None)  # type: ignore[arg-type]
    choices = shipping.country_choices()
    assert choices[0] == ("US", "United States")
    assert len(choices) == 1 + len(policy.INTERNATIONAL_COUNTRIES)
    names = [name for _, name in choices[1:]]
    assert names == sorted(names)
    assert ("MO", "Macao") in choices
    assert shipping.country_name("AE") == "United Arab Emirates"


def test_goods_must_be_whole_cents():
    with pytest.raises(ValueError):
        shipping.shipping_options("US", -1, PLACED)
