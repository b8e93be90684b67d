"""Checkout journeys in Chromium, with JavaScript and without: cart → checkout →
Sandbox Pay's hosted page → the shop's order page, and staff shipping the order.

Elements are found as a person finds them: by role, accessible name and label. Money
is read off the page and added up, not taken from the database.

Each test owns one variant of The Strap Heel in Silver Metallic, Wide (a colour and
width no other journey or demo order uses) and sets its stock before it starts, so
tests sharing the live server's database cannot change what it finds on the shelf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.formatting import money_in
from ally_web.extensions import db
from ally_web.models import Colour, Order, Shipment, Style, Variant
from ally_web.seed import DEMO_TRACKING
from ally_web.services import catalog
from ally_web.services.pricing import sales_tax, shipping
from ally_web.templating import day, money
from tests.browser.helpers import assert_same_document, mark_document
from tests.checkout_flow import GOOD_CARD, LONDON, NEW_YORK

STYLE_SLUG = "strap-heel"
COLOUR_SLUG = "silver"
WIDTH = "W"
DECLINED_CARD = "4000 0000 0000 0002"
DECLINED = "Your card was declined. Please try another card or contact your bank."

# One size per journey: the variant that journey owns.
SIZE_NEW_YORK = 20  # half sizes: US 10
SIZE_LONDON = 21  # US 10½
SIZE_DECLINED = 19  # US 9½
SIZE_STAFF = 18  # US 9
SIZE_MADE_TO_ORDER = 22  # US 11, never on the shelf in its journey


# --- The pair a journey owns ---------------------------------------------------------------


@dataclass(frozen=True)
class OwnedPair:
    variant_id: int
    style_name: str
    price_cents: int
    colour_name: str
    size: str  # as in the URL and the size <option> value: "10", "10.5"
    size_label: str  # as shown: "10", "10½"
    width_label: str  # "Wide"

    @property
    def product_path(self) -> str:
        return f"/products/{STYLE_SLUG}?colour={COLOUR_SLUG}&size={self.size}&width={WIDTH}"


def own_pair(live_server, size_halves: int, stock: int = 3) -> OwnedPair:
    """Put exactly `stock` pairs of this journey's variant on the shelf."""
    with live_server.app.app_context():
        variant = db.session.scalar(
            select(Variant).join(Colour).join(Style).where(
                Style.slug == STYLE_SLUG, Colour.slug == COLOUR_SLUG,
                Variant.size_halves == size_halves, Variant.width == WIDTH,
            )
        )
        variant.stock = stock
        db.session.commit()
        return OwnedPair(
            variant_id=variant.id,
            style_name=variant.colour.style.name,
            price_cents=variant.colour.style.price_cents,
            colour_name=variant.colour.name,
            size=f"{size_halves / 2:g}",
            size_label=variant.size_label,
            width_label="Wide",
        )


def in_stock_arrival(live_server, pair: OwnedPair) -> str:
    """The in-stock arrival window the product page promises at the frozen store time."""
    with live_server.app.app_context():
        variant = db.session.get(Variant, pair.variant_id)
        now = clock.now()
        promise = catalog.availability(variant, now, catalog.active_notice(now.date())).promise
    assert promise is not None, "the pair is not in stock"
    return f"{day(promise.arrives_from)} – {day(promise.arrives_by)}"


def new_york_total(pair: OwnedPair) -> tuple[int, int]:
    """(sales tax, total) for one pair shipped to New York, from the rates table."""
    tax = sales_tax.sales_tax("US", "NY", [(pair.price_cents, 1)]).total_cents
    return tax, pair.price_cents + tax


def us_shipping_arrival() -> str:
    """The arrival window of the (only) US shipping option, for an order placed now."""
    option = shipping.shipping_options("US", 0, clock.now())[0]
    return f"{day(option.promise.arrives_from)} – {day(option.promise.arrives_by)}"


# --- Reading the page ------------------------------------------------------------------------


