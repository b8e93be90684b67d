"""Journeys a person makes in the store, in Chromium, with JavaScript and without.

Elements are found as a person finds them: by role, accessible name and label.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from ally_web.core import clock
from ally_web.extensions import db
from ally_web.models import Colour, StaffRole, Style
from ally_web.services import catalog
from ally_web.services.staff import auth as staff_auth
from ally_web.templating import day, money
from tests.browser.helpers import (
    assert_same_document,
    focus_report,
    mark_document,
    tab_to,
)
from tests.conftest import STAFF_PASSWORD

STYLE_SLUG = "classic-pump"


# --- What the demo catalog holds (read from the live server's database) --------------


@dataclass(frozen=True)
class Pair:
    """A colour and size of the Classic Pump: in stock in Medium, made to order in Narrow."""

    style_name: str
    price_cents: int
    default_colour: str  # name of the colour the page opens on
    colour_slug: str
    colour_name: str
    size: str  # as in the URL and the size <option> value: "8", "8.5"
    size_label: str  # as shown: "8", "8½"
    in_stock: int  # pairs of the Medium variant on the shelf (2 or more)

    @property
    def line_name(self) -> str:
        """How the cart names this pair to a screen reader."""
        return f"{self.style_name}, {self.colour_name}, size {self.size_label}"


@pytest.fixture(scope="session")
def pair(live_server) -> Pair:
    """The first non-default colour and size with Medium in stock (2+) and Narrow sold
    out, so one page shows both delivery promises. The seed is deterministic."""
    with live_server.app.app_context():
        style = db.session.scalar(db.select(Style).where(Style.slug == STYLE_SLUG))
        colours = sorted(style.colours, key=lambda c: c.position)
        for colour in colours[1:] + colours[:1]:
            by_key = {(v.size_halves, v.width): v for v in colour.variants}
            for halves in sorted({v.size_halves for v in colour.variants}):
                medium, narrow = by_key.get((halves, "M")), by_key.get((halves, "N"))
                if medium and narrow and medium.stock >= 2 and narrow.stock == 0:
                    return Pair(
                        style_name=style.name,
                        price_cents=style.price_cents,
                        default_colour=colours[0].name,
                        colour_slug=colour.slug,
                        colour_name=colour.name,
                        size=f"{halves / 2:g}",
                        size_label=medium.size_label,
                        in_stock=medium.stock,
                    )
    raise AssertionError("the demo seed has no size in stock in Medium and sold out in Narrow")


@dataclass(frozen=True)
class Promises:
    in_stock: str  # a sentence fragment only the in-stock promise shows
    made_to_order: str  # one only the made-to-order plan shows


def expected_promises(live_server, pair: Pair) -> Promises:
    """The dates the page must show at the frozen store time, from the same rules."""
    with live_server.app.app_context():
        colour = db.session.scalar(
            db.select(Colour).join(Style).where(Style.slug == STYLE_SLUG, Colour.slug == pair.colour_slug)
        )
        variants = {(v.size_halves, v.width): v for v in colour.variants}
        halves = int(float(pair.size) * 2)
        now = clock.now()
        notice = catalog.active_notice(now.date())
        stocked = catalog.availability(variants[(halves, "M")], now, notice)
        made = catalog.availability(variants[(halves, "N")], now, notice)
    assert stocked.in_stock and not made.in_stock
    p, m = stocked.promise, made.made_to_order
    return Promises(
        in_stock=f"arrives {day(p.arrives_from)} – {day(p.arrives_by)}",
        made_to_order=f"It ships by {day(m.size_known_ships_by)} and arrives by {day(m.size_known_arrives_by)}",
    )


# --- Helpers ---------------------------------------------------------------------------


def availability(page: Page) -> Locator:
    return page.get_by_role("region", name="Availability and delivery")


def cart_count(page: Page) -> Locator:
    return page.locator("#cart-count")


def pairs(n: int) -> str:
    return f"{n} pair" if n == 1 else f"{n} pairs"


def cart_region(page: Page, js_on: bool) -> Locator:
    """With JS the cart opens as the "My Cart" drawer; without, it is the /cart page."""
    if js_on:
        return page.get_by_role("complementary", name="My Cart")
    return page.get_by_role("main")


def open_product(page: Page) -> None:
    page.goto("/shop")
    page.get_by_role("link", name="The Classic Pump", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/products/{STYLE_SLUG}$"))
    expect(page.get_by_role("heading", level=1, name="The Classic Pump")).to_be_visible()


def pick(page: Page, js_on: bool, *, colour: Pair | None = None, size: str | None = None,
         width: str | None = None) -> None:
    """Pick options as a shopper would. With JS each pick updates the page in place;
    wait for it (htmx replaces the URL after the swap) before the next pick, at a
    person's pace. Without JS nothing happens until "Show availability"."""
    steps = []
    if colour is not None:
        steps.append((page.get_by_role("radio", name=colour.colour_name, exact=True).check,
                      "colour", colour.colour_slug))
    if size is not None:
        steps.append((lambda: page.get_by_label("US size").select_option(size), "size", size))
    if width is not None:
        steps.append((page.get_by_role("radio", name=width, exact=True).check, "width", width[0]))
    for act, param, value in steps:
        act()
        if js_on:
            expect(page).to_have_url(re.compile(rf"[?&]{param}={re.escape(value)}(&|$)"))
    show = page.get_by_role("button", name="Show availability")
    if js_on:
        expect(show).to_be_hidden()
    else:
        show.click()


