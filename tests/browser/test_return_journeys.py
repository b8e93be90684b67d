"""A return, in Chromium, with JavaScript and without: the customer finds the order
at /exchange, picks the pair (a missing reason comes back marked, choices kept),
gets the prepaid label and the drop-off code; staff receive and inspect it, and the
refund shows on the request's page.

Each test makes its own order, under an email no other test uses, of a variant this
file owns (The Classic Pump in Cherry Patent, Wide, US 5 and US 10), stocked first.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.actors import CARRIER, Actor
from ally_web.extensions import db
from ally_web.models import Colour, Style, Variant
from ally_web.services import orders as order_service
from tests.factories import make_order


def delivered_order(live_server, size_halves: int = 10) -> tuple[str, str]:
    email = f"return-{uuid.uuid4().hex[:10]}@example.com"
    with live_server.app.app_context():
        variant = db.session.scalar(select(Variant).join(Colour).join(Style).where(
            Style.slug == "classic-pump", Colour.slug == "cherry", Variant.size_halves == size_halves,
            Variant.width == "W"))
        variant.stock = max(variant.stock, 3)
        db.session.commit()
        order = make_order(email=email, name="Robin Return", lines=[(variant, 1, False)])
        with live_server.app.test_request_context():
            parcel = order_service.ship_ready_pairs(order, "FedEx", f"8{uuid.uuid4().int % 10**11:011d}",
                                                    Actor.staff(None, "Sam Rivera"))
            order_service.record_scan(parcel, "delivered", clock.now(), CARRIER, "Front door")
        db.session.commit()
        return email, order.number


def test_a_return_from_the_faq_address_to_the_refund(page: Page, is_js: bool, audit, live_server) -> None:
    email, number = delivered_order(live_server)
    page.goto("/exchange")
    expect(page.get_by_role("heading", level=1, name="Return or tell us how they fit")).to_be_visible()
    page.get_by_label("Email used for the order").fill(email)
    page.get_by_label("Order number").fill(number.lower())
    page.get_by_role("button", name="Find my order").click()
    expect(page).to_have_url(re.compile(r"/exchange/[^/]+$"))
    pair = page.get_by_role("group", name=re.compile("The Classic Pump, Cherry Patent"))
    pair.get_by_label("Return it for a refund").check()
    page.get_by_label("They go back in the box they came in.").check()
    page.get_by_role("button", name="Send my request").click()
    reason = pair.get_by_label("Why (or how it fits)")
    expect(reason).to_have_accessible_description("Please tell us why it goes back.")
    expect(pair.get_by_label("Return it for a refund")).to_be_checked()
    expect(page.get_by_label("They go back in the box they came in.")).to_be_checked()
    audit("(return request, reason missing)")
    reason.select_option(label="Too big")
    page.get_by_label("The sole protectors are still on.").check()
    page.get_by_label("I only tried them on carpet.").check()
    page.get_by_role("button", name="Send my request").click()
    expect(page).to_have_url(re.compile(r"/exchange/r/[\w-]+$"))
    expect(page.get_by_role("link", name="Download the label (PDF, 4×6)")).to_be_visible()
    code = page.get_by_role("img", name=re.compile("Drop-off code"))
    expect(code).to_be_visible()
    # The code's address really serves a QR code picture (fetched with the page's cookies).
    picture = page.request.get(code.get_attribute("src"))
    assert picture.status == 200 and picture.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in picture.body()
    audit("(return request, label issued)")
    request_url = page.url

    # Staff receive the parcel and accept the pair.
    config = live_server.app.config
    page.context.clear_cookies()
    page.goto("/staff/sign-in")
    page.get_by_label("Email").fill(config["DEMO_STAFF_EMAIL"])
    page.get_by_label("Password").fill(config["DEMO_STAFF_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Returns").click()
    page.get_by_role("link", name=f"Open the request for #{number}").click()
    page.get_by_role("button", name="Mark received").click()
    expect(page.get_by_role("status").filter(has_text="Received")).to_be_visible()
    page.get_by_label("Unworn: accept and refund").check()
    audit("(staff inspection)")
    page.get_by_role("button", name="Record the inspection and refund").click()
    expect(page.get_by_role("status").filter(has_text="refunded and the customer emailed")).to_be_visible()

    page.context.clear_cookies()
    page.goto(request_url)
    expect(page.get_by_text(re.compile(r"Done: we refunded \$"))).to_be_visible()


def test_an_exchange_offers_the_size_the_reason_points_to(page: Page, is_js: bool, audit, live_server) -> None:
    email, number = delivered_order(live_server, size_halves=20)  # US 10 Wide
    page.goto("/exchange")
    page.get_by_label("Email used for the order").fill(email)
    page.get_by_label("Order number").fill(number)
    page.get_by_role("button", name="Find my order").click()
    pair = page.get_by_role("group", name=re.compile("The Classic Pump, Cherry Patent"))
    pair.get_by_label("Exchange it for another size").check()
    pair.get_by_label("Why (or how it fits)").select_option(label="Too big")
    wanted = pair.get_by_label("If you exchange it: the size you want instead")
    if is_js:
        expect(wanted).to_have_value("19-W")  # half a size down, offered first
        expect(wanted.locator("option").first).to_contain_text("(suggested)")
    else:
        wanted.select_option("19-W")
    for condition in ("They go back in the box they came in.", "The sole protectors are still on.",
                      "I only tried them on carpet."):
        page.get_by_label(condition).check()
    audit("(exchange request)")
    page.get_by_role("button", name="Send my request").click()
    expect(page).to_have_url(re.compile(r"/exchange/r/[\w-]+$"))
    expect(page.get_by_role("link", name="Download the label (PDF, 4×6)")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="exchange for US 9½ Wide")).to_contain_text("Too big")
