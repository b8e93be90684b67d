"""Order lookup and the live order status page, in Chromium, with JavaScript and without.

A customer finds an order with the email and number from the confirmation email,
lands on the order's status page, and (while a parcel is moving) watches it update
itself until the parcel is delivered, when the page stops asking.

Each test makes its own order, under an email no other test uses, from one variant
this file owns (The Slingback in Ivory, Wide, US 12), whose stock it sets first, so
orders made here take nothing another journey counts on.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.actors import CARRIER, Actor
from ally_web.extensions import db
from ally_web.models import Colour, Order, Style, Variant
from ally_web.services import orders as order_service
from ally_web.templating import day
from tests.browser.helpers import (
    assert_same_document,
    focus_report,
    mark_document,
    tab_to,
)
from tests.factories import make_order

STYLE_SLUG = "slingback"
SENTINEL_PATH = "/static/css/site.css?after-the-timers"
COLOUR_SLUG = "ivory"
SIZE_HALVES = 24  # US 12
WIDTH = "W"

LOOKUP_PATH = "/pages/order-lookup"
NOT_FOUND = "We couldn't find an order with that email and order number."
POLL_SECONDS = 1


# --- Orders this file makes ----------------------------------------------------------------


@dataclass(frozen=True)
class PlacedOrder:
    email: str
    number: str  # as stored: "K7M2-9QXD"
    tracking_number: str | None = None
    expected: str | None = None  # "Expected <day> – <day>", shown while the parcel moves

    @property
    def typed_number(self) -> str:
        """How a person might type it: lower case, a '#', a space for the dash, stray spaces."""
        return f" #{self.number.lower().replace('-', ' ')} "


def unique_email(label: str) -> str:
    return f"lookup-{label}-{uuid.uuid4().hex[:10]}@example.com"


def unique_ups_number() -> str:
    return "1Z" + uuid.uuid4().hex[:16].upper()


def place_order(live_server, label: str, *, ship: bool = False) -> PlacedOrder:
    """A paid order for one pair of this file's variant; shipped by UPS if `ship`."""
    email = unique_email(label)
    with live_server.app.app_context():
        variant = db.session.scalar(
            select(Variant).join(Colour).join(Style).where(
                Style.slug == STYLE_SLUG, Colour.slug == COLOUR_SLUG,
                Variant.size_halves == SIZE_HALVES, Variant.width == WIDTH,
            )
        )
        variant.stock = 5
        db.session.commit()
        order = make_order(email=email, name="Robin Lookup", lines=[(variant, 1, False)])
        if not ship:
            return PlacedOrder(email, order.number)
        number = unique_ups_number()
        order_service.ship_ready_pairs(order, "UPS", number, Actor.staff(None, "Sam Rivera"))
        db.session.commit()
        line = order.lines[0]
        expected = f"Expected {day(line.arrives_from)} – {day(line.arrives_by)}"
        return PlacedOrder(email, order.number, number, expected)


def record_delivered(live_server, placed: PlacedOrder) -> None:
    """The carrier's delivery scan, as the tracking webhook would record it."""
    with live_server.app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == placed.number))
        (shipment,) = order.shipments
        assert order_service.record_scan(shipment, "delivered", clock.now(), CARRIER, "New York, NY")
        db.session.commit()


@pytest.fixture
def fast_polling(live_server) -> Iterator[int]:
    """The status page refreshes every second (instead of every 30) for this test."""
    before = live_server.app.config["ORDER_STATUS_POLL_SECONDS"]
    live_server.app.config["ORDER_STATUS_POLL_SECONDS"] = POLL_SECONDS
    try:
        yield POLL_SECONDS
    finally:
        live_server.app.config["ORDER_STATUS_POLL_SECONDS"] = before


def lookup_heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1, name="Find your order")


def lookup_form(page: Page) -> Locator:
    return page.locator("#lookup-form")


def order_heading(page: Page, placed: PlacedOrder) -> Locator:
    return page.get_by_role("heading", level=1, name=f"Order #{placed.number}")


def status_region(page: Page) -> Locator:
    """The part of the order page that refreshes itself while a parcel is moving."""
    return page.get_by_role("region", name=re.compile(r"^Status: "))


def open_lookup_from_nav(page: Page) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Track an order").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(LOOKUP_PATH)}$"))
    expect(lookup_heading(page)).to_be_visible()