# --- Accessibility of every public page -------------------------------------------------

PUBLIC_PAGES = [
    ("/", 200),
    ("/shop", 200),
    ("/products/classic-pump", 200),
    ("/products/classic-pump?size=8.5", 200),
    ("/products/classic-pump?size=99", 422),  # a bad pick: the error is shown, tied to its field
    ("/cart", 200),
    ("/faq", 200),
    ("/contact", 200),
    ("/staff/sign-in", 200),
    ("/no-such-page", 404),
]


@pytest.mark.parametrize("js", ["js-on"])
@pytest.mark.parametrize(("path", "status"), PUBLIC_PAGES, ids=[p for p, _ in PUBLIC_PAGES])
def test_public_page_is_accessible(page: Page, audit, path: str, status: int) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    audit()


@pytest.mark.parametrize("js", ["js-on"])
def test_cart_page_with_an_item_is_accessible(page: Page, audit, pair: Pair) -> None:
    page.goto(f"/products/{STYLE_SLUG}?colour={pair.colour_slug}&size={pair.size}&width=M")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(cart_count(page)).to_contain_text(pairs(1))
    page.goto("/cart")
    expect(page.get_by_label(f"Quantity of {pair.line_name}")).to_have_value("1")
    audit("(cart page with one line)")


# --- The shopper -------------------------------------------------------------------------