def cents(text: str) -> int:
    """'$1,234.50' → 123450, '$295' → 29500, 'Free' → 0."""
    text = " ".join(text.split())
    if text == "Free":
        return 0
    found = re.fullmatch(r"(?:US)?\$([0-9][0-9,]*)(?:\.([0-9]{2}))?(?: \(estimate\))?", text)
    assert found, f"not an amount of money: {text!r}"
    return int(found.group(1).replace(",", "")) * 100 + int(found.group(2) or 0)


def totals(region: Locator, total: str) -> dict[str, int]:
    """The amounts of the list in `region` that ends in `total`, by label, in page order."""
    rows = region.locator("dl").filter(has=region.page.get_by_text(total, exact=True)).evaluate(
        "dl => [...dl.querySelectorAll('dt')].map(dt => [dt.textContent, dt.nextElementSibling.textContent])"
    )
    return {" ".join(label.split()): cents(amount) for label, amount in rows}


def line(amounts: dict[str, int], pattern: str) -> tuple[str, int]:
    """The one totals line whose label matches `pattern` (case-insensitive)."""
    found = [(label, amount) for label, amount in amounts.items() if re.search(pattern, label, re.IGNORECASE)]
    assert len(found) == 1, f"expected one line matching {pattern!r} in {amounts}"
    return found[0]


def summary(page: Page) -> Locator:
    return page.get_by_role("region", name="Your order")


def cart_count(page: Page) -> Locator:
    return page.locator("#cart-count")


# --- Steps a shopper takes ----------------------------------------------------------------------


def add_to_cart_and_check_out(page: Page, is_js: bool, pair: OwnedPair) -> None:
    """From the pair's product page: add it, open the cart, press "Check out"."""
    page.goto(pair.product_path)
    page.get_by_role("button", name="Add to cart", exact=True).click()
    cart = page.get_by_role("complementary", name="My Cart") if is_js else page.get_by_role("main")
    expect(cart.get_by_role("link", name="Check out")).to_be_visible()
    cart.get_by_role("link", name="Check out").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()


def fill_address(page: Page, is_js: bool, address: dict) -> None:
    page.get_by_label("Email", exact=True).fill(address["email"])
    page.get_by_label("Full name").fill(address["name"])
    page.get_by_label("Street address").fill(address["line1"])
    page.get_by_label("Town or city").fill(address["city"])
    page.get_by_label("State, province or region").fill(address["region"])
    if is_js and address["region"]:
        # Leaving a changed state field asks for a new summary: let it land before the
        # next step, as it does at a person's pace.
        with page.expect_response(lambda r: r.url.endswith("/checkout/summary")):
            page.get_by_label("ZIP or postal code").fill(address["postal_code"])
    else:
        page.get_by_label("ZIP or postal code").fill(address["postal_code"])


def update_totals(page: Page, is_js: bool) -> None:
    """Without JavaScript the shopper asks for the new totals; with it they just come."""
    if not is_js:
        page.get_by_role("button", name="Update shipping and totals").click()
        expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()


def continue_to_payment(page: Page, amount_cents: int, country: str = "US") -> None:
    page.get_by_role("button", name=f"Continue to secure payment · {money_in(amount_cents, country)}").click()
    expect(page).to_have_url(re.compile(r"/sandbox-pay/"))
    expect(page.get_by_role("heading", level=1, name=f"Pay {money(amount_cents)}")).to_be_visible()


def pay_on_sandbox(page: Page, amount_cents: int, card: str = GOOD_CARD, name: str = "Jane Doe") -> None:
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry date").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_label("Name on card").fill(name)
    page.get_by_role("button", name=f"Pay {money(amount_cents)}", exact=True).click()


