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
