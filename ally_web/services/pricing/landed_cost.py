"""Landed cost: the import duty and taxes an international order pays, in US cents.

The engine is data-driven. The figures live in two JSON files in ``ally_web/data/``:

- ``landed_costs.json`` -- one row per destination (the countries of
  ``policy.INTERNATIONAL_COUNTRIES``; the US has none): duty rate and base, the
  duty-free threshold, the tax (VAT, GST, IVA...) rate and base, the Swiss rule that a
  small VAT amount is not collected, Canada's provincial taxes, whether the money is
  collected at checkout or paid to the carrier on delivery, and a short reference
  saying where each figure comes from.
- ``exchange_rates.json`` -- US dollars per unit of each foreign currency, with the
  date they were taken.

Every figure in both files is a brand setting: a starting point marked
``to_confirm_by_brand`` with the date it was last reviewed, for the brand to confirm
with its carrier or customs broker. Change the JSON, not this module.

How a quote is worked out (all money is integer US cents; every line is rounded half
up to the cent, and a tax base that includes duty uses the rounded duty):

1. Duty. A threshold such as £135 is converted to US cents with the exchange table
   (``amount × usd_per_unit``, rounded half up to the cent). When the goods value
   (shipping excluded) is at or below it, there is no duty; otherwise duty is
   ``duty_rate × duty_base`` (``duty_base`` is "goods" or "goods+shipping").
2. Taxes. Each tax is ``rate × tax_base``; a base naming "duty" includes the duty from
   step 1. Canada charges by province or territory (``region``), which replaces the
   country's single tax with that province's list (HST, or GST plus PST/QST/RST).
3. Small-tax relief. When ``tax_free_if_tax_upto`` is set (Switzerland: CHF 5), the
   taxes are dropped if their total is at or below that amount converted to cents.

Who pays when: ``collected`` is "checkout" (the shop charges it with the order and the
parcel clears customs with nothing more to pay), "delivery" (an estimate only; the
customer pays the carrier on delivery, e.g. Mexico) or "none" (nothing is due, e.g. the
US or Hong Kong). ``total_cents`` -- also readable as ``charged_at_checkout_cents`` -- is
what checkout adds to the order, so the checkout total is
``goods + shipping + quote.charged_at_checkout_cents``; ``estimated_cents`` is duties
plus taxes whoever collects them, and ``due_on_delivery_cents`` is what the page must
say will be paid to the carrier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from ally_web import policy
from ally_web.core.errors import DomainError

__all__ = [
    "CountryRates",
    "ExchangeRates",
    "LandedCostQuote",
    "LandedCostTables",
    "QuoteLine",
    "Region",
    "TaxRate",
    "Threshold",
    "clear_cache",
    "country_rates",
    "load_tables",
    "quote",
    "region_choices",
    "requires_region",
]

LANDED_COSTS_FILE = "landed_costs.json"
EXCHANGE_RATES_FILE = "exchange_rates.json"

HOME_COUNTRY = "US"
COLLECTED_AT = ("checkout", "delivery")
_BASE_PARTS = ("goods", "shipping", "duty")
_CENT = Decimal("1")

# --- Tables -----------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """An amount in a foreign currency, e.g. £135 or CHF 5."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.currency} {_plain(self.amount)}"


@dataclass(frozen=True)
class TaxRate:
    name: str  # "VAT", "GST", "HST", "QST"...
    rate: Decimal  # a fraction: Decimal("0.2") is 20%


@dataclass(frozen=True)
class Region:
    """A Canadian province or territory and the taxes charged there."""

    code: str
    name: str
    taxes: tuple[TaxRate, ...]


@dataclass(frozen=True)
class CountryRates:
    """One row of ``landed_costs.json``."""

    country: str
    duty_rate: Decimal
    duty_base: tuple[str, ...]
    duty_free_upto: Threshold | None
    tax_name: str | None
    tax_rate: Decimal
    tax_base: tuple[str, ...]
    tax_free_if_tax_upto: Threshold | None
    regions: Mapping[str, Region] | None
    collected: str
    reference: str
    to_confirm_by_brand: bool
    reviewed_on: str

    def taxes_for(self, region: str | None) -> tuple[TaxRate, ...]:
        """The taxes charged in ``region`` (Canada) or in the whole country."""
        if self.regions is not None:
            code = _code(region)
            if not code or code not in self.regions:
                raise DomainError("Please choose your province or territory.", field="region")
            return self.regions[code].taxes
        if self.tax_name is None or self.tax_rate == 0:
            return ()
        return (TaxRate(self.tax_name, self.tax_rate),)


