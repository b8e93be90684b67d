"""Made to order, in Chromium, with JavaScript and without: a pair ordered in a size
not yet on file gets a fitting pair first. Staff send it; the carrier scans it
delivered; the customer opens the link in the fitting-pair email and tells us how it
fits (with JavaScript the suggested size follows the answers; without, a button
shows it); a stylist confirms; the status page shows the due date; and the same
customer's next made-to-order pair in the confirmed size skips the fitting pair.

Each test makes its own orders, under an email no other test uses, from variants
this file owns (Strap Heel in Silver and Classic Pump in Almond, Wide, US 11½, and
the Almond in US 12 Wide), sold out so they are made to order.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.actors import CARRIER
from ally_web.extensions import db
from ally_web.models import Colour, Order, OutboxMessage, Style, Variant
from ally_web.services import orders as order_service
from ally_web.templating import day
from tests.browser.helpers import assert_same_document, mark_document
from tests.factories import make_order

SIZE_HALVES, WIDTH = 23, "W"  # US 11½ Wide
FIRST_PAIR = ("strap-heel", "silver")
SECOND_PAIR = ("classic-pump", "almond")
FIT_ANSWERS = {
    "Where do your toes sit when you stand?": "Just touching the front",
    "Is there a gap behind your heel?": "No gap",
    "Across the widest part of your foot": "Just right",
    "Around your toes": "Comfortable",
    "When you walk, does your heel lift out?": "No, it stays in",
    "Under your arch": "Supported",
    "After ten minutes walking on carpet": "Comfortable",
}


def sold_out(style: str, colour: str, size_halves: int = SIZE_HALVES) -> Variant:
    variant = db.session.scalar(select(Variant).join(Colour).join(Style).where(
        Style.slug == style, Colour.slug == colour, Variant.size_halves == size_halves, Variant.width == WIDTH))
    variant.stock = 0
    db.session.commit()
    return variant


def order_made_to_order(live_server, email: str, pair: tuple[str, str],
                        size_halves: int = SIZE_HALVES) -> tuple[str, int]:
    with live_server.app.app_context():
        order = make_order(email=email, name="Robin Fit", lines=[(sold_out(*pair, size_halves), 1, True)])
        return order.number, order.lines[0].id


def sign_in_staff(page: Page, live_server) -> None:
    config = live_server.app.config
    page.context.clear_cookies()
    page.goto("/staff/sign-in")
    page.get_by_label("Email").fill(config["DEMO_STAFF_EMAIL"])
    page.get_by_label("Password").fill(config["DEMO_STAFF_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def emailed_link(live_server, number: str, kind: str, path: str) -> str:
    """The address in the email of ``kind`` that starts with ``path``, as a path."""
    with live_server.app.app_context():
        order_id = db.session.scalar(select(Order.id).where(Order.number == number))
        body = db.session.scalars(select(OutboxMessage.text_body).where(
            OutboxMessage.order_id == order_id, OutboxMessage.kind == kind)).one()
    url = next(word for word in body.split() if path in word)
    return url[url.index(path):]


def carrier_delivers_the_fitting_pair(live_server, number: str) -> None:
    """The carrier's delivery scan, as the tracking webhook records it."""
    with live_server.app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        fitting = order.lines[0].fitting_shipment
        assert order_service.record_scan(fitting, "delivered", clock.now(), CARRIER, "Front door")
        db.session.commit()


def answer(page: Page, foot: str, question: str, choice: str) -> None:
    page.get_by_role("group", name=foot).get_by_role("group", name=question).get_by_label(choice).check()


