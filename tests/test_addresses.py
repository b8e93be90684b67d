"""States and provinces: offered as a list, accepted however they are typed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ally_web.extensions import db
from ally_web.models import Order
from ally_web.services.checkout import region_choices, region_code
from ally_web.services.checkout.addresses import Address, check_address
from tests.checkout_flow import NEW_YORK, add_to_cart, buy, variant

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


@pytest.mark.parametrize("typed", ["New York", "new york", "NEW YORK", "NY", "ny", "N.Y.", " n.y ", "US-NY"])
def test_new_york_however_it_is_typed(typed):
    assert region_code("US", typed) == "NY"


@pytest.mark.parametrize("country, typed, code", [
    ("US", "District of Columbia", "DC"), ("US", "D.C.", "DC"), ("US", "Puerto Rico", "PR"),
    ("US", "U.S. Virgin Islands", "VI"), ("US", "guam", "GU"), ("US", "AE", "AE"),
    ("CA", "Ontario", "ON"), ("CA", "Québec", "QC"), ("CA", "quebec", "QC"), ("CA", "b.c.", "BC"),
    ("CA", "Newfoundland and Labrador", "NL"),
])
def test_states_territories_and_provinces(country, typed, code):
    assert region_code(country, typed) == code


@pytest.mark.parametrize("country, typed", [("US", "Ontario"), ("CA", "New York"), ("US", "ZZ"), ("US", ""),
                                            ("GB", "London"), ("US", "UM")])
def test_anything_else_is_refused(country, typed):
    assert region_code(country, typed) is None


def test_the_lists_come_from_iso_3166_2():
    us = dict(region_choices("US"))
    assert len([c for c in us if c not in ("AA", "AE", "AP", "DC", "PR", "GU", "VI", "AS", "MP")]) == 50
    assert us["NY"] == "New York" and us["VI"] == "U.S. Virgin Islands"
    assert len(region_choices("CA")) == 13 and dict(region_choices("CA"))["QC"] == "Quebec"
    assert region_choices("GB") == ()


def test_check_address_accepts_a_full_name():
    address = Address(name="Jane", phone="", line1="1 Main St", line2="", city="Albany", region="new york",
                      postal_code="12207", country="US")
    assert check_address(address) == {}
    address.region = "Nowhere"
    assert "region" in check_address(address)


def test_checkout_offers_the_list_for_the_country_chosen(client, app):
    add_to_cart(client, variant(stock=3))
    us = client.get("/checkout").get_data(as_text=True)
    assert '<datalist id="region-list">' in us and '<option value="New York">NY</option>' in us
    # Without JavaScript, "Update totals" after changing the country re-renders the field.
    canada = client.post("/checkout", data={**NEW_YORK, "country": "CA", "region": "", "action": "update"})
    page = canada.get_data(as_text=True)
    assert '<option value="Ontario">ON</option>' in page and "New York" not in page.split("region-list")[1][:2000]
    # With JavaScript, changing the country brings the whole form back, typed values kept.
    partial = client.post("/checkout/address", data={**NEW_YORK, "country": "CA"}, headers=HTMX)
    html = partial.get_data(as_text=True)
    assert partial.status_code == 200 and '<form id="checkout-form"' in html and "<html" not in html
    assert '<option value="Ontario">ON</option>' in html and 'value="350 Fifth Avenue"' in html


def test_an_order_with_the_state_typed_in_full_stores_its_code(client, app):
    add_to_cart(client, variant(stock=3))
    buy(client, region="new york")
    assert db.session.scalar(select(Order)).region == "NY"


def test_canada_quote_takes_the_province_typed_in_full(client, app):
    add_to_cart(client, variant(stock=3))
    page = client.post("/checkout", data={**NEW_YORK, "country": "CA", "region": "Ontario",
                                          "postal_code": "M5V 2T6", "action": "update"}).get_data(as_text=True)
    assert "HST (13%)" in page
