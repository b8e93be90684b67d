"""Money in the shopper's own currency, as an estimate.

Every price is charged in US dollars (``policy.CURRENCY``). Shoppers abroad see
amounts named as US dollars ("US$295", ``core.formatting.money_in``) and, at
checkout and on their order, the total converted to their own currency with the
dated exchange-rate table (``data/exchange_rates.json``, the same table the
landed-cost quotes use). The conversion is an estimate: the shopper's bank or card
sets the rate actually applied.

A country's currency comes from the CLDR data shipped with Babel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import get_territory_currencies

from ally_web import policy
from ally_web.core.formatting import local_money
from ally_web.services.pricing.landed_cost import load_tables

__all__ = ["LocalEstimate", "currency_of", "local_estimate"]

HOME_COUNTRY = "US"


@dataclass(frozen=True)
class LocalEstimate:
    """About how much ``usd_cents`` is in the shopper's currency, on the table's date."""

    currency: str
    amount: Decimal  # whole units of ``currency``, rounded
    as_of: date  # the date of the exchange-rate table

    @property
    def text(self) -> str:
        return local_money(self.amount, self.currency)

    def to_dict(self) -> dict[str, Any]:
        return {"currency": self.currency, "amount": str(self.amount), "as_of": self.as_of.isoformat()}

    @classmethod
    def from_dict(cls, data: Any) -> LocalEstimate | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(str(data["currency"]), Decimal(str(data["amount"])), date.fromisoformat(str(data["as_of"])))
        except (KeyError, ValueError, ArithmeticError):
            return None


def currency_of(country: str) -> str | None:
    """The currency in use in ``country`` today (ISO 4217), None when unknown."""
    found = get_territory_currencies(country.strip().upper()) if country else []
    return found[0] if found else None


def local_estimate(country: str, usd_cents: int) -> LocalEstimate | None:
    """``usd_cents`` in ``country``'s currency, or None for the US (or when the table
    has no rate for that currency)."""
    code = (country or "").strip().upper()
    if code == HOME_COUNTRY or code not in policy.INTERNATIONAL_COUNTRIES:
        return None
    currency = currency_of(code)
    fx = load_tables().fx
    if currency is None or currency == policy.CURRENCY or currency not in fx.usd_per_unit:
        return None
    units = (Decimal(usd_cents) / 100 / fx.usd_per_unit[currency]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return LocalEstimate(currency, units, date.fromisoformat(fx.as_of))