def test_shopper_picks_a_pair_and_manages_the_cart(page: Page, is_js: bool, audit, pair: Pair,
                                                     live_server) -> None:
    promises = expected_promises(live_server, pair)
    open_product(page)
    expect(availability(page)).to_contain_text("Choose your size")
    if is_js:
        mark_document(page)

    # A colour, then Narrow in our size: not on the shelf, so made to order.
    pick(page, is_js, colour=pair)
    expect(page.get_by_role("group", name=re.compile(r"^Colour"))).to_contain_text(pair.colour_name)
    pick(page, is_js, width="Narrow", size=pair.size)
    expect(page).to_have_url(re.compile(rf"colour={pair.colour_slug}&size={re.escape(pair.size)}&width=N$"))
    expect(availability(page)).to_contain_text("Made to order")
    expect(availability(page)).to_contain_text(promises.made_to_order)
    expect(availability(page)).not_to_contain_text("In stock")
    expect(page.get_by_role("button", name="Add to cart, made to order")).to_be_visible()
    if is_js:
        assert_same_document(page)
        audit("(after the made-to-order swap)")

    # Medium in the same size is on the shelf: the promise changes to in-stock dates.
    pick(page, is_js, width="Medium")
    expect(page).to_have_url(re.compile(rf"colour={pair.colour_slug}&size={re.escape(pair.size)}&width=M$"))
    expect(availability(page)).to_contain_text("In stock")
    expect(availability(page)).to_contain_text(promises.in_stock)
    expect(availability(page)).not_to_contain_text("Made to order")
    expect(page.get_by_label("US size")).to_have_value(pair.size)
    expect(page.get_by_role("radio", name=pair.colour_name, exact=True)).to_be_checked()
    if is_js:
        assert_same_document(page)
        audit("(after the in-stock swap)")

    # Add to cart: a drawer over the page with JS, the cart page without.
    page.get_by_role("button", name="Add to cart", exact=True).click()
    added = f"Added {pair.style_name} in {pair.colour_name}, size {pair.size_label}."
    cart = cart_region(page, is_js)
    if is_js:
        expect(cart.get_by_role("heading", name="My Cart")).to_be_focused()
        assert_same_document(page)
    else:
        expect(page).to_have_url(re.compile(r"/cart$"))
        expect(page.get_by_role("heading", level=1, name="My Cart")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=added)).to_be_visible()
    expect(cart_count(page)).to_contain_text(pairs(1))
    expect(cart.locator(".cart-summary")).to_contain_text(f"Subtotal {money(pair.price_cents)}")
    audit("(cart drawer, one pair)")

    # Two of them: the subtotal doubles.
    cart.get_by_label(f"Quantity of {pair.line_name}").fill("2")
    cart.get_by_role("button", name="Update quantity").click()
    cart = cart_region(page, is_js)
    expect(cart.get_by_role("status").filter(has_text="Your cart is updated.")).to_be_visible()
    expect(cart.get_by_label(f"Quantity of {pair.line_name}")).to_have_value("2")
    expect(cart.locator(".cart-summary")).to_contain_text(f"Subtotal {money(2 * pair.price_cents)}")
    expect(cart_count(page)).to_contain_text(pairs(2))
    if is_js:
        assert_same_document(page)
        audit("(cart drawer, quantity 2)")

    # Remove the line: the cart is empty.
    cart.get_by_role("button", name=f"Remove {pair.line_name}").click()
    cart = cart_region(page, is_js)
    expect(cart.get_by_text("Your cart is empty.")).to_be_visible()
    expect(cart.get_by_role("status").filter(has_text="Removed from your cart.")).to_be_visible()
    expect(cart_count(page)).to_contain_text(pairs(0))
    if is_js:
        assert_same_document(page)
        audit("(cart drawer, empty)")


def test_cart_rejects_a_bad_quantity_and_keeps_what_was_typed(page: Page, is_js: bool, audit,
                                                              pair: Pair) -> None:
    page.goto(f"/products/{STYLE_SLUG}?colour={pair.colour_slug}&size={pair.size}&width=M")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    cart = cart_region(page, is_js)
    quantity = cart.get_by_label(f"Quantity of {pair.line_name}")
    expect(quantity).to_have_value("1")

    quantity.fill("11")
    cart.get_by_role("button", name="Update quantity").click()
    cart = cart_region(page, is_js)
    quantity = cart.get_by_label(f"Quantity of {pair.line_name}")
    expect(quantity).to_have_value("11")  # nothing the shopper typed is lost
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(quantity).to_have_accessible_description("Choose between 0 and 10 pairs.")
    expect(cart.locator(".cart-summary")).to_contain_text(f"Subtotal {money(pair.price_cents)}")
    expect(cart_count(page)).to_contain_text(pairs(1))
    audit("(cart with an invalid quantity)")