def test_a_made_to_order_pair_from_fitting_pair_to_due_date(page: Page, is_js: bool, audit, live_server) -> None:
    email = f"fit-{uuid.uuid4().hex[:10]}@example.com"
    number, line_id = order_made_to_order(live_server, email, FIRST_PAIR)
    tag = uuid.uuid4().hex[:8].upper()
    out_number, back_number = f"1Z{tag}00000001", f"1Z{tag}00000002"

    # Staff send the fitting pair, from the made-to-order board.
    sign_in_staff(page, live_server)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Made to order").click()
    expect(page.get_by_role("heading", level=1, name="Made to order")).to_be_visible()
    page.get_by_role("link", name=f"Send the fitting pair for #{number}").click()
    send = page.get_by_role("region", name="Send the fitting pair")
    send.get_by_label("Carrier").select_option("UPS")
    send.get_by_label("Tracking number of the fitting pair's label").fill(out_number)
    send.get_by_label("Tracking number of the return label in the box").fill(out_number)
    send.get_by_role("button", name="Mark sent and email the customer").click()
    back = page.get_by_label("Tracking number of the return label in the box")
    expect(back).to_have_accessible_description(re.compile("number of its own"))
    expect(page.get_by_label("Tracking number of the fitting pair's label")).to_have_value(out_number)
    back.fill(back_number)
    page.get_by_role("button", name="Mark sent and email the customer").click()
    expect(page.get_by_role("status").filter(has_text=f"Fitting pair sent by UPS ({out_number})")).to_be_visible()
    expect(page.get_by_role("link", name="Return label for the box (PDF)")).to_be_visible()
    audit("(made-to-order pair, fitting pair sent)")

    carrier_delivers_the_fitting_pair(live_server, number)

    # The customer follows the link in the fitting-pair email.
    page.context.clear_cookies()
    page.goto(emailed_link(live_server, number, "fitting_pair_shipped", "/fit-result/"))
    expect(page.get_by_role("heading", level=1, name="How does your fitting pair fit?")).to_be_visible()
    suggestion = page.locator(f"#suggestion-{line_id}")
    expect(suggestion).to_contain_text("US 11½ Wide")
    answer(page, "Left foot", "Where do your toes sit when you stand?", "Pressed against the front")
    if is_js:
        mark_document(page)
        expect(suggestion).to_contain_text("half a size up")  # follows the answer, no reload
        assert_same_document(page)
    else:
        page.get_by_role("button", name="Update my suggested size").click()
        expect(suggestion).to_contain_text("half a size up")
        expect(page.get_by_role("group", name="Left foot").get_by_label("Pressed against the front").first).to_be_checked()
    # Sending with answers missing keeps what was chosen and marks the rest.
    page.get_by_role("button", name="Send my fit result").click()
    expect(page.get_by_role("alert")).to_contain_text("Some answers are missing")
    expect(page.get_by_role("group", name="Left foot").get_by_label("Pressed against the front").first).to_be_checked()
    audit("(fit result form, answers missing)")
    for foot in ("Left foot", "Right foot"):
        for question, choice in FIT_ANSWERS.items():
            if (foot, question) != ("Left foot", "Where do your toes sit when you stand?"):
                answer(page, foot, question, choice)
    page.get_by_label("Size shown on the measurement card (optional)").fill("11 1/2")
    page.get_by_role("button", name="Send my fit result").click()
    expect(page.get_by_role("status").filter(has_text="your fit result is with our stylists")).to_be_visible()
    expect(page.get_by_role("note").filter(has_text="You sent your answers")).to_contain_text("US 12 Wide")

    # A stylist confirms the size the customer asked for.
    sign_in_staff(page, live_server)
    page.goto("/admin/made-to-order")
    page.get_by_role("link", name=f"Read and confirm #{number}").click()
    expect(page.get_by_role("region", name="Fit result")).to_contain_text("Pressed against the front")
    confirm = page.get_by_role("region", name="Confirm the fit and start production")
    expect(confirm.get_by_label("Size to make")).to_have_value(str(SIZE_HALVES + 1))
    audit("(made-to-order pair, fit result to confirm)")
    confirm.get_by_role("button", name="Confirm and start production").click()
    expect(page.get_by_role("status").filter(has_text="Fit confirmed: in production")).to_be_visible()

    # The customer's status page: being made, with the due date (Nov 25 + 14 days).
    page.context.clear_cookies()
    page.goto(emailed_link(live_server, number, "fit_confirmed", "/orders/"))
    status = page.get_by_role("region", name=re.compile(r"^Status: "))
    expect(status.get_by_role("heading", level=2)).to_have_text("Status: Being made for you")
    expect(status).to_contain_text(f"Ships by {day(date(2026, 12, 9))}")
    audit("(order status, being made)")

    # The next made-to-order pair in the confirmed size, in another style, skips the fitting pair.
    second, _ = order_made_to_order(live_server, email, SECOND_PAIR, SIZE_HALVES + 1)
    page.goto(emailed_link(live_server, second, "order_confirmation", "/orders/"))
    status = page.get_by_role("region", name=re.compile(r"^Status: "))
    expect(status.get_by_role("heading", level=2)).to_have_text("Status: Being made for you")
    expect(status).to_contain_text("Made to order in your confirmed size")
    expect(status).not_to_contain_text("Fitting pair")
