"""A return, in Chromium, with JavaScript and without: the customer finds the order
at /exchange, picks the pair (a missing reason comes back marked, choices kept),
gets the prepaid label and the drop-off code; staff receive and inspect it, and the
refund shows on the request's page. An exchange for half a size down is received,
inspected and its new pair shipped, and the status page follows. From abroad the
customer gives the parcel's tracking number and is refunded. On day 15 the page says
the window closed and takes fit feedback only; feedback alone is a whole request. A
damaged pair comes with photos (a file that is not one is refused, the rest kept),
staff review them, and a pair refused as worn is shipped back.

Each test makes its own order, under an email no other test uses, of a variant this
file owns (The Classic Pump in Cherry Patent, Wide, US 5, US 9½ and US 10), stocked first.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.actors import CARRIER, Actor
from ally_web.extensions import db
from ally_web.models import Colour, Style, Variant
from ally_web.services import orders as order_service
from tests.browser.test_made_to_order_journeys import sign_in_staff
from tests.factories import make_order


def cherry_wide(size_halves: int) -> Variant:
    return db.session.scalar(select(Variant).join(Colour).join(Style).where(
        Style.slug == "classic-pump", Colour.slug == "cherry", Variant.size_halves == size_halves,
        Variant.width == "W"))


def open_request_as_staff(page: Page, live_server, number: str) -> None:
    """Sign in as staff (a new session) and open the order's return request."""
    sign_in_staff(page, live_server)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Returns").click()
    page.get_by_role("link", name=f"Open the request for #{number}").click()


def delivered_order(live_server, size_halves: int = 10, country: str = "US", days_ago: int = 0) -> tuple[str, str]:
    """A paid order of one pair, delivered ``days_ago`` days ago (0: today) to ``country``."""
    email = f"return-{uuid.uuid4().hex[:10]}@example.com"
    with live_server.app.app_context():
        variant = cherry_wide(size_halves)
        variant.stock = max(variant.stock, 3)
        db.session.commit()
        order = make_order(email=email, name="Robin Return", country=country, lines=[(variant, 1, False)])
        with live_server.app.test_request_context():
            parcel = order_service.ship_ready_pairs(order, "FedEx", f"8{uuid.uuid4().int % 10**11:011d}",
                                                    Actor.staff(None, "Sam Rivera"))
            order_service.record_scan(parcel, "delivered", clock.now() - timedelta(days=days_ago), CARRIER,
                                      "Front door")
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
    open_request_as_staff(page, live_server, number)
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
    with live_server.app.app_context():  # US 9½ Wide is on the shelf
        smaller = cherry_wide(19)
        smaller.stock = max(smaller.stock, 2)
        db.session.commit()
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
    request_url = page.url

    # Staff receive the pair, accept it (the new size joins the order) and ship the new pair.
    open_request_as_staff(page, live_server, number)
    page.get_by_role("button", name="Mark received").click()
    page.get_by_label("Unworn: accept and refund").check()
    page.get_by_role("button", name="Record the inspection and refund").click()
    expect(page.get_by_role("status")).to_be_visible()
    audit("(staff inspection of an exchange)")
    page.get_by_role("link", name=f"Order #{number}").click()
    fulfil = page.get_by_role("form", name="Ship the pairs that are ready")
    expect(fulfil).to_be_visible()
    expect(page.get_by_text("Ships together under one tracking number")).to_contain_text("US 9½ Wide")
    fulfil.get_by_label("Carrier").select_option("FedEx")
    tracking = f"7{uuid.uuid4().int % 10**11:011d}"
    fulfil.get_by_label("Tracking number").fill(tracking)
    fulfil.get_by_role("button", name="Mark shipped and email the customer").click()
    expect(page.get_by_role("status").filter(has_text="hipped")).to_be_visible()

    # The customer's pages follow: the request is done, the order shows the new pair on its way.
    page.context.clear_cookies()
    page.goto(request_url)
    expect(page.get_by_role("listitem").filter(has_text="exchange for US 9½ Wide")).to_contain_text("Accepted")
    page.get_by_role("link", name="the order's status page").click()
    expect(page.get_by_text(tracking).first).to_be_visible()
    expect(page.get_by_text(re.compile("US 9½ Wide")).first).to_be_visible()