def expect_thank_you(page: Page) -> str:
    """On the shop's order page, thanked; returns the order number it shows."""
    thanks = page.get_by_role("main").get_by_text(re.compile(r"Thank you: order #[0-9A-Z]{4}-[0-9A-Z]{4}"))
    expect(thanks).to_be_visible()
    number = re.search(r"#([0-9A-Z]{4}-[0-9A-Z]{4})", thanks.inner_text()).group(1)
    expect(page.get_by_role("heading", level=1, name=re.compile(rf"order #{number}$", re.IGNORECASE))).to_be_visible()
    return number


# --- 1. New York ----------------------------------------------------------------------------


def test_new_york_shopper_buys_a_pair(page: Page, is_js: bool, audit, live_server) -> None:
    pair = own_pair(live_server, SIZE_NEW_YORK, stock=3)
    product_arrival = in_stock_arrival(live_server, pair)
    order_arrival = us_shipping_arrival()

    # The product page: pick colour, size and width as a shopper does.
    page.goto("/shop")
    page.get_by_role("link", name=pair.style_name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=pair.style_name)).to_be_visible()
    page.get_by_role("radio", name=pair.colour_name, exact=True).check()
    if is_js:
        expect(page).to_have_url(re.compile(rf"colour={COLOUR_SLUG}"))
    page.get_by_label("US size").select_option(pair.size)
    if is_js:
        expect(page).to_have_url(re.compile(rf"size={re.escape(pair.size)}"))
    page.get_by_role("radio", name=pair.width_label, exact=True).check()
    if is_js:
        expect(page).to_have_url(re.compile(rf"width={WIDTH}$"))
    else:
        page.get_by_role("button", name="Show availability").click()
    availability = page.get_by_role("region", name="Availability and delivery")
    expect(availability).to_contain_text("In stock")
    expect(availability).to_contain_text(f"arrives {product_arrival}")

    # Cart, then checkout.
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(cart_count(page)).to_contain_text("1 pair")
    cart = page.get_by_role("complementary", name="My Cart") if is_js else page.get_by_role("main")
    cart.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()

    fill_address(page, is_js, NEW_YORK)
    update_totals(page, is_js)  # the state decides the sales tax
    country = page.get_by_label("Country")
    expect(country).to_have_value("US")
    expect(country.locator("option:checked")).to_have_text("United States")
    expect(summary(page)).to_contain_text("Free US shipping")
    expect(summary(page)).to_contain_text(f"Arrives {order_arrival}")

    if is_js:
        # The summary follows the country as it changes, without a page load.
        mark_document(page)
        country.select_option(label="United Kingdom")
        expect(summary(page).get_by_role("radio", name=re.compile(r"^International Standard"))).to_be_checked()
        expect(summary(page)).not_to_contain_text("Free US shipping")
        country.select_option(label="United States")
        expect(summary(page)).to_contain_text("Free US shipping")
        expect(summary(page)).not_to_contain_text("International Standard")
        assert_same_document(page)

    amounts = totals(summary(page), "Total to pay now")
    tax, total = new_york_total(pair)
    assert amounts == {"Subtotal": pair.price_cents, "Shipping": 0, "Sales tax (New York, 8.875%)": tax,
                       "Total to pay now": total}
    audit("(checkout, New York)")

    continue_to_payment(page, total)
    audit("(Sandbox Pay)")
    pay_on_sandbox(page, total)

    number = expect_thank_you(page)
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"{pair.style_name}, {pair.colour_name}, US {pair.size_label} {pair.width_label}")
    expect(main).to_contain_text("In stock: ships")
    expect(main).to_contain_text(f"arrives {order_arrival}")
    expect(main).to_contain_text("Paid by Visa ending 4242")
    expect(cart_count(page)).to_contain_text("0 pairs")
    audit(f"(order #{number})")
    with live_server.app.app_context():
        assert db.session.get(Variant, pair.variant_id).stock == 2


# --- 2. London -------------------------------------------------------------------------------