def fill_lookup(page: Page, email: str, number: str) -> None:
    page.get_by_label("Email used for the order").fill(email)
    page.get_by_label("Order number").fill(number)


def look_up(page: Page, placed: PlacedOrder) -> None:
    """From the lookup page to the order's status page, the right way."""
    fill_lookup(page, placed.email, placed.typed_number)
    page.get_by_role("button", name="Find my order").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/?#]+$"))
    expect(order_heading(page, placed)).to_be_visible()


# --- 1. Find an order ------------------------------------------------------------------------


def test_customer_finds_an_order_after_a_wrong_email(page: Page, is_js: bool, audit, live_server) -> None:
    placed = place_order(live_server, "find")
    open_lookup_from_nav(page)

    # A typo in the email: the same page, the answer a stranger would get, nothing lost.
    fill_lookup(page, f"x{placed.email}", placed.typed_number)
    page.get_by_role("button", name="Find my order").click()
    alert = page.get_by_role("alert").filter(has_text=NOT_FOUND)
    expect(alert).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{re.escape(LOOKUP_PATH)}$"))
    expect(lookup_heading(page)).to_be_visible()
    expect(page.get_by_label("Order number")).to_have_value(placed.typed_number)
    expect(page.get_by_label("Email used for the order")).to_have_value(f"x{placed.email}")
    audit("(lookup page, order not found)")

    # The right email, the number still typed the loose way: the order page.
    page.get_by_label("Email used for the order").fill(placed.email)
    page.get_by_role("button", name="Find my order").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/?#]+$"))
    expect(order_heading(page, placed)).to_be_visible()
    expect(page).to_have_title(re.compile(rf"^Order #{re.escape(placed.number)}"))
    region = status_region(page)
    expect(region.get_by_role("heading", level=2)).to_have_text("Status: Preparing to ship")
    expect(region).to_contain_text("Once your order is delivered you have 14 days")
    expect(region).not_to_have_attribute("hx-trigger", re.compile(r"."))  # nothing moving, no polling
    audit("(order status page, preparing)")


# --- 2. The status page updates itself, then stops ---------------------------------------------


@pytest.mark.parametrize("js", ["js-on"])
def test_status_page_turns_delivered_without_a_reload_and_stops_polling(
    page: Page, audit, live_server, fast_polling: int
) -> None:
    placed = place_order(live_server, "live", ship=True)
    # The page's timers run on Playwright's clock: in step with real time, and at the
    # end moved ahead at once to show that no poll is left scheduled.
    page.clock.install()
    page.goto(LOOKUP_PATH)
    look_up(page, placed)
    order_url = page.url
    region = status_region(page)
    expect(region.get_by_role("heading", level=2)).to_have_text("Status: On its way")
    expect(region).to_have_attribute("hx-trigger", f"every {fast_polling}s")
    mark_document(page)

    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if request.url == order_url else None)

    # It is polling: the next refresh comes within the interval and changes nothing.
    with page.expect_request(lambda r: r.url == order_url, timeout=(fast_polling + 3) * 1000):
        pass
    expect(region.get_by_role("heading", level=2)).to_have_text("Status: On its way")

    # The carrier scans the parcel as delivered: the page shows it on its own.
    record_delivered(live_server, placed)
    expect(region.get_by_role("heading", level=2)).to_have_text("Status: Delivered")
    expect(region.get_by_role("heading", level=3)).to_have_text(["UPS parcel: Delivered", "What you ordered",
                                                                 "What you can do now"])
    expect(region).to_contain_text("14 days left")
    expect(order_heading(page, placed)).to_be_visible()
    assert_same_document(page)
    assert page.url == order_url

    # Delivered: the fragment came back without its trigger, and the asking stops.
    expect(region).not_to_have_attribute("hx-trigger", re.compile(r"."))
    expect(page.locator('[hx-trigger^="every"]')).to_have_count(0)
    seen = len(polls)
    assert seen >= 2, f"expected polls before the delivered swap, saw {polls}"
    # Fire every timer due in the next 2.5 s (more than two intervals) now; a poll still
    # scheduled sends its request from inside run_for. A request the page sends after
    # that reaches us after any such poll, so once it is seen the count is final.
    page.clock.run_for(2500)
    with page.expect_request(lambda r: r.url.endswith(SENTINEL_PATH)):
        page.evaluate("path => { fetch(path); }", SENTINEL_PATH)
    assert len(polls) == seen, (
        f"the page kept polling after it showed 'Delivered': {len(polls) - seen} more "
        f"request(s) to {order_url} in 2.5 s (interval {fast_polling} s)"
    )
    assert_same_document(page)
    audit("(order status page, delivered after live update)")


