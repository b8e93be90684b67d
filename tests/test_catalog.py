"""Catalog service and the shop/product pages (full page and htmx fragment)."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.models import Colour, LeadTimeNotice, Style, Variant
from ally_web.services import catalog


def variant_of(slug="classic-pump", colour="black", size=17, width="M"):
    return db.session.scalar(
        select(Variant)
        .join(Colour)
        .join(Style)
        .where(Style.slug == slug, Colour.slug == colour, Variant.size_halves == size, Variant.width == width)
    )


# --- services -------------------------------------------------------------------


def test_seeded_catalog_has_trial_pump_and_non_trial_strap_heels(app):
    pump = catalog.get_style("classic-pump")
    strap = catalog.get_style("strap-heel")
    assert pump.trial_eligible and not strap.trial_eligible
    variants = db.session.get(Colour, pump.colours[0].id).variants
    assert {v.size_halves for v in variants} == set(range(10, 25))  # US 5 to 12 with halves
    assert {v.width for v in variants} == set(policy.WIDTHS)


@pytest.mark.parametrize("raw, halves", [("8", 16), ("8.5", 17), ("8½", 17), (" 12 ", 24), ("5", 10)])
def test_parse_size_accepts_us_sizes(raw, halves):
    assert catalog.parse_size(raw) == halves


@pytest.mark.parametrize("raw", ["4.5", "12.5", "8.25", "abc", "", "1e9", "nan", "inf", "9" * 50, None])
def test_parse_size_refuses_anything_else(raw):
    assert catalog.parse_size(raw) is None


def test_choose_variant_reports_each_bad_field(app):
    style = catalog.get_style("classic-pump")
    choice = catalog.choose_variant(style, "purple", "99", "Z")
    assert set(choice.errors) == {"colour", "size", "width"}
    assert choice.variant is None
    assert choice.colour == style.colours[0]


def test_in_stock_promise_uses_the_worked_example(app):
    variant = variant_of()
    variant.stock = 3
    result = catalog.availability(variant, clock.now())
    assert result.in_stock
    p = result.promise
    assert (p.ships_from, p.ships_by) == (date(2026, 11, 27), date(2026, 11, 30))
    assert (p.arrives_from, p.arrives_by) == (date(2026, 12, 2), date(2026, 12, 7))


def test_made_to_order_plan_adds_the_active_notice(app):
    variant = variant_of()
    variant.stock = 0
    at = datetime(2027, 2, 1, 10, 0, tzinfo=clock.store_tz())  # Mon, inside Lunar New Year
    notice = catalog.active_notice(at.date())
    assert notice is not None and notice.title == "Lunar New Year"
    plan = catalog.availability(variant, at, notice).made_to_order
    assert plan.extra_days == notice.extra_days
    assert plan.size_known_ships_by == date(2027, 2, 1 + policy.MADE_TO_ORDER_PRODUCTION_DAYS + notice.extra_days)
    without = catalog.availability(variant, at, None).made_to_order
    # Without the notice: Feb 1 + 14 = Mon Feb 15, Presidents' Day, so it ships Tue Feb 16.
    assert without.size_known_ships_by == date(2027, 2, 16)


def test_active_notice_takes_the_longest_overlapping(app):
    db.session.add(
        LeadTimeNotice(title="Factory move", message="m", extra_days=20,
                       starts_on=date(2027, 2, 1), ends_on=date(2027, 2, 3))
    )
    db.session.flush()
    assert catalog.active_notice(date(2027, 2, 2)).title == "Factory move"
    assert catalog.active_notice(date(2026, 11, 25)) is None


def test_stock_summary_counts_pairs_and_sold_out_sizes(app):
    rows = {row.name: row for row in catalog.stock_summary()}
    expected = db.session.scalar(
        select(db.func.sum(Variant.stock)).join(Colour).join(Style).where(Style.slug == "slingback")
    )
    assert rows["The Slingback"].pairs == expected


# --- views ------------------------------------------------------------------------


def test_home_and_shop_list_every_style(client):
    for url in ("/", "/shop"):
        html = client.get(url).get_data(as_text=True)
        for name in ("The Classic Pump", "The Strap Heel", "The Slingback"):
            assert name in html


def test_product_page_without_a_size_asks_for_one(client):
    response = client.get("/products/classic-pump")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose your size" in html
    assert "Add to cart" not in html
    assert "<html" in html


def test_product_page_in_stock_shows_concrete_dates(app, client):
    variant_of().stock = 4
    db.session.commit()
    html = client.get("/products/classic-pump?colour=black&size=8.5&width=M").get_data(as_text=True)
    assert "In stock" in html
    assert "Fri, Nov 27" in html and "Mon, Nov 30" in html
    assert "Wed, Dec 2 – Mon, Dec 7" in html
    assert "Add to cart</button>" in html


def test_product_page_out_of_stock_explains_made_to_order(app, client):
    variant_of().stock = 0
    db.session.commit()
    html = client.get("/products/classic-pump?colour=black&size=8.5&width=M").get_data(as_text=True)
    assert "Made to order" in html
    assert "fitting heels" in html
    assert f"within {policy.MADE_TO_ORDER_PRODUCTION_DAYS} days" in html
    assert "Add to cart, made to order" in html


def test_product_page_shows_an_active_lead_time_notice(app, client):
    variant_of().stock = 0
    db.session.commit()
    with clock.freeze(datetime(2027, 2, 1, 9, 0)):
        html = client.get("/products/classic-pump?colour=black&size=8.5&width=M").get_data(as_text=True)
    assert "Lunar New Year" in html
    assert "plus 10 extra days" in html


def test_variant_fragment_for_htmx_with_vary(client, htmx_headers):
    response = client.get("/products/classic-pump?colour=cherry&size=8&width=M", headers=htmx_headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="variant-view"')
    assert "<html" not in html
    assert "classic-pump-cherry." in html  # the image, under its hashed name
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_full_request_gets_the_whole_page(client):
    response = client.get("/products/classic-pump", headers={"HX-Request": "true", "HX-Request-Type": "full"})
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Request-Type" in response.headers["Vary"]


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("colour=purple", "colour", "Please choose one of the colours listed."),
        ("size=99", "size", "Please choose a US size from 5 to 12."),
        ("size=8&width=XXL", "width", "Please choose narrow, medium or wide."),
    ],
)
def test_bad_url_parameters_get_a_message_beside_the_field(client, query, field, message):
    response = client.get(f"/products/classic-pump?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in html


def test_unknown_product_is_404_not_500(client):
    assert client.get("/products/no-such-shoe").status_code == 404
    assert client.get("/products/" + "x" * 500).status_code == 404


def test_style_cards_are_cached_for_the_configured_time(app, monkeypatch):
    from tests.support.queries import count_queries

    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 60)
    first = catalog.style_cards()
    with count_queries() as statements:
        assert catalog.style_cards() == first
    assert statements == []
    style = db.session.scalar(select(Style).where(Style.slug == "slingback"))
    style.name = "The New Slingback"
    db.session.commit()
    assert "The New Slingback" not in [c.name for c in catalog.style_cards()]  # still cached
    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 0)
    assert "The New Slingback" in [c.name for c in catalog.style_cards()]


def test_todays_notice_is_cached_per_day(app, monkeypatch):
    from tests.support.queries import count_queries

    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 60)
    in_lunar_new_year = date(2027, 2, 1)
    first = catalog.todays_notice(in_lunar_new_year)
    assert first.title == "Lunar New Year"
    with count_queries() as statements:
        assert catalog.todays_notice(in_lunar_new_year) == first
    # Neither the notices nor their version: the version was read a moment ago
    # (it is read again after CATALOG_FRESH_SECONDS, see test_cache_versions.py).
    assert statements == []
    assert catalog.todays_notice(date(2026, 11, 25)) is None  # another day asks again