@dataclass(frozen=True)
class ExchangeRates:
    as_of: str
    reference: str
    to_confirm_by_brand: bool
    usd_per_unit: Mapping[str, Decimal]

    def to_usd_cents(self, amount: Decimal, currency: str) -> int:
        """``amount`` of ``currency`` in US cents, rounded half up."""
        if currency == "USD":
            rate = Decimal(1)
        else:
            try:
                rate = self.usd_per_unit[currency]
            except KeyError:
                raise LookupError(f"no exchange rate for {currency}") from None
        return _round_cents(amount * rate * 100)


@dataclass(frozen=True)
class LandedCostTables:
    reviewed_on: str
    to_confirm_by_brand: bool
    note: str
    countries: Mapping[str, CountryRates]
    fx: ExchangeRates


def _read_json(name: str) -> Any:
    source = resources.files("ally_web") / "data" / name
    return json.loads(source.read_text(encoding="utf-8"))


def _decimal(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(f"{where}: write numbers as decimal strings, got {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{where}: not a decimal: {value!r}") from None
    if not result.is_finite() or result < 0:
        raise ValueError(f"{where}: must be a finite number >= 0, got {value!r}")
    return result


def _base(value: Any, where: str, allow_duty: bool) -> tuple[str, ...]:
    parts = tuple(str(value).split("+"))
    allowed = _BASE_PARTS if allow_duty else _BASE_PARTS[:2]
    if not parts or any(p not in allowed for p in parts) or len(set(parts)) != len(parts):
        raise ValueError(f"{where}: base must join {', '.join(allowed)} with '+', got {value!r}")
    return tuple(p for p in _BASE_PARTS if p in parts)  # canonical order


def _threshold(value: Any, where: str, fx: ExchangeRates) -> Threshold | None:
    if value is None:
        return None
    currency = str(value["currency"]).upper()
    if currency != "USD" and currency not in fx.usd_per_unit:
        raise ValueError(f"{where}: no exchange rate for {currency} in {EXCHANGE_RATES_FILE}")
    return Threshold(_decimal(value["amount"], where), currency)


def _parse_fx(raw: Mapping[str, Any]) -> ExchangeRates:
    rates = {
        str(cur).upper(): _decimal(v, f"{EXCHANGE_RATES_FILE} {cur}")
        for cur, v in raw["usd_per_unit"].items()
    }
    return ExchangeRates(
        as_of=str(raw["as_of"]),
        reference=str(raw.get("reference", "")),
        to_confirm_by_brand=bool(raw.get("to_confirm_by_brand", True)),
        usd_per_unit=MappingProxyType(rates),
    )


def _parse_country(row: Mapping[str, Any], fx: ExchangeRates, default_reviewed: str) -> CountryRates:
    code = str(row["country"]).upper()
    where = f"{LANDED_COSTS_FILE} {code}"
    collected = row.get("collected", "checkout")
    if collected not in COLLECTED_AT:
        raise ValueError(f"{where}: collected must be one of {COLLECTED_AT}, got {collected!r}")
    regions = None
    if row.get("regions"):
        regions = MappingProxyType(
            {
                str(rc).upper(): Region(
                    code=str(rc).upper(),
                    name=str(r["name"]),
                    taxes=tuple(
                        TaxRate(str(t["name"]), _decimal(t["rate"], f"{where} {rc} {t['name']}"))
                        for t in r["taxes"]
                    ),
                )
                for rc, r in row["regions"].items()
            }
        )
    return CountryRates(
        country=code,
        duty_rate=_decimal(row["duty_rate"], f"{where} duty_rate"),
        duty_base=_base(row["duty_base"], f"{where} duty_base", allow_duty=False),
        duty_free_upto=_threshold(row.get("duty_free_upto"), f"{where} duty_free_upto", fx),
        tax_name=row.get("tax_name") or None,
        tax_rate=_decimal(row.get("tax_rate", "0"), f"{where} tax_rate"),
        tax_base=_base(row["tax_base"], f"{where} tax_base", allow_duty=True),
        tax_free_if_tax_upto=_threshold(
            row.get("tax_free_if_tax_upto"), f"{where} tax_free_if_tax_upto", fx
        ),
        regions=regions,
        collected=collected,
        reference=str(row.get("reference", "")),
        to_confirm_by_brand=bool(row.get("to_confirm_by_brand", True)),
        reviewed_on=str(row.get("reviewed_on") or default_reviewed),
    )


@lru_cache(maxsize=1)
def load_tables() -> LandedCostTables:
    """Read and check both JSON tables once; ``clear_cache()`` makes the next call re-read."""
    fx = _parse_fx(_read_json(EXCHANGE_RATES_FILE))
    raw = _read_json(LANDED_COSTS_FILE)
    reviewed_on = str(raw["reviewed_on"])
    countries: dict[str, CountryRates] = {}
    for row in raw["countries"]:
        rates = _parse_country(row, fx, reviewed_on)
        if rates.country in countries:
            raise ValueError(f"{LANDED_COSTS_FILE}: {rates.country} appears twice")
        countries[rates.country] = rates
    return LandedCostTables(
        reviewed_on=reviewed_on,
        to_confirm_by_brand=bool(raw.get("to_confirm_by_brand", True)),
        note=str(raw.get("note", "")),
        countries=MappingProxyType(countries),
        fx=fx,
    )


def clear_cache() -> None:
    """Forget the loaded tables (tests, or after the JSON files change)."""
    load_tables.cache_clear()


# --- Quotes -----------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLine:
    label: str  # plain words: "Import duty (8% of goods and shipping)", "VAT (20%)"
    amount_cents: int


@dataclass(frozen=True)
class LandedCostQuote:
    """Duties and taxes for one order, as shown at checkout and stored on the order.

    ``total_cents`` is what checkout charges for duties and taxes: the whole estimate
    when ``collected == "checkout"``, 0 when it is paid on delivery or nothing is due.
    """

    country: str
    lines: tuple[QuoteLine, ...]
    duties_cents: int
    taxes_cents: int
    total_cents: int
    collected: str  # "checkout" | "delivery" | "none"
    rates_reviewed_on: str
    fx_as_of: str
    region: str | None = None

    @property
    def estimated_cents(self) -> int:
        """Duties plus taxes, whoever collects them."""
        return self.duties_cents + self.taxes_cents

    @property
    def charged_at_checkout_cents(self) -> int:
        """Added to the order at checkout: goods + shipping + this is the total."""
        return self.total_cents

    @property
    def due_on_delivery_cents(self) -> int:
        """The estimate the customer pays the carrier on delivery (0 unless "delivery")."""
        return self.estimated_cents if self.collected == "delivery" else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy to store on the order (derived amounts included for reading)."""
        return {
            "country": self.country,
            "region": self.region,
            "lines": [{"label": ln.label, "amount_cents": ln.amount_cents} for ln in self.lines],
            "duties_cents": self.duties_cents,
            "taxes_cents": self.taxes_cents,
            "total_cents": self.total_cents,
            "collected": self.collected,
            "rates_reviewed_on": self.rates_reviewed_on,
            "fx_as_of": self.fx_as_of,
            "estimated_cents": self.estimated_cents,
            "charged_at_checkout_cents": self.charged_at_checkout_cents,
            "due_on_delivery_cents": self.due_on_delivery_cents,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LandedCostQuote:
        """Rebuild a stored quote; the derived amounts in ``data`` are ignored."""
        return cls(
            country=str(data["country"]),
            region=data.get("region"),
            lines=tuple(
                QuoteLine(str(ln["label"]), _int(ln["amount_cents"])) for ln in data["lines"]
            ),
            duties_cents=_int(data["duties_cents"]),
            taxes_cents=_int(data["taxes_cents"]),
            total_cents=_int(data["total_cents"]),
            collected=str(data["collected"]),
            rates_reviewed_on=str(data["rates_reviewed_on"]),
            fx_as_of=str(data["fx_as_of"]),
        )


def country_rates(country: str) -> CountryRates:
    """The table row for an international destination we ship to."""
    code = _code(country)
    if code not in policy.INTERNATIONAL_COUNTRIES:
        raise DomainError("We don't ship to that country yet.", field="country")
    rates = load_tables().countries.get(code)
    if rates is None:
        raise DomainError(
            "We can't work out duties and taxes for that country yet. Please contact us.",
            field="country",
        )
    return rates


def requires_region(country: str) -> bool:
    """True when the quote needs a province or territory (Canada)."""
    code = _code(country)
    if code == HOME_COUNTRY:
        return False
    return country_rates(code).regions is not None


def region_choices(country: str) -> list[tuple[str, str]]:
    """(code, name) pairs for the region field, by name; empty when none is needed."""
    code = _code(country)
    if code == HOME_COUNTRY:
        return []
    regions = country_rates(code).regions or {}
    return sorted(((r.code, r.name) for r in regions.values()), key=lambda pair: pair[1])


def quote(
    country: str,
    goods_cents: int,
    shipping_cents: int,
    region: str | None = None,
) -> LandedCostQuote:
    """Duties and taxes on ``goods_cents`` of heels sent to ``country`` for ``shipping_cents``.

    Raises ``DomainError`` (field "country") for a country we do not ship to, and
    (field "region") when Canada's province or territory is missing or unknown.
    """
    _check_cents(goods_cents, "goods_cents")
    _check_cents(shipping_cents, "shipping_cents")
    tables = load_tables()
    code = _code(country)
    if code == HOME_COUNTRY:
        return LandedCostQuote(
            country=HOME_COUNTRY,
            lines=(),
            duties_cents=0,
            taxes_cents=0,
            total_cents=0,
            collected="none",
            rates_reviewed_on=tables.reviewed_on,
            fx_as_of=tables.fx.as_of,
        )
    rates = country_rates(code)
    taxes = rates.taxes_for(region)
    region_code = _code(region) if rates.regions is not None else None

    lines: list[QuoteLine] = []
    duty = 0
    if rates.duty_rate > 0 and not _within(goods_cents, rates.duty_free_upto, tables.fx):
        duty_base = _base_cents(rates.duty_base, goods_cents, shipping_cents, 0)
        duty = _round_cents(rates.duty_rate * duty_base)
        if duty:
            lines.append(
                QuoteLine(
                    f"Import duty ({_percent(rates.duty_rate)} of {_base_words(rates.duty_base)})",
                    duty,
                )
            )

    tax_base = _base_cents(rates.tax_base, goods_cents, shipping_cents, duty)
    tax_lines = [
        QuoteLine(f"{t.name} ({_percent(t.rate)})", _round_cents(t.rate * tax_base))
        for t in taxes
        if t.rate > 0
    ]
    tax_lines = [ln for ln in tax_lines if ln.amount_cents]
    taxes_total = sum(ln.amount_cents for ln in tax_lines)
    if taxes_total and _within(taxes_total, rates.tax_free_if_tax_upto, tables.fx):
        tax_lines, taxes_total = [], 0  # too small to be collected (Switzerland: CHF 5)
    lines.extend(tax_lines)

    estimated = duty + taxes_total
    collected = rates.collected if estimated else "none"
    return LandedCostQuote(
        country=code,
        region=region_code,
        lines=tuple(lines),
        duties_cents=duty,
        taxes_cents=taxes_total,
        total_cents=estimated if collected == "checkout" else 0,
        collected=collected,
        rates_reviewed_on=rates.reviewed_on,
        fx_as_of=tables.fx.as_of,
    )


# --- Helpers ----------------------------------------------------------------------


def _code(value: str | None) -> str:
    return value.strip().upper() if isinstance(value, str) else ""


def _check_cents(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of cents >= 0, got {value!r}")


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected whole cents, got {value!r}")
    return value


def _round_cents(amount: Decimal) -> int:
    return int(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def _within(cents: int, threshold: Threshold | None, fx: ExchangeRates) -> bool:
    """True when ``cents`` is at or below ``threshold`` converted to US cents."""
    return threshold is not None and cents <= fx.to_usd_cents(threshold.amount, threshold.currency)


def _base_cents(parts: tuple[str, ...], goods: int, shipping: int, duty: int) -> Decimal:
    values = {"goods": goods, "shipping": shipping, "duty": duty}
    return Decimal(sum(values[p] for p in parts))


def _base_words(parts: tuple[str, ...]) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 20, 8.1, 9.975."""
    return format(value.normalize(), "f")


def _percent(rate: Decimal) -> str:
    return f"{_plain(rate * 100)}%"