# --- 3. The same page without JavaScript ---------------------------------------------------------


@pytest.mark.parametrize("js", ["js-off"])
def test_in_transit_page_is_complete_without_javascript(page: Page, live_server) -> None:
    placed = place_order(live_server, "nojs", ship=True)
    page.goto(LOOKUP_PATH)
    look_up(page, placed)
    region = status_region(page)
    expect(region.get_by_role("heading", level=2)).to_have_text("Status: On its way")
    expect(region.get_by_role("heading", level=3, name="UPS parcel: Shipped")).to_be_visible()
    link = region.get_by_role("link", name=f"{placed.tracking_number} (track on UPS's site)")
    expect(link).to_have_attribute("href", re.compile(
        rf"^https://(www\.)?ups\.com/.*{re.escape(placed.tracking_number)}"))
    expect(region).to_contain_text(placed.expected)
    expect(region).to_contain_text("Once your order is delivered you have 14 days")

    # Delivered while the customer was away: a reload shows it.
    record_delivered(live_server, placed)
    page.reload()
    region = status_region(page)
    expect(region.get_by_role("heading", level=2)).to_have_text("Status: Delivered")
    expect(region.get_by_role("heading", level=3, name="UPS parcel: Delivered")).to_be_visible()
    expect(region).to_contain_text("14 days left")
    expect(region).not_to_contain_text("Expected ")
    expect(order_heading(page, placed)).to_be_visible()


# --- 4. The lookup form with htmx ---------------------------------------------------------------


@pytest.mark.parametrize("js", ["js-on"])
def test_lookup_form_swaps_in_place_and_keeps_the_keyboard_user(page: Page, audit, live_server) -> None:
    placed = place_order(live_server, "htmx")
    open_lookup_from_nav(page)
    mark_document(page)
    page.evaluate("() => { document.querySelector('h1').__allyKept = true; }")
    page.evaluate("() => { document.getElementById('lookup-form').__allyOld = true; }")
    lost_focus: list[str] = []

    # A wrong number, sent from the keyboard: only the form is replaced.
    wrong = "#zzzz zzzz"
    tab_to(page, page.get_by_label("Email used for the order"))
    page.keyboard.type(placed.email)
    tab_to(page, page.get_by_label("Order number"))
    page.keyboard.type(wrong)
    tab_to(page, page.get_by_role("button", name="Find my order"))
    page.keyboard.press("Enter")

    alert = page.get_by_role("alert").filter(has_text=NOT_FOUND)
    expect(alert).to_be_visible()
    expect(lookup_form(page).get_by_role("alert")).to_have_count(1)  # announced, inside the form
    assert page.evaluate("() => document.getElementById('lookup-form').__allyOld !== true"), \
        "the form was not replaced"
    assert page.evaluate("() => document.querySelector('h1').__allyKept === true"), \
        "more than the form was replaced"
    assert_same_document(page)
    expect(page).to_have_url(re.compile(rf"{re.escape(LOOKUP_PATH)}$"))
    expect(lookup_heading(page)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_label("Order number")).to_have_value(wrong)
    expect(page.get_by_label("Email used for the order")).to_have_value(placed.email)
    if where := focus_report(page, lookup_form(page)):
        lost_focus.append(f"after 'Find my order' found nothing, focus left the form for {where}")
    audit("(lookup form swapped in, not found)")

    # Keys only, fix the number and send it again: the order page, a full navigation.
    number = page.get_by_label("Order number")
    tab_to(page, number, backwards=True)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(placed.typed_number)
    expect(number).to_have_value(placed.typed_number)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/orders/[^/?#]+$"))
    expect(order_heading(page, placed)).to_be_visible()
    assert not page.evaluate("() => window.__allySameDocument === true"), "expected a full page load"
    expect(status_region(page).get_by_role("heading", level=2)).to_have_text("Status: Preparing to ship")

    assert not lost_focus, (
        "focus is not managed after the lookup form swap (accessibility: focus follows the change), so a keyboard or "
        "screen-reader user is sent back to the top of the page:\n- " + "\n- ".join(lost_focus)
    )
