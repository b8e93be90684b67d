"""The cart: service rules, the page without JavaScript, the htmx drawer and count."""

import json

import pytest
from sqlalchemy import select

from ally_web import policy
from ally_web.core.errors import DomainError, NotFound
from ally_web.extensions import db
from ally_web.models import Colour, Style, Variant
from ally_web.services import cart as cart_service
from tests.support.queries import count_queries


def find_variant(stock: int, slug="classic-pump", colour="black", size=17, width="M") -> Variant:
    variant = db.session.scalar(
        select(Variant).join(Colour).join(Style).where(
            Style.slug == slug, Colour.slug == colour, Variant.size_halves == size, Variant.width == width
        )
    )
    variant.stock = stock
    db.session.commit()
    return variant


def add(client, variant, quantity=1, headers=None, **extra):
    data = {"variant_id": str(variant.id), "quantity": str(quantity), "style": "classic-pump",
            "colour": "black", "size": "8.5", "width": "M", **extra}
    return client.post("/cart/add", data=data, headers=headers or {})


# --- service ------------------------------------------------------------------------


def test_add_merges_lines_and_counts_pairs(app):
    store = {}
    variant = find_variant(stock=5)
    cart_service.add_to_cart(variant.id, 2, store)
    cart_service.add_to_cart(variant.id, 1, store)
    cart = cart_service.load_cart(store)
    assert [(line.variant.id, line.quantity) for line in cart.lines] == [(variant.id, 3)]
    assert cart.count == cart_service.cart_count(store) == 3
    assert cart.subtotal_cents == 3 * variant.colour.style.price_cents


def test_quantity_limits(app):
    store = {}
    variant = find_variant(stock=50)
    with pytest.raises(DomainError) as error:
        cart_service.add_to_cart(variant.id, 0, store)
    assert error.value.field == "quantity"
    cart_service.add_to_cart(variant.id, policy.CART_MAX_QUANTITY, store)
    with pytest.raises(DomainError, match="already have"):
        cart_service.add_to_cart(variant.id, 1, store)


def test_unknown_variant_is_not_found(app):
    with pytest.raises(NotFound):
        cart_service.add_to_cart(2_000_000_000, 1, {})


def test_a_line_larger_than_stock_is_made_to_order(app):
    store = {}
    variant = find_variant(stock=1)
    cart_service.add_to_cart(variant.id, 2, store)
    line = cart_service.load_cart(store).lines[0]
    assert line.made_to_order


def test_sold_out_since_added_gives_a_notice_once(app):
    store = {}
    variant = find_variant(stock=2)
    cart_service.add_to_cart(variant.id, 1, store)
    variant.stock = 0
    db.session.commit()
    first = cart_service.load_cart(store)
    assert first.lines[0].made_to_order
    assert "sold out since you added it" in first.notices[0]
    assert cart_service.load_cart(store).notices == []


def test_vanished_variant_is_dropped_with_a_notice(app):
    store = {"cart": {"2000000000": [1, True]}}
    cart = cart_service.load_cart(store)
    assert cart.lines == []
    assert cart.notices and "no longer sold" in cart.notices[0]
    assert store["cart"] == {}


def test_a_cart_of_several_pairs_loads_each_in_the_order_added(app):
    store = {}
    second = find_variant(stock=5, size=18)
    first = find_variant(stock=5)
    cart_service.add_to_cart(second.id, 1, store)
    cart_service.add_to_cart(first.id, 2, store)
    db.session.expunge_all()  # read back from the database, not the identity map
    cart = cart_service.load_cart(store)
    assert [(line.variant.id, line.quantity) for line in cart.lines] == [(second.id, 1), (first.id, 2)]
    assert cart.notices == []


def test_set_quantity_zero_removes(app):
    store = {}
    variant = find_variant(stock=5)
    cart_service.add_to_cart(variant.id, 2, store)
    cart_service.set_quantity(variant.id, 0, store)
    assert cart_service.cart_count(store) == 0