@pytest.mark.parametrize("js", ["js-on"])
def test_keyboard_only_shopper(page: Page, audit, pair: Pair) -> None:
    """Pick a width, add to cart, change the quantity and remove it: keys only.

    Where focus lands after each swap is collected and checked at the end, so a
    focus problem is reported together with the rest of the journey."""
    page.goto(f"/products/{STYLE_SLUG}?colour={pair.colour_slug}&size={pair.size}&width=N")
    expect(availability(page)).to_contain_text("Made to order")
    mark_document(page)
    keys = page.keyboard
    lost_focus: list[str] = []

    # The first Tab reaches the skip link; Enter moves on to the main content.
    keys.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    # The width group: Tab lands on the checked radio, an arrow key picks the next one.
    narrow = page.get_by_role("radio", name="Narrow", exact=True)
    medium = page.get_by_role("radio", name="Medium", exact=True)
    tab_to(page, narrow)
    keys.press("ArrowRight")
    expect(medium).to_be_checked()
    expect(availability(page)).to_contain_text("In stock")
    expect(page).to_have_url(re.compile(r"width=M$"))
    expect(medium).to_be_focused()  # the morph kept the shopper's place

    tab_to(page, page.get_by_role("button", name="Add to cart", exact=True))
    keys.press("Enter")
    drawer = page.get_by_role("complementary", name="My Cart")
    expect(drawer.get_by_role("heading", name="My Cart")).to_be_focused()
    expect(cart_count(page)).to_contain_text(pairs(1))

    quantity = drawer.get_by_label(f"Quantity of {pair.line_name}")
    tab_to(page, quantity)
    keys.press("ArrowUp")
    expect(quantity).to_have_value("2")
    tab_to(page, drawer.get_by_role("button", name="Update quantity"))
    keys.press("Enter")
    expect(drawer.get_by_role("status").filter(has_text="Your cart is updated.")).to_be_visible()
    expect(drawer.locator(".cart-summary")).to_contain_text(f"Subtotal {money(2 * pair.price_cents)}")
    expect(cart_count(page)).to_contain_text(pairs(2))
    if where := focus_report(page, drawer):
        lost_focus.append(f"after 'Update quantity' focus left the drawer for {where}")

    tab_to(page, drawer.get_by_role("button", name=f"Remove {pair.line_name}"))
    keys.press("Space")
    expect(drawer.get_by_text("Your cart is empty.")).to_be_visible()
    expect(cart_count(page)).to_contain_text(pairs(0))
    if where := focus_report(page, drawer):
        lost_focus.append(f"after 'Remove' focus left the drawer for {where}")
    audit("(keyboard journey, empty drawer)")

    # Escape closes the drawer and puts focus back on the cart link, in its place in
    # the header: Shift+Tab goes back to the link before it.
    tab_to(page, drawer.get_by_role("link", name="Shop the collection"))
    keys.press("Escape")
    expect(drawer).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^My Cart"))).to_be_focused()
    keys.press("Shift+Tab")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Contact")).to_be_focused()
    assert_same_document(page)

    assert not lost_focus, (
        "focus is not managed after these swaps (accessibility: focus follows the change), so a keyboard or "
        "screen-reader user is sent back to the top of the page:\n- " + "\n- ".join(lost_focus)
    )


# --- Staff ---------------------------------------------------------------------------------


def test_staff_sign_in_and_sign_out(page: Page, live_server, audit) -> None:
    email = f"stylist-{uuid.uuid4().hex[:10]}@example.com"
    with live_server.app.app_context():
        staff_auth.create_staff(email, "Sam Rivera", STAFF_PASSWORD, StaffRole.STYLIST)
        db.session.commit()

    page.goto("/")
    page.get_by_role("link", name="Staff sign-in").click()
    expect(page.get_by_role("heading", level=1, name="Staff sign-in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Signed in as Sam Rivera")).to_be_visible()
    audit("(staff dashboard)")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/staff/sign-in$"))
    expect(page.get_by_role("heading", level=1, name="Staff sign-in")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="You are signed out.")).to_be_visible()

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/staff/sign-in\?next=(%2F|/)admin(%2F|/)$"))
    expect(page.get_by_role("heading", level=1, name="Staff sign-in")).to_be_visible()