def test_london_shopper_pays_duties_and_vat_up_front(page: Page, is_js: bool, audit, live_server) -> None:
    pair = own_pair(live_server, SIZE_LONDON, stock=3)
    add_to_cart_and_check_out(page, is_js, pair)
    fill_address(page, is_js, LONDON)
    expect(summary(page)).to_contain_text("Free US shipping")

    if is_js:  # nothing to press: the totals follow the form
        expect(page.get_by_role("button", name="Update shipping and totals")).to_be_hidden()
        mark_document(page)
    page.get_by_label("Country").select_option(label="United Kingdom")
    update_totals(page, is_js)
    standard = summary(page).get_by_role("radio", name=re.compile(r"^International Standard"))
    express = summary(page).get_by_role("radio", name=re.compile(r"^International Express"))
    expect(standard).to_be_checked()
    expect(express).not_to_be_checked()
    expect(summary(page)).not_to_contain_text("Free US shipping")
    if is_js:
        assert_same_document(page)
    else:  # the page came back with everything the shopper typed
        expect(page.get_by_label("Street address")).to_have_value(LONDON["line1"])
        expect(page.get_by_label("Country")).to_have_value("GB")

    # Before paying: import duty and VAT, and a total that adds up.
    amounts = totals(summary(page), "Total to pay now")
    _, duty = line(amounts, r"import duty")
    _, vat = line(amounts, r"^VAT")
    assert duty > 0 and vat > 0
    assert amounts["Subtotal"] == pair.price_cents and amounts["Shipping"] > 0
    standard_total = amounts["Total to pay now"]
    assert standard_total == pair.price_cents + amounts["Shipping"] + duty + vat, amounts
    expect(summary(page)).to_contain_text("nothing more to pay when your parcel arrives")
    audit("(checkout, London, International Standard)")

    # International Express costs more; the total follows.
    express.check()
    update_totals(page, is_js)
    expect(summary(page).get_by_role("radio", name=re.compile(r"^International Express"))).to_be_checked()
    expect(summary(page).get_by_role("button", name=re.compile(r"^Continue to secure payment"))).not_to_have_accessible_name(
        f"Continue to secure payment · {money_in(standard_total, 'GB')}"
    )
    if is_js:
        assert_same_document(page)
        # The swap kept the shopper's place: focus is still on the option they picked.
        expect(summary(page).get_by_role("radio", name=re.compile(r"^International Express"))).to_be_focused()
    amounts = totals(summary(page), "Total to pay now")
    duty_label, duty = line(amounts, r"import duty")
    vat_label, vat = line(amounts, r"^VAT")
    total = amounts["Total to pay now"]
    assert total > standard_total
    assert total == pair.price_cents + amounts["Shipping"] + duty + vat, amounts
    audit("(checkout, London, International Express)")

    expect(summary(page)).to_contain_text("an estimate at the exchange rates of")
    continue_to_payment(page, total, "GB")
    pay_on_sandbox(page, total, name="Amelia Hart")

    number = expect_thank_you(page)
    paid = totals(page.get_by_role("main"), "Paid")
    assert paid.get(duty_label) == duty and paid.get(vat_label) == vat, paid
    # Line for line what the summary showed before paying, and the same total.
    assert paid == {**{k: v for k, v in amounts.items() if k != "Total to pay now"}, "Paid": total}
    expect(page.get_by_role("main")).to_contain_text("nothing more is due on delivery")
    audit(f"(order #{number}, London)")


# --- 3. A declined card -----------------------------------------------------------------------