# --- views: without JavaScript ------------------------------------------------------------


def test_add_without_js_redirects_to_the_cart_page(client, app):
    variant = find_variant(stock=5)
    response = add(client, variant, 2)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/cart")
    page = client.get("/cart").get_data(as_text=True)
    assert "Added The Classic Pump in Black Leather, size 8½." in page
    assert 'value="2"' in page
    assert '<span id="cart-count"' in page and ">2<" in page


def test_adding_with_htmx_reads_the_pair_once_for_the_check_and_the_drawer(client, app, htmx_headers):
    variant = find_variant(stock=5)
    variant_id = variant.id  # read now: the test's own object is not part of the count
    with count_queries() as statements:
        drawer = client.post("/cart/add", headers=htmx_headers, data={
            "variant_id": str(variant_id), "quantity": "1", "style": "classic-pump"})
    assert drawer.status_code == 200 and "Black Leather" in drawer.get_data(as_text=True)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "JOIN styles" in selects[0]


def test_a_colour_s_own_price_wins_over_its_style_s(app):
    variant = find_variant(stock=5)
    store: dict = {}
    cart_service.add_to_cart(variant.id, 1, store)
    style_price = variant.colour.style.price_cents
    assert cart_service.load_cart(store).subtotal_cents == style_price
    variant.colour.price_cents = style_price + 2000
    db.session.commit()
    assert cart_service.load_cart(store).lines[0].unit_price_cents == style_price + 2000


def test_a_cart_survives_a_key_rotation_and_not_a_key_change(client, app, htmx_headers):
    """The session's signer is built once per set of keys (cookie_session.py): a new
    SECRET_KEY with the old one among the fallbacks still reads the cookie."""
    def count() -> str:
        return client.get("/cart/count", headers=htmx_headers).get_data(as_text=True)

    add(client, find_variant(stock=5))
    assert "</span>1<span" in count()
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="a-new-key-" + "x" * 32, SECRET_KEY_FALLBACKS=[old_key])
    assert "</span>1<span" in count()
    app.config.update(SECRET_KEY="another-key-" + "y" * 32, SECRET_KEY_FALLBACKS=[])
    assert "</span>0<span" in count()


def test_a_small_session_goes_uncompressed_a_large_one_compressed_and_both_read_back(app):
    """cookie_session.SessionSerializer: zlib only from COMPRESS_FROM_BYTES up; a cookie
    Flask's own serializer wrote (compressed whenever that was shorter) still reads."""
    from flask.sessions import SecureCookieSessionInterface

    from ally_web.cookie_session import COMPRESS_FROM_BYTES

    signer = app.session_interface.get_signing_serializer(app)
    small = {"csrf_token": "0" * 40}
    large = {"cart": {str(n): [1, "black", "8.5"] for n in range(10)}}
    assert len(json.dumps(large)) > COMPRESS_FROM_BYTES
    assert not signer.dumps(small).startswith(".") and signer.loads(signer.dumps(small)) == small
    assert signer.dumps(large).startswith(".") and signer.loads(signer.dumps(large)) == large
    flasks_own = SecureCookieSessionInterface().get_signing_serializer(app)
    assert flasks_own.dumps(small).startswith(".")  # zlib squeezes the zeros: Flask compresses
    assert signer.loads(flasks_own.dumps(small)) == small and signer.loads(flasks_own.dumps(large)) == large


def test_the_session_cookie_is_sent_again_only_when_the_session_changes(client, app):
    variant = find_variant(stock=5)
    added = add(client, variant)
    assert added.status_code == 303
    cookie = next(c for c in added.headers.getlist("Set-Cookie") if c.startswith("ally_session="))
    assert "Expires=" in cookie  # the cart outlives the browser window
    assert "Added" in client.get("/cart").get_data(as_text=True)  # showing the message changes the session
    for unchanged in ("/cart", "/products/classic-pump", "/"):
        response = client.get(unchanged)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, unchanged
    changed = client.post(f"/cart/lines/{variant.id}", data={"quantity": "2"})
    assert changed.status_code == 303
    assert any(c.startswith("ally_session=") for c in changed.headers.getlist("Set-Cookie"))
    assert 'value="2"' in client.get("/cart").get_data(as_text=True)


