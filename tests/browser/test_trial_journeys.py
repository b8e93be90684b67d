"""The at-home trial, in Chromium, with JavaScript and without: a delivered box asks
for another size within 24 hours, and the offer is gone after.

Each test uses its own email (one open trial per customer). Boxes past sign-up are
made with the services (tests/trial_flow.py); the clock is moved by the test.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect

from ally_web.core import clock
from ally_web.services import trial
from ally_web.services.orders import links
from tests.trial_flow import delivered_box

PREPAID = "5105105105105100"
GOOD = "4242424242424242"
DECLINES_LATER = "4000000000000341"


def fresh_email() -> str:
    return f"trial-{uuid.uuid4().hex[:10]}@example.com"


def save_card(page: Page, card: str) -> None:
    expect(page.get_by_role("heading", level=1, name="Save a card for later")).to_be_visible()
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry date").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_label("Name on card").fill("Tess Ortiz")
    page.get_by_role("button", name="Save card").click()


def open_box(page: Page, live_server, **kwargs) -> tuple[object, str]:
    with live_server.app.app_context():
        box = delivered_box(email=fresh_email(), **kwargs)
        link = links.make_link(box.order)
        ids = [p.id for p in box.current_pairs]
    page.goto(f"/trial/box/{link}")
    return ids, link


def run_jobs(live_server, at) -> None:
    with live_server.app.app_context():
        trial.expire_boxes(at)
        trial.charge_due(at)
        trial.close_finished(at)


def test_another_size_within_24_hours_and_not_after(page: Page, is_js: bool, audit, live_server) -> None:
    open_box(page, live_server)
    section = page.get_by_role("region", name="Need another size?")
    expect(section).to_be_visible()
    section.get_by_label("Size").first.select_option(label="9")
    section.get_by_label("How do they fit? (optional)").fill("Toes touch the front")
    section.get_by_role("button", name="Ask for these sizes").click()
    expect(page.get_by_role("heading", level=2, name="Your new sizes are being chosen")).to_be_visible()

    open_box(page, live_server)
    with clock.freeze(clock.now() + timedelta(hours=25)):
        page.reload()
        expect(page.get_by_role("heading", level=2, name=re.compile("days left to decide"))).to_be_visible()
        expect(page.get_by_role("region", name="Need another size?")).to_have_count(0)


def test_from_the_badge_to_a_requested_box_past_a_prepaid_card(page: Page, is_js: bool, audit,
                                                                 live_server) -> None:
    page.goto("/")
    # Each colour's swatch link says which colour it is (the words are for screen readers).
    expect(page.get_by_role("link", name="The Classic Pump in Black Leather").first).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Try at home\s*: The Classic Pump$")).first.click()
    expect(page.get_by_role("heading", level=1, name="Try at home")).to_be_visible()
    audit(page)

    page.get_by_label("The size you usually wear (US)").select_option("8.5")
    page.get_by_role("group", name="Your usual width").get_by_label("Medium").check()
    page.get_by_label("Wide across the front").check()
    page.get_by_label("2 to 3 inches").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=2, name="Colours")).to_be_visible()
    page.get_by_label("Your favourite colour").select_option(label="Black Leather")
    page.get_by_label("Either: whatever fits best").check()
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Email").fill(fresh_email())
    page.get_by_label("Full name").fill("Tess Ortiz")
    page.get_by_label("Phone (for the carrier)").fill("718 555 0100")
    page.get_by_label("Street address").fill("70 Washington Street")
    page.get_by_label("Town or city").fill("Brooklyn")
    page.get_by_label("State").fill("New York")
    page.get_by_label("ZIP code").fill("11201")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("Wide across the front")).to_be_visible()  # the answers, read back
    page.get_by_role("button", name="Save my card and ask for my box").click()
    save_card(page, PREPAID)
    expect(page.get_by_role("alert").filter(has_text="prepaid")).to_be_visible()

    page.get_by_role("button", name="Save my card and ask for my box").click()
    save_card(page, GOOD)
    expect(page.get_by_text(re.compile(r"Your trial box #\S+ is requested"))).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Our fitting team is choosing your pairs")).to_be_visible()
    audit(page)


def test_keep_one_pair_send_one_back_and_be_charged_once(page: Page, is_js: bool, audit, live_server) -> None:
    open_box(page, live_server)
    page.get_by_role("group", name=re.compile("Black Leather")).get_by_label(re.compile("Keep it")).check()
    page.get_by_role("group", name=re.compile("Almond")).get_by_label("Send it back").check()
    if not is_js:
        page.get_by_role("button", name="Show my total").click()
    expect(page.locator("#decision-total")).to_contain_text("$295")
    audit(page)
    page.get_by_role("button", name="Confirm my choice").click()
    expect(page.get_by_role("heading", level=2, name="Your choice is in")).to_be_visible()
    expect(page.get_by_role("link", name="Download the return label (PDF)")).to_be_visible()

    run_jobs(live_server, clock.now())
    page.reload()
    expect(page.get_by_text(re.compile(r"Charged \$295 for the pairs you kept"))).to_be_visible()


def test_no_answer_by_the_last_day_charges_every_pair(page: Page, is_js: bool, audit, live_server) -> None:
    open_box(page, live_server)
    after = clock.now() + timedelta(days=9)
    run_jobs(live_server, after)
    with clock.freeze(after):
        page.reload()
        expect(page.get_by_role("heading", level=2, name="Your trial has ended")).to_be_visible()
        expect(page.get_by_role("button", name="Confirm my choice")).to_have_count(0)
        expect(page.get_by_text(re.compile(r"Charged \$\d[\d,]* for every pair in your trial box"))).to_be_visible()


def test_a_declined_charge_is_paid_by_link(page: Page, is_js: bool, audit, live_server) -> None:
    open_box(page, live_server, card=DECLINES_LATER)
    page.get_by_role("group", name=re.compile("Black Leather")).get_by_label(re.compile("Keep it")).check()
    page.get_by_role("group", name=re.compile("Almond")).get_by_label("Send it back").check()
    page.get_by_role("button", name="Confirm my choice").click()
    expect(page.get_by_role("heading", level=2, name="Your choice is in")).to_be_visible()

    run_jobs(live_server, clock.now())
    page.reload()
    expect(page.get_by_text("Your bank declined $295")).to_be_visible()
    page.get_by_role("button", name="Pay $295 now").click()
    page.get_by_label("Card number").fill(GOOD)
    page.get_by_label("Expiry date").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_label("Name on card").fill("Tess Ortiz")
    page.get_by_role("button", name="Pay $295", exact=True).click()
    expect(page.get_by_text("Thank you: your payment went through.")).to_be_visible()
    expect(page.get_by_text("Your bank declined")).to_have_count(0)