def test_declined_card_comes_back_to_a_filled_form_then_pays(page: Page, is_js: bool, audit, live_server) -> None:
    pair = own_pair(live_server, SIZE_DECLINED, stock=1)
    add_to_cart_and_check_out(page, is_js, pair)
    fill_address(page, is_js, NEW_YORK)
    update_totals(page, is_js)  # the state decides the sales tax
    _, total = new_york_total(pair)
    continue_to_payment(page, total)
    pay_on_sandbox(page, total, card=DECLINED_CARD)

    # Back at the checkout: why, and nothing typed is lost.
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.get_by_role("alert").filter(has_text=DECLINED)).to_be_visible()
    expect(page.get_by_label("Email", exact=True)).to_have_value(NEW_YORK["email"])
    expect(page.get_by_label("Full name")).to_have_value(NEW_YORK["name"])
    expect(page.get_by_label("Street address")).to_have_value(NEW_YORK["line1"])
    expect(page.get_by_label("Town or city")).to_have_value(NEW_YORK["city"])
    expect(page.get_by_label("ZIP or postal code")).to_have_value(NEW_YORK["postal_code"])
    expect(cart_count(page)).to_contain_text("1 pair")
    audit("(checkout after a declined card)")
    with live_server.app.app_context():
        assert db.session.get(Variant, pair.variant_id).stock == 1  # nothing held

    continue_to_payment(page, total)
    pay_on_sandbox(page, total)
    expect_thank_you(page)
    expect(page.get_by_role("main")).not_to_contain_text(DECLINED)
    expect(cart_count(page)).to_contain_text("0 pairs")


# --- 4. A made-to-order pair: the same dates on every page --------------------------------------


def test_made_to_order_pair_shows_the_same_dates_from_product_page_to_order(
        page: Page, is_js: bool, audit, live_server) -> None:
    pair = own_pair(live_server, SIZE_MADE_TO_ORDER, stock=0)
    with live_server.app.app_context():
        now = clock.now()
        plan = catalog.made_to_order_plan(now, catalog.upcoming_notices(now.date()))
        fitting, known = (" ".join(story.text.split()) for story in plan.stories)

    # The product page: both paths, with their dates.
    page.goto(pair.product_path)
    panel = page.get_by_role("region", name="Availability and delivery")
    expect(panel).to_contain_text("Made to order")
    expect(panel).to_contain_text(fitting)
    expect(panel).to_contain_text(known)
    audit("(product page, made to order)")

    page.get_by_role("button", name="Add to cart, made to order").click()
    cart = page.get_by_role("complementary", name="My Cart") if is_js else page.get_by_role("main")
    expect(cart).to_contain_text(fitting)
    cart.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()

    # Checkout: the same two paths and dates, before anyone knows whose size is on file.
    expect(summary(page)).to_contain_text(fitting)
    expect(summary(page)).to_contain_text(known)
    fill_address(page, is_js, {**NEW_YORK, "email": "first.pair@example.com"})
    update_totals(page, is_js)
    expect(summary(page)).to_contain_text(fitting)
    audit("(checkout, made to order)")
    _, total = new_york_total(pair)
    continue_to_payment(page, total)
    pay_on_sandbox(page, total)

    # The order: a first pair from us goes the fitting-pair way, with the same dates.
    expect_thank_you(page)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Made to order, fitting pair first")
    expect(main).to_contain_text(fitting)
    with live_server.app.app_context():
        assert db.session.get(Variant, pair.variant_id).stock == 0


# --- 5. Staff ship the order -----------------------------------------------------------------