def test_update_and_remove_without_js(client, app):
    variant = find_variant(stock=5)
    add(client, variant, 1)
    response = client.post(f"/cart/lines/{variant.id}", data={"quantity": "3"})
    assert response.status_code == 303
    assert "$885" in client.get("/cart").get_data(as_text=True)
    response = client.post(f"/cart/lines/{variant.id}/remove")
    assert response.status_code == 303
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)


@pytest.mark.parametrize("typed", ["-1", "11", "abc", "", "99999999999999999999999"])
def test_bad_quantity_keeps_what_was_typed_and_explains(client, app, typed):
    variant = find_variant(stock=5)
    add(client, variant, 1)
    response = client.post(f"/cart/lines/{variant.id}", data={"quantity": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="quantity-{variant.id}-error"' in html
    assert f'value="{typed}"' in html
    assert 'aria-invalid="true"' in html


def test_bad_add_rerenders_the_product_with_the_error(client, app):
    variant = find_variant(stock=5)
    response = add(client, variant, 0)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="quantity-error"' in html and "Choose between 1 and" in html
    assert "<h1 class=\"product__name\">The Classic Pump</h1>" in html


@pytest.mark.parametrize("variant_id", ["", "abc", "99999999999999999999", "2000000000", "-5"])
def test_add_with_a_bad_variant_is_a_4xx_with_a_message(client, variant_id):
    response = client.post("/cart/add", data={"variant_id": variant_id, "quantity": "1", "style": "classic-pump"})
    assert response.status_code in (404, 422)
    assert response.status_code != 500


@pytest.mark.parametrize("url", ["/cart/lines/99999999999999999999", "/cart/lines/0", "/cart/lines/abc/remove"])
def test_huge_or_odd_ids_in_urls_are_404(client, url):
    assert client.post(url, data={"quantity": "1"}).status_code == 404


def test_updating_a_line_not_in_the_cart_is_a_clear_4xx(client, app):
    variant = find_variant(stock=5)
    response = client.post(f"/cart/lines/{variant.id}", data={"quantity": "2"})
    assert response.status_code == 422
    assert "not in your cart any more" in response.get_data(as_text=True)


# --- views: with htmx ----------------------------------------------------------------


def test_add_with_htmx_returns_the_drawer_and_triggers_the_count(client, app, htmx_headers):
    variant = find_variant(stock=5)
    response = add(client, variant, 1, headers=htmx_headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<aside class="drawer"')
    assert "Added The Classic Pump" in html
    assert json.loads(response.headers["HX-Trigger"]) == {"cart-changed": True}
    count = client.get("/cart/count", headers=htmx_headers)
    assert ">1<" in count.get_data(as_text=True)
    assert "HX-Request" in count.headers["Vary"]


def test_bad_add_with_htmx_retargets_the_variant_view(client, app, htmx_headers):
    variant = find_variant(stock=5)
    response = add(client, variant, 42, headers=htmx_headers)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#variant-view"
    assert response.get_data(as_text=True).lstrip().startswith('<div id="variant-view"')


def test_update_with_htmx_returns_the_panel(client, app, htmx_headers):
    variant = find_variant(stock=5)
    add(client, variant, 1)
    response = client.post(f"/cart/lines/{variant.id}", data={"quantity": "2"}, headers=htmx_headers)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div class="cart-panel">')
    assert "Your cart is updated." in html
    assert "cart-changed" in response.headers["HX-Trigger"]


def test_cart_link_opens_the_drawer_for_htmx_and_the_page_without(client):
    assert client.get("/cart", headers={"HX-Request": "true"}).get_data(as_text=True).lstrip().startswith("<aside")
    assert "<html" in client.get("/cart").get_data(as_text=True)
    assert client.get("/cart/count").status_code == 303
