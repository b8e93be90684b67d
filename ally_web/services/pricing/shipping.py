"""Where we ship, how, for how much, and when it arrives.

Prices and day ranges come from ``policy`` and are read at call time, so a change to
policy (or a test's monkeypatch) is seen at once:

- the US: one free option (``policy.US_SHIPPING_CENTS`` by ``policy.US_CARRIERS``),
  in transit ``policy.IN_STOCK_TRANSIT`` business days;
- each country of ``policy.INTERNATIONAL_COUNTRIES``: Standard and Express, priced by
  the country's tier (``policy.COUNTRY_TIER`` -> ``policy.INTERNATIONAL_TIERS``) plus
  the tier's step-up when the goods are worth more than its ``step_over_cents``, in
  transit ``policy.INTERNATIONAL_STANDARD`` / ``policy.INTERNATIONAL_EXPRESS``
  business days, customs clearance not included.

Every option carries concrete dates from ``calendar.in_stock_promise``: ships
``policy.IN_STOCK_SHIPS`` business days after the order day, then the option's transit.
Duties and taxes are not shipping; see ``services.landed_cost``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ally_web import policy
from ally_web.core.errors import DomainError
from ally_web.policy import DayRange
from ally_web.services.pricing.calendar import Promise, in_stock_promise

__all__ = [
    "HOME_COUNTRY",
    "ShippingOption",
    "country_choices",
    "country_name",
    "international_returns_note",
    "is_supported_country",
    "shipping_option",
    "shipping_options",
]

HOME_COUNTRY = "US"
HOME_COUNTRY_NAME = "United States"
CUSTOMS_NOTE = "Customs clearance can add time."


@dataclass(frozen=True)
class ShippingOption:
    code: str  # "us-standard" | "standard" | "express"
    label: str
    price_cents: int
    business_days: DayRange  # transit, after the parcel ships
    promise: Promise  # concrete ship and arrival windows
    note: str = ""


def _normalize(country: object) -> str:
    return country.strip().upper() if isinstance(country, str) else ""


def is_supported_country(code: str) -> bool:
    """True for the US and every country in ``policy.INTERNATIONAL_COUNTRIES``."""
    country = _normalize(code)
    return country == HOME_COUNTRY or country in policy.INTERNATIONAL_COUNTRIES


def country_name(code: str) -> str:
    """The display name of a country we ship to (DomainError otherwise)."""
    country = _normalize(code)
    if country == HOME_COUNTRY:
        return HOME_COUNTRY_NAME
    try:
        return policy.INTERNATIONAL_COUNTRIES[country]
    except KeyError:
        raise DomainError("We don't ship to that country yet.", field="country") from None


def country_choices() -> list[tuple[str, str]]:
    """(code, name) for the country field: the United States first, then the rest by name."""
    others = sorted(policy.INTERNATIONAL_COUNTRIES.items(), key=lambda item: item[1])
    return [(HOME_COUNTRY, HOME_COUNTRY_NAME), *others]


def _us_label() -> str:
    carriers = " or ".join(policy.US_CARRIERS)
    prefix = "Free US shipping" if policy.US_SHIPPING_CENTS == 0 else "US shipping"
    return f"{prefix} ({carriers})" if carriers else prefix


def shipping_options(country: str, goods_cents: int, placed_at: datetime) -> list[ShippingOption]:
    """The ways an order of ``goods_cents`` placed at ``placed_at`` can go to ``country``.

    Cheapest first. Raises ``DomainError`` (field "country") for a country we do not
    ship to.
    """
    if isinstance(goods_cents, bool) or not isinstance(goods_cents, int) or goods_cents < 0:
        raise ValueError(f"goods_cents must be a whole number of cents >= 0, got {goods_cents!r}")
    code = _normalize(country)
    if not is_supported_country(code):
        raise DomainError("We don't ship to that country yet.", field="country")
    ships = policy.IN_STOCK_SHIPS

    if code == HOME_COUNTRY:
        transit = policy.IN_STOCK_TRANSIT
        return [
            ShippingOption(
                code="us-standard",
                label=_us_label(),
                price_cents=policy.US_SHIPPING_CENTS,
                business_days=transit,
                promise=in_stock_promise(placed_at, ships=ships, transit=transit),
            )
        ]

    try:
        tier = policy.INTERNATIONAL_TIERS[policy.COUNTRY_TIER[code]]
    except KeyError:
        raise LookupError(f"policy has no shipping tier for {code}") from None
    step_up = tier.step_up_cents if goods_cents > tier.step_over_cents else 0
    standard = policy.INTERNATIONAL_STANDARD
    express = policy.INTERNATIONAL_EXPRESS
    return [
        ShippingOption(
            code="standard",
            label="International Standard",
            price_cents=tier.standard_cents + step_up,
            business_days=standard,
            promise=in_stock_promise(placed_at, ships=ships, transit=standard),
            note=CUSTOMS_NOTE,
        ),
        ShippingOption(
            code="express",
            label="International Express",
            price_cents=tier.express_cents + step_up,
            business_days=express,
            promise=in_stock_promise(placed_at, ships=ships, transit=express),
            note=CUSTOMS_NOTE,
        ),
    ]


def shipping_option(
    country: str, code: str, goods_cents: int, placed_at: datetime
) -> ShippingOption:
    """The option ``code`` for ``country``; DomainError (field "shipping_method") if not offered."""
    wanted = code.strip().lower() if isinstance(code, str) else ""
    for option in shipping_options(country, goods_cents, placed_at):
        if option.code == wanted:
            return option
    raise DomainError("Please choose a shipping method we offer to your country.", field="shipping_method")


def international_returns_note(country: str) -> str | None:
    """What a shopper abroad needs to know about sending a pair back, or None in the US
    (where returns are free) and when the brand pays international returns."""
    code = _normalize(country)
    if code == HOME_COUNTRY or not policy.INTERNATIONAL_RETURNS_PAID_BY_CUSTOMER:
        return None
    return (f"Returns from outside the US: the same {policy.RETURN_WINDOW_DAYS}-day rules apply, but you pay "
            "for the return shipping yourself. Choose a service with tracking and send us the tracking link, "
            "so we can look out for your parcel.")