def test_a_return_from_abroad_with_its_tracking_number_is_refunded(page: Page, is_js: bool, audit,
                                                                    live_server) -> None:
    email, number = delivered_order(live_server, country="GB")
    page.goto("/exchange")
    page.get_by_label("Email used for the order").fill(email)
    page.get_by_label("Order number").fill(number)
    page.get_by_role("button", name="Find my order").click()
    expect(page.get_by_text("you send the parcel to our New York studio yourself, at your cost")).to_be_visible()
    pair = page.get_by_role("group", name=re.compile("The Classic Pump, Cherry Patent"))
    pair.get_by_label("Return it for a refund").check()
    pair.get_by_label("Why (or how it fits)").select_option(label="I changed my mind")
    for condition in ("They go back in the box they came in.", "The sole protectors are still on.",
                      "I only tried them on carpet."):
        page.get_by_label(condition).check()
    page.get_by_role("button", name="Send my request").click()
    expect(page).to_have_url(re.compile(r"/exchange/r/[\w-]+$"))
    expect(page.get_by_text("Return shipping from abroad is yours to pay")).to_be_visible()
    expect(page.get_by_role("link", name="Download the label (PDF, 4×6)")).to_have_count(0)
    request_url = page.url

    page.get_by_label("Carrier").select_option("UPS")
    page.get_by_label("Tracking number").fill("12345")
    page.get_by_role("button", name="Send the tracking number").click()
    expect(page.get_by_label("Tracking number")).to_have_accessible_description(re.compile("UPS"))
    expect(page.get_by_label("Tracking number")).to_have_value("12345")  # what was typed is kept
    audit("(tracking number refused)")
    tracking = f"1Z{uuid.uuid4().int % 10**16:016d}"
    page.get_by_label("Tracking number").fill(tracking)
    page.get_by_role("button", name="Send the tracking number").click()
    expect(page.get_by_text(f"Your parcel is on its way to us (UPS {tracking})")).to_be_visible()

    open_request_as_staff(page, live_server, number)
    page.get_by_role("button", name="Mark received").click()
    page.get_by_label("Unworn: accept and refund").check()
    page.get_by_role("button", name="Record the inspection and refund").click()
    expect(page.get_by_role("status").filter(has_text="refunded and the customer emailed")).to_be_visible()

    page.context.clear_cookies()
    page.goto(request_url)
    expect(page.get_by_text(re.compile(r"Done: we refunded \$"))).to_be_visible()


