"""Tests for ally_web.services.pricing.landed_cost: duties and taxes from the JSON tables."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from ally_web import policy
from ally_web.core.errors import DomainError
from ally_web.services.pricing import landed_cost as lc


@pytest.fixture(autouse=True)
def _fresh_tables():
    lc.clear_cache()
    yield
    lc.clear_cache()


def amounts(q: lc.LandedCostQuote) -> dict[str, int]:
    return {line.label: line.amount_cents for line in q.lines}


# --- United Kingdom: threshold in pounds ------------------------------------------


def test_london_pair_above_135_pounds_pays_duty_then_vat_on_duty():
    # $295 > £135 × 1.27 = $171.45, so duty applies: 8% of (295 + 35) = $26.40;
    # VAT 20% of (295 + 35 + 26.40) = $71.28.
    q = lc.quote("GB", 29500, 3500)
    assert q.lines == (
        lc.QuoteLine("Import duty (8% of goods and shipping)", 2640),
        lc.QuoteLine("VAT (20%)", 7128),
    )
    assert q.duties_cents == 2640
    assert q.taxes_cents == 7128
    assert q.total_cents == q.charged_at_checkout_cents == 9768
    assert q.estimated_cents == 9768
    assert q.due_on_delivery_cents == 0
    assert q.collected == "checkout"
    assert q.rates_reviewed_on == "2026-11-26"
    assert q.fx_as_of == "2026-11-26"


def test_order_worth_100_pounds_pays_vat_only():
    q = lc.quote("gb", 12700, 3500)  # £100 × 1.27; code is case-forgiving
    assert q.country == "GB"
    assert q.duties_cents == 0
    assert amounts(q) == {"VAT (20%)": 3240}  # 20% of (127 + 35)
    assert q.total_cents == 3240


def test_uk_threshold_is_inclusive_and_on_goods_only():
    at_threshold = lc.quote("GB", 17145, 6000)  # exactly £135; shipping does not count
    just_over = lc.quote("GB", 17146, 6000)
    assert at_threshold.duties_cents == 0
    assert just_over.duties_cents == 1852  # 8% of 231.46 = 18.5168


# --- Canada: by province ----------------------------------------------------------


def test_canada_taxes_by_province():
    # Duty 18% of goods only: $53.10; taxes on goods + duty = $348.10.
    ontario = lc.quote("CA", 29500, 2500, region="ON")
    quebec = lc.quote("CA", 29500, 2500, region="qc")
    alberta = lc.quote("CA", 29500, 2500, region="AB")

    for q in (ontario, quebec, alberta):
        assert q.duties_cents == 5310
        assert q.lines[0] == lc.QuoteLine("Import duty (18% of goods)", 5310)

    assert amounts(ontario) == {"Import duty (18% of goods)": 5310, "HST (13%)": 4525}
    # GST 5% of 348.10 = 17.405 -> rounds half up to 17.41; QST 9.975% = 34.722975.
    assert amounts(quebec) == {
        "Import duty (18% of goods)": 5310,
        "GST (5%)": 1741,
        "QST (9.975%)": 3472,
    }
    assert amounts(alberta) == {"Import duty (18% of goods)": 5310, "GST (5%)": 1741}
    assert ontario.total_cents == 5310 + 4525
    assert quebec.total_cents == 5310 + 1741 + 3472
    assert alberta.total_cents == 5310 + 1741
    assert quebec.region == "QC"


@pytest.mark.parametrize("region", [None, "", "ZZ", "  "])
def test_canada_without_a_known_province_is_refused(region):
    with pytest.raises(DomainError) as info:
        lc.quote("CA", 29500, 2500, region=region)
    assert info.value.field == "region"
    assert "province or territory" in info.value.message


def test_region_helpers():
    assert lc.requires_region("CA")
    assert not lc.requires_region("GB")
    assert not lc.requires_region("US")
    choices = dict(lc.region_choices("CA"))
    assert len(choices) == 13
    assert choices["QC"] == "Quebec"
    assert lc.region_choices("GB") == []
    # A region given for a country without regions is ignored.
    assert lc.quote("GB", 29500, 3500, region="ON").region is None


# --- Switzerland: small VAT not collected -----------------------------------------


def test_swiss_vat_of_five_francs_or_less_is_dropped():
    # CHF 5 × 1.13 = $5.65. 8.1% of $69.81 = $5.65 (5.65461): not collected.
    small = lc.quote("CH", 5981, 1000)
    assert small.lines == ()
    assert small.taxes_cents == 0
    assert small.total_cents == 0
    assert small.collected == "none"
    # 8.1% of $69.82 = $5.66 (5.65542): collected.
    just_over = lc.quote("CH", 5982, 1000)
    assert amounts(just_over) == {"VAT (8.1%)": 566}


def test_swiss_pair_pays_vat_and_no_duty():
    q = lc.quote("CH", 29500, 3500)
    assert q.duties_cents == 0
    assert amounts(q) == {"VAT (8.1%)": 2673}  # 8.1% of 330.00
    assert q.collected == "checkout"


# --- Australia: A$1,000 -----------------------------------------------------------


def test_australia_below_1000_dollars_gst_only():
    q = lc.quote("AU", 29500, 4000)
    assert amounts(q) == {"GST (10%)": 3350}
    assert lc.quote("AU", 65000, 4000).duties_cents == 0  # exactly A$1,000 × 0.65


def test_australia_above_1000_dollars_duty_and_gst():
    q = lc.quote("AU", 70000, 5500)
    # Duty 5% of goods (FOB) = $35; GST 10% of (700 + 55 + 35) = $79.
    assert q.lines == (
        lc.QuoteLine("Import duty (5% of goods)", 3500),
        lc.QuoteLine("GST (10%)", 7900),
    )
    assert q.total_cents == 11400


# --- Mexico: paid on delivery -----------------------------------------------------


def test_mexico_is_an_estimate_paid_on_delivery():
    goods, shipping = 29500, 2500
    q = lc.quote("MX", goods, shipping)
    # Duty 20% of 320 = $64; IVA 16% of 384 = $61.44.
    assert amounts(q) == {"Import duty (20% of goods and shipping)": 6400, "IVA (16%)": 6144}
    assert q.collected == "delivery"
    assert q.duties_cents == 6400 and q.taxes_cents == 6144
    assert q.estimated_cents == q.due_on_delivery_cents == 12544
    assert q.total_cents == q.charged_at_checkout_cents == 0
    assert goods + shipping + q.charged_at_checkout_cents == 32000


# --- Nothing to pay ---------------------------------------------------------------


@pytest.mark.parametrize("country", ["HK", "MO"])
def test_free_ports_pay_nothing(country):
    q = lc.quote(country, 29500, 4000)
    assert q.lines == ()
    assert q.duties_cents == q.taxes_cents == q.total_cents == 0
    assert q.collected == "none"


def test_us_orders_have_an_empty_quote():
    q = lc.quote("US", 29500, 0)
    assert q.lines == ()
    assert q.total_cents == 0
    assert q.collected == "none"


def test_unknown_country_is_refused():
    with pytest.raises(DomainError) as info:
        lc.quote("DE", 29500, 3500)
    assert info.value.field == "country"


@pytest.mark.parametrize("goods, shipping", [(-1, 0), (0, -1), (1.5, 0), (True, 0), ("100", 0)])
def test_amounts_must_be_whole_cents(goods, shipping):
    with pytest.raises(ValueError):
        lc.quote("GB", goods, shipping)


# --- Stored on the order ----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [("GB", 29500, 3500, None), ("CA", 29500, 2500, "QC"), ("MX", 29500, 2500, None), ("US", 1, 0, None)],
)
def test_quote_survives_a_json_round_trip(args):
    q = lc.quote(*args)
    stored = json.loads(json.dumps(q.to_dict()))
    assert lc.LandedCostQuote.from_dict(stored) == q
    assert stored["charged_at_checkout_cents"] == q.charged_at_checkout_cents
    assert stored["due_on_delivery_cents"] == q.due_on_delivery_cents


# --- The tables -------------------------------------------------------------------


def test_every_international_country_has_a_reviewed_row():
    tables = lc.load_tables()
    assert tables.to_confirm_by_brand is True
    assert tables.fx.to_confirm_by_brand is True
    assert set(tables.countries) == set(policy.INTERNATIONAL_COUNTRIES)
    assert "US" not in tables.countries
    for code in policy.INTERNATIONAL_COUNTRIES:
        row = tables.countries[code]
        assert row.reference.strip(), code
        assert row.to_confirm_by_brand is True, code
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row.reviewed_on), code
        assert row.collected in ("checkout", "delivery"), code


def test_raw_json_rows_carry_the_review_fields():
    from importlib import resources

    raw = json.loads(
        (resources.files("ally_web") / "data" / "landed_costs.json").read_text(encoding="utf-8")
    )
    for row in raw["countries"]:
        assert row["to_confirm_by_brand"] is True
        assert row["reviewed_on"] == "2026-11-26"
        assert row["reference"]


def test_thresholds_convert_through_the_exchange_table():
    fx = lc.load_tables().fx
    assert fx.to_usd_cents(Decimal("135"), "GBP") == 17145
    assert fx.to_usd_cents(Decimal("150"), "EUR") == 16200
    assert fx.to_usd_cents(Decimal("5"), "CHF") == 565
    assert fx.to_usd_cents(Decimal("1000"), "AED") == 27230


def test_eu_threshold_150_euros():
    assert lc.quote("FR", 16200, 3500).duties_cents == 0
    q = lc.quote("SE", 29500, 3500)
    assert amounts(q) == {"Import duty (8% of goods and shipping)": 2640, "VAT (25%)": 8910}


def test_changing_the_data_changes_the_quote(monkeypatch):
    real = lc._read_json
    lc.load_tables()  # the real tables are loaded and cached first

    def edited(name):
        data = real(name)
        if name == lc.EXCHANGE_RATES_FILE:
            data["usd_per_unit"]["GBP"] = "3.00"  # £135 is now $405
        return data

    monkeypatch.setattr(lc, "_read_json", edited)
    assert lc.quote("GB", 29500, 3500).duties_cents == 2640  # still the cached table
    lc.clear_cache()
    assert lc.quote("GB", 29500, 3500).duties_cents == 0