def place_new_york_order(live_server, pair: OwnedPair) -> tuple[int, str]:
    """A paid New York order for `pair`, placed through the real checkout services and
    the sandbox (the shopper's side is the journey above). Returns its id and number."""
    from ally_web.gateways.payments import (
        SandboxGateway,
        sandbox_authorize,
        sandbox_session,
    )
    from ally_web.services import cart as cart_service
    from ally_web.services import checkout
    from ally_web.services.checkout.addresses import Address

    app = live_server.app
    with app.app_context(), app.test_request_context(base_url=live_server.url):
        store: dict = {}
        cart_service.add_to_cart(pair.variant_id, 1, store)
        address = Address(**{k: NEW_YORK[k] for k in
                             ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country")})
        data = checkout.CheckoutInput(email=NEW_YORK["email"], address=address,
                                      shipping_method="us-standard", payment_mode="card")
        gateway = SandboxGateway()
        started, _ = checkout.start_checkout(cart_service.load_cart(store), data, gateway, "/r", "/r")
        sandbox_authorize(sandbox_session(started.payment_session), "4242424242424242")
        order = checkout.complete_checkout(started.payment_session, gateway)
        db.session.commit()
        return order.id, order.number


def order_using(live_server, carrier: str, number: str) -> str | None:
    with live_server.app.app_context():
        return db.session.scalar(
            select(Order.number).join(Shipment, Shipment.order_id == Order.id)
            .where(Shipment.carrier == carrier, Shipment.tracking_number == number)
        )


def test_staff_ship_the_new_york_order(page: Page, is_js: bool, audit, live_server) -> None:
    pair = own_pair(live_server, SIZE_STAFF, stock=2)
    order_id, number = place_new_york_order(live_server, pair)
    config = live_server.app.config
    # The demo seed already shipped an order under this FedEx number, and a tracking
    # number is used once: staff are told which order has it, then use a fresh one.
    taken = next(n for carrier, n in DEMO_TRACKING.values() if carrier == "FedEx")
    taken_by = order_using(live_server, "FedEx", taken)
    assert taken_by is not None, f"the demo seed no longer ships an order under FedEx {taken}"
    fresh = f"7{order_id:011d}"  # 12 digits, a FedEx format; unique to this order

    page.goto("/staff/sign-in")
    page.get_by_label("Email").fill(config["DEMO_STAFF_EMAIL"])
    page.get_by_label("Password").fill(config["DEMO_STAFF_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()

    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", level=1, name="Orders")).to_be_visible()
    search = page.get_by_label("Order number or email")
    results = page.get_by_role("region", name="Results")
    if is_js:
        mark_document(page)
    search.fill(f"#{number.lower()}")  # as a customer might read it out
    if not is_js:  # with JavaScript the results follow the typing
        page.get_by_role("button", name="Search").click()
    expect(results.get_by_role("status")).to_contain_text("1 order matching")
    if is_js:
        assert_same_document(page)
    audit("(orders, found by number)")
    results.get_by_role("link", name=f"#{number}").click()
    expect(page.get_by_role("heading", level=1, name=f"Order #{number}")).to_be_visible()

    # Fulfil the in-stock pair with FedEx.
    shipments = page.get_by_role("region", name="Shipments")
    expect(shipments).to_contain_text("Nothing has shipped yet.")
    shipments.get_by_label("Carrier").select_option("FedEx")
    shipments.get_by_label("Tracking number").fill(taken)
    shipments.get_by_role("button", name="Mark shipped and email the customer").click()
    tracking = shipments.get_by_label("Tracking number")
    expect(tracking).to_have_attribute("aria-invalid", "true")
    expect(tracking).to_have_accessible_description(re.compile(
        rf"That FedEx tracking number is already used on order #{taken_by}\."))
    expect(tracking).to_have_value(taken)  # what staff typed is kept
    expect(shipments.get_by_label("Carrier")).to_have_value("FedEx")
    audit("(fulfil refused: tracking number in use)")
    tracking.fill(fresh)
    shipments.get_by_role("button", name="Mark shipped and email the customer").click()

    expect(page.get_by_role("status").filter(has_text=f"Shipped by FedEx ({fresh})")).to_be_visible()
    track = shipments.get_by_role("link", name=fresh, exact=True)
    expect(track).to_have_attribute("href", f"https://www.fedex.com/fedextrack/?trknbr={fresh}")
    expect(shipments.get_by_role("button", name="Mark shipped and email the customer")).to_have_count(0)
    timeline = page.get_by_role("region", name="Timeline")
    shipped = timeline.get_by_role("listitem").filter(has_text="Shipped")
    expect(shipped).to_have_count(1)
    expect(shipped).to_contain_text("Sam Rivera")
    expect(shipped).to_contain_text(f"1 pair by FedEx, tracking {fresh}")
    audit("(order shipped)")

    label = shipments.get_by_role("link", name=f"Label (PDF) for FedEx {fresh}")
    response = page.request.get(label.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
