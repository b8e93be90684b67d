"""The addresses templates build are kept per process (templating.memoized_url_for):
kept ones must be the ones that would have been built."""

from __future__ import annotations


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
