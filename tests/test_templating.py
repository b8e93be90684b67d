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