def test_on_day_15_the_window_is_closed_and_fit_feedback_alone_is_a_request(page: Page, is_js: bool, audit,
                                                                             live_server) -> None:
    email, number = delivered_order(live_server, days_ago=15)
    page.goto("/exchange")
    page.get_by_label("Email used for the order").fill(email)
    page.get_by_label("Order number").fill(number)
    page.get_by_role("button", name="Find my order").click()
    pair = page.get_by_role("group", name=re.compile("The Classic Pump, Cherry Patent"))
    expect(pair).to_contain_text(re.compile(r"The 14-day window for this pair closed on \w+day, "))
    expect(pair).to_contain_text("Fit feedback is still welcome.")
    expect(pair.get_by_label("Return it for a refund")).to_have_count(0)
    expect(pair.get_by_label("Exchange it for another size")).to_have_count(0)
    audit("(window closed)")

    pair.get_by_label("Keep it, and tell us how it fits").check()
    pair.get_by_label("Why (or how it fits)").select_option(label="Too narrow")
    pair.get_by_label("Anything else about the fit (optional)").fill("Tight across the ball of the foot.")
    page.get_by_role("button", name="Send my request").click()
    expect(page).to_have_url(re.compile(r"/exchange/r/[\w-]+$"))
    expect(page.get_by_text("Thank you for telling us how your pairs fit")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="fit feedback")).to_contain_text("Too narrow")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def test_a_damaged_pair_with_photos_reviewed_refused_as_worn_and_sent_back(page: Page, is_js: bool, audit,
                                                                           live_server) -> None:
    email, number = delivered_order(live_server)
    page.goto("/exchange")
    page.get_by_label("Email used for the order").fill(email)
    page.get_by_label("Order number").fill(number)
    page.get_by_role("button", name="Find my order").click()
    pair = page.get_by_role("group", name=re.compile("The Classic Pump, Cherry Patent"))
    pair.get_by_label("Return it for a refund").check()
    pair.get_by_label("Why (or how it fits)").select_option(label="Damaged or faulty")
    pair.get_by_label("Anything else about the fit (optional)").fill("The left heel cap came off.")
    for condition in ("They go back in the box they came in.", "The sole protectors are still on.",
                      "I only tried them on carpet."):
        page.get_by_label(condition).check()
    photos = pair.get_by_label("If it arrived damaged or faulty: photos of what's wrong")
    # A letter renamed .jpg, declared as a JPEG: the content decides.
    photos.set_input_files([{"name": "heel.jpg", "mimeType": "image/jpeg", "buffer": b"Dear ALLY, it broke."}])
    page.get_by_role("button", name="Send my request").click()
    expect(photos).to_have_accessible_description(re.compile("“heel.jpg” is not a photo we can open"))
    expect(pair.get_by_label("Anything else about the fit (optional)")).to_have_value("The left heel cap came off.")
    expect(pair.get_by_label("Why (or how it fits)")).to_have_value("damaged")
    expect(page.get_by_label("I only tried them on carpet.")).to_be_checked()
    audit("(damaged pair, photo refused)")
    photos.set_input_files([{"name": "heel.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()},
                            {"name": "sole.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    page.get_by_role("button", name="Send my request").click()
    expect(page).to_have_url(re.compile(r"/exchange/r/[\w-]+$"))
    expect(page.get_by_text("Our team looks at your photos")).to_be_visible()
    request_url = page.url

    # Staff see the photos, approve, receive the parcel, refuse the pair as worn and send it back.
    open_request_as_staff(page, live_server, number)
    shown = page.get_by_role("img", name=re.compile("Photo 1 of The Classic Pump"))
    expect(shown).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 640", arg=shown.element_handle())
    expect(page.get_by_role("img", name=re.compile("Photo 2 of"))).to_be_visible()
    audit("(staff review with photos)")
    page.get_by_role("button", name="Approve and issue the label").click()
    expect(page.get_by_role("status").filter(has_text="the label has been issued")).to_be_visible()
    page.get_by_role("button", name="Mark received").click()
    page.get_by_label("Worn: refuse").check()
    page.get_by_label("What shows it was worn (if refused)").fill("Scuffed soles, street grit.")
    page.get_by_role("button", name="Record the inspection and refund").click()
    expect(page.get_by_role("status").filter(has_text="nothing to refund")).to_be_visible()
    page.get_by_label("Carrier").select_option("UPS")
    page.get_by_label("Tracking number").fill("1Z 999 AA1 0123")
    page.get_by_role("button", name="Send back and email the customer").click()
    expect(page.get_by_label("Tracking number")).to_have_accessible_description(re.compile("UPS"))
    audit("(sending a worn pair back)")
    tracking = f"1Z{uuid.uuid4().int % 10**16:016d}"
    page.get_by_label("Tracking number").fill(tracking)
    page.get_by_role("button", name="Send back and email the customer").click()
    expect(page.get_by_role("status").filter(has_text=f"Sent back by UPS ({tracking})")).to_be_visible()
    expect(page.get_by_role("link", name="Label (PDF, 4×6)")).to_be_visible()

    page.context.clear_cookies()
    page.goto(request_url)
    expect(page.get_by_text(f"on their way back to you: UPS tracking {tracking}")).to_be_visible()
    expect(page.get_by_text("Not accepted: Scuffed soles, street grit.", exact=False)).to_be_visible()
