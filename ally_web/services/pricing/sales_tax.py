"""US sales tax: destination sales tax for the states where the brand collects it.

The states are a brand setting (``policy.SALES_TAX_STATES``); their rates and
exemptions live in ``ally_web/data/us_sales_tax.json``, beside the duty table, with
their source and review date, marked for the brand to confirm. Change the JSON, not
this module.

How it is worked out (integer US cents): each order line is taxed on its goods
value (unit price × quantity) at the state's rate, rounded half up to the cent; a
line whose unit price is below the state's ``exempt_item_under_cents`` (New York:
clothing and footwear under $110 an item) pays none. Each line keeps its own tax,
so a refund of a pair can give back exactly the tax charged on it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from ally_web import policy

__all__ = ["SalesTaxQuote", "StateRate", "clear_cache", "load_rates", "sales_tax"]

SALES_TAX_FILE = "us_sales_tax.json"
HOME_COUNTRY = "US"


@dataclass(frozen=True)
class StateRate:
    state: str
    name: str
    rate: Decimal
    exempt_item_under_cents: int
    reference: str
    to_confirm_by_brand: bool
    reviewed_on: str


@lru_cache(maxsize=1)
def load_rates() -> Mapping[str, StateRate]:
    """Read and check the table once; ``clear_cache()`` makes the next call re-read."""
    raw = json.loads((resources.files("ally_web") / "data" / SALES_TAX_FILE).read_text(encoding="utf-8"))
    rates: dict[str, StateRate] = {}
    for code, row in raw["states"].items():
        rate = Decimal(str(row["rate"]))
        if not rate.is_finite() or not 0 <= rate < 1:
            raise ValueError(f"{SALES_TAX_FILE} {code}: rate must be a fraction, got {row['rate']!r}")
        exempt = row.get("exempt_item_under_cents", 0)
        if isinstance(exempt, bool) or not isinstance(exempt, int) or exempt < 0:
            raise ValueError(f"{SALES_TAX_FILE} {code}: exempt_item_under_cents must be whole cents")
        rates[code.upper()] = StateRate(
            state=code.upper(), name=str(row["name"]), rate=rate, exempt_item_under_cents=exempt,
            reference=str(row.get("reference", "")),
            to_confirm_by_brand=bool(row.get("to_confirm_by_brand", True)),
            reviewed_on=str(row.get("reviewed_on") or raw["reviewed_on"]),
        )
    return MappingProxyType(rates)


def clear_cache() -> None:
    load_rates.cache_clear()


@dataclass(frozen=True)
class SalesTaxQuote:
    """Sales tax on one order: per line (in the order given) and in total."""

    state: str | None
    label: str  # "Sales tax (New York, 8.875%)"; empty when none is due
    line_cents: tuple[int, ...]
    exempt_lines: int  # lines under the exemption threshold

    @property
    def total_cents(self) -> int:
        return sum(self.line_cents)

    def to_dict(self) -> dict[str, Any] | None:
        if not self.state:
            return None
        return {"state": self.state, "label": self.label, "total_cents": self.total_cents}


def _percent(rate: Decimal) -> str:
    return f"{format((rate * 100).normalize(), 'f')}%"


def sales_tax(country: str, state: str | None, lines: Sequence[tuple[int, int]]) -> SalesTaxQuote:
    """Sales tax for ``lines`` of (unit price in cents, quantity) shipped to ``state``
    (a two-letter code) in ``country``. Nothing is due abroad, or in a state where the
    brand does not collect."""
    code = (state or "").strip().upper()
    none = SalesTaxQuote(None, "", tuple(0 for _ in lines), 0)
    if (country or "").strip().upper() != HOME_COUNTRY or code not in policy.SALES_TAX_STATES:
        return none
    rates = load_rates().get(code)
    if rates is None:
        raise LookupError(f"policy.SALES_TAX_STATES names {code}, which {SALES_TAX_FILE} has no rate for")
    taxes = []
    exempt = 0
    for unit_cents, quantity in lines:
        if unit_cents < rates.exempt_item_under_cents:
            taxes.append(0)
            exempt += 1
            continue
        taxes.append(int((rates.rate * unit_cents * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    return SalesTaxQuote(code, f"Sales tax ({rates.name}, {_percent(rates.rate)})", tuple(taxes), exempt)
