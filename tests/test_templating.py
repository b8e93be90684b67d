"""What templates keep per process - the addresses they build
(templating.memoized_url_for) and the page frame's partials (templating.kept_partials) -
must be what would have been built."""

from __future__ import annotations

import pytest
from jinja2 import ChoiceLoader, DictLoader, UndefinedError


def _url_for(app):
    return app.jinja_env.globals["url_for"]


def test_an_address_follows_the_prefix_the_app_is_mounted_under(app):
    url_for = _url_for(app)
    with app.test_request_context("/"):
        assert url_for("shop.index") == "/shop"
    with app.test_request_context("/", base_url="http://localhost/store/"):
        assert url_for("shop.index") == "/store/shop"
    with app.test_request_context("/"):
        assert url_for("shop.index") == "/shop"


def test_a_relative_endpoint_belongs_to_the_blueprint_of_the_request(app):
    url_for = _url_for(app)
    with app.test_request_context("/cart"):
        assert url_for(".show") == "/cart"
    with app.test_request_context("/checkout"):
        assert url_for(".show") == "/checkout"


def test_external_addresses_carry_each_request_s_host(app):
    url_for = _url_for(app)
    with app.test_request_context("/", base_url="http://one.example"):
        assert url_for("shop.index", _external=True) == "http://one.example/shop"
    with app.test_request_context("/", base_url="http://two.example"):
        assert url_for("shop.index", _external=True) == "http://two.example/shop"


def test_values_that_cannot_be_kept_are_built_each_time(app):
    url_for = _url_for(app)
    with app.test_request_context("/"):
        assert url_for("shop.index", tag=["a", "b"]) == "/shop?tag=a&tag=b"  # a list: unhashable
        long_link = "x" * 200
        assert url_for("orders.show", link=long_link) == f"/orders/{long_link}"
        assert url_for("orders.show", link="short") == "/orders/short"
        assert url_for("orders.show", link="short") == "/orders/short"  # kept, and the same


# --- the page frame's kept partials (templating.kept_partials) --------------------

def test_the_kept_frame_follows_the_prefix_the_app_is_mounted_under(app):
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/css/site.' in page
    assert '<li><a href="/shop">Shop</a></li>' in page
    assert '<li><a href="/faq#returns">Returns &amp; exchanges</a></li>' in page
    mounted = client.get("/", base_url="http://localhost/store/").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/store/static/css/site.' in mounted
    assert '<li><a href="/store/shop">Shop</a></li>' in mounted
    assert '<li><a href="/store/faq#returns">Returns &amp; exchanges</a></li>' in mounted
    assert '<li><a href="/shop">Shop</a></li>' in client.get("/").get_data(as_text=True)


def test_a_kept_partial_sees_nothing_of_the_request_or_the_visitor(app):
    """Whatever differs between pages or visitors fails loudly in a kept partial
    instead of being kept for everyone."""
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "_chrome/greeting.html": "Hello {{ current_user.name }}",
        "_chrome/count.html": "{{ cart_count() }}",
    }), app.jinja_env.loader])
    kept = app.jinja_env.globals["kept"]
    with app.test_request_context("/"):
        for name in ("_chrome/greeting.html", "_chrome/count.html"):
            with pytest.raises(UndefinedError):
                kept(name)


def test_a_kept_partial_is_kept_once_per_choice_it_is_given(app):
    """The product page's size list is kept per selected size: the value is part of
    what the partial is kept under, so one shopper's pick is never another's."""
    kept = app.jinja_env.globals["kept"]
    with app.test_request_context("/"):
        eight_and_a_half = kept("shop/_size_options.html", selected=17)
        nine = kept("shop/_size_options.html", selected=18)
        none = kept("shop/_size_options.html", selected=None)
        assert kept("shop/_size_options.html", selected=17) is eight_and_a_half  # kept, not rendered again
    assert '<option value="8.5" selected>8½</option>' in eight_and_a_half
    assert '<option value="9" selected>9</option>' in nine and '<option value="8.5" >8½</option>' in nine
    assert '<option value="" selected>Choose your size</option>' in none and " selected>" not in none.replace(
        '<option value="" selected>', "")


def test_the_product_page_shows_the_shopper_s_own_picks_from_the_kept_lists(client):
    page = client.get("/products/classic-pump?size=12&width=W").get_data(as_text=True)
    assert '<option value="12" selected>12</option>' in page
    assert 'value="W" checked>' in page and 'value="M" checked>' not in page
    page = client.get("/products/classic-pump?size=5&width=N").get_data(as_text=True)
    assert '<option value="5" selected>5</option>' in page and '<option value="12" selected>' not in page
    assert 'value="N" checked>' in page and 'value="W" checked>' not in page
