"""The fitting team curates a trial box, in Chromium, with JavaScript and without:
from the queue to the box's page, the stock grid following the colour, two pairs
chosen (one new off the shelf, one sample), the checklist before "Box ready", the
box shipped with its labels, and a delivery scan opening the customer's window
with its last day.

Each test asks for its own box under an email no other test uses, and chooses
pairs in US 9½ Wide, a size this file owns (its black pairs are set on the shelf
here).
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import select

from ally_web.core.actors import SYSTEM
from ally_web.extensions import db
from ally_web.models import Colour, Order, Style, Variant
from ally_web.services import catalog
from tests.browser.helpers import assert_same_document, mark_document
from tests.browser.test_made_to_order_journeys import sign_in_staff
from tests.browser.test_return_journeys import _jpeg
from tests.trial_flow import requested_box

SIZE_HALVES, WIDTH = 19, "W"  # US 9½ Wide
NEW_PAIR = "Black Leather, US 9½ Wide (new)"
SAMPLE = "Almond, US 9½ Wide (sample)"


def ask_for_a_box(live_server, email: str) -> str:
    """A requested box (the sign-up service, the sandbox card page), and black
    pairs on the shelf in this file's size; returns the trial's number."""
    with live_server.app.app_context(), live_server.app.test_request_context():
        variant = db.session.scalar(select(Variant).join(Colour).join(Style).where(
            Style.slug == "classic-pump", Colour.slug == "black", Variant.size_halves == SIZE_HALVES,
            Variant.width == WIDTH))
        catalog.count_stock(variant.id, variant.stock + 2, variant.stock, "Trial journey", SYSTEM, audit=False)
        db.session.commit()
        box = requested_box(email=email)
        return db.session.scalar(select(Order.number).where(Order.id == box.order_id))


def choose(page: Page, colour: str, condition: str) -> None:
    pick = page.get_by_role("form", name="Add a pair")
    pick.get_by_label("Colour").select_option(label=colour)
    pick.get_by_label("Size").select_option(label="US 9½")
    pick.get_by_label("Width").select_option(label="Wide")
    pick.get_by_label(condition, exact=True).check()
    pick.get_by_role("button", name="Add this pair").click()


def tick_checklist(page: Page, pair: str) -> None:
    checks = page.get_by_role("group", name=f"Checklist for {pair}")
    for item in ("Lining cleaned", "Condition photographed", "Sole protectors on"):
        checks.get_by_label(item).check()
    page.get_by_role("button", name=f"Save checklist for {pair}").click()
    expect(page.get_by_role("status").filter(has_text=f"Checklist done for {pair}")).to_be_visible()


def test_staff_curate_ship_and_deliver_a_trial_box(page: Page, is_js: bool, audit, live_server) -> None:
    email = f"trial-{uuid.uuid4().hex[:10]}@example.com"
    number = ask_for_a_box(live_server, email)
    tracking = f"1Z{uuid.uuid4().hex[:16].upper()}"

    # The queue, from the staff bar.
    sign_in_staff(page, live_server)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Trials").click()
    expect(page.get_by_role("heading", level=1, name="Trial boxes")).to_be_visible()
    page.get_by_role("link", name=f"Curate #{number}").click()
    expect(page.get_by_role("heading", level=1, name=f"Trial box #{number}")).to_be_visible()
    expect(page.get_by_role("region", name="Their answers")).to_contain_text("Wide across the front")
    audit("(trial box, to curate)")

    # The stock grid follows the colour: live with JavaScript, with a button without.
    stock = page.get_by_role("region", name="Stock around their size")
    expect(stock.get_by_role("table")).to_contain_text("Black Leather: pairs on the shelf")
    if is_js:
        mark_document(page)
        stock.get_by_label("Colour", exact=True).select_option(label="Almond")
        expect(stock.get_by_role("table")).to_contain_text("Almond: pairs on the shelf")
        assert_same_document(page)
    else:
        stock.get_by_label("Colour", exact=True).select_option(label="Almond")
        stock.get_by_role("button", name="Show").click()
        expect(page.get_by_role("region", name="Stock around their size").get_by_role("table")).to_contain_text(
            "Almond: pairs on the shelf")

    # Two pairs: a new one off the shelf and a sample.
    choose(page, "Black Leather", "New")
    expect(page.get_by_role("status").filter(has_text=f"Added {NEW_PAIR}")).to_be_visible()
    choose(page, "Almond", "Sample")
    expect(page.get_by_role("status").filter(has_text=f"Added {SAMPLE}")).to_be_visible()
    expect(page.get_by_role("form", name="Add a pair")).to_have_count(0)  # the box is full

    # Box ready waits for the checklist.
    page.get_by_role("button", name="Box ready").click()
    expect(page.get_by_role("alert")).to_contain_text(f"The checklist is not done for {NEW_PAIR}")
    audit("(trial box, checklist not done)")
    tick_checklist(page, NEW_PAIR)
    tick_checklist(page, SAMPLE)
    page.get_by_role("button", name="Box ready").click()
    expect(page.get_by_role("status").filter(has_text="The box is ready")).to_be_visible()

    # Ship it: a wrong number is refused beside the field, then the right one.
    ship = page.get_by_role("region", name="Ship the box")
    ship.get_by_label("Carrier").select_option("UPS")
    ship.get_by_label("Tracking number").fill("1Z12")
    ship.get_by_role("button", name="Mark shipped and email the customer").click()
    number_field = page.get_by_role("region", name="Ship the box").get_by_label("Tracking number")
    expect(number_field).to_have_accessible_description(re.compile("not a UPS tracking number"))
    number_field.fill(tracking)
    page.get_by_role("region", name="Ship the box").get_by_role(
        "button", name="Mark shipped and email the customer").click()
    expect(page.get_by_role("status").filter(has_text=f"Shipped by UPS ({tracking})")).to_be_visible()
    parcels = page.get_by_role("region", name="Parcels")
    expect(parcels.get_by_role("link", name="Box label (PDF)")).to_be_visible()
    expect(parcels.get_by_role("link", name="Prepaid return label")).to_be_visible()
    audit("(trial box, shipped)")

    # The carrier's delivery scan, recorded by staff: the window opens (Nov 25 + 7).
    scan = page.get_by_role("form", name="Record a carrier scan")
    scan.get_by_label("What happened").select_option(label="Delivered")
    scan.get_by_label("Where (optional)").fill("Front door")
    scan.get_by_role("button", name="Record scan").click()
    window = page.get_by_role("region", name="The window")
    expect(window).to_contain_text("Wednesday, December 2, 2026")
    expect(page.locator("#trial-state")).to_have_text("Delivered")


def test_staff_receive_a_returned_pair_and_charge_the_damage_fee(page: Page, is_js: bool, audit,
                                                                   live_server) -> None:
    from ally_web.core.actors import CUSTOMER
    from ally_web.services import trial
    from tests.trial_flow import delivered_box

    with live_server.app.app_context():
        box = delivered_box(email=f"inspect-{uuid.uuid4().hex[:8]}@example.com")
        kept, back = box.current_pairs
        trial.decide(box, {kept.id: "keep", back.id: "return"}, CUSTOMER)
        db.session.commit()
        number = box.order.number
        returned = trial.pair_label(back)

    sign_in_staff(page, live_server)
    page.goto("/admin/trials")
    page.get_by_role("region", name=re.compile("Pairs coming back")).get_by_role("link", name=f"#{number}").click()
    page.get_by_role("button", name="The return parcel is here").click()
    expect(page.get_by_role("status").filter(has_text="1 pair received")).to_be_visible()

    inspect = page.get_by_role("form", name="Inspect")
    pair = inspect.get_by_role("group", name=returned)
    pair.get_by_label("Damage fee").check()
    inspect.get_by_role("button", name="Save the inspection").click()
    expect(page.get_by_text("Please say what is damaged")).to_be_visible()  # beside the pair, choice kept
    expect(page.get_by_role("group", name=returned).get_by_label("Damage fee")).to_be_checked()
    audit(page)

    page.get_by_role("group", name=returned).get_by_label("What is damaged").fill("Scuffed heel tip")
    page.get_by_role("button", name="Save the inspection").click()
    photos = page.get_by_role("group", name=returned).get_by_label(re.compile("Photos of the damage"))
    expect(photos).to_have_accessible_description(re.compile("photos of the damage"))  # the note typed is kept
    expect(page.get_by_role("group", name=returned).get_by_label("What is damaged")).to_have_value("Scuffed heel tip")
    photos.set_input_files([{"name": "heel.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    page.get_by_role("button", name="Save the inspection").click()
    expect(page.get_by_role("status").filter(has_text="1 damage fee will be charged")).to_be_visible()
    expect(page.get_by_text(f"{returned}: damage fee: Scuffed heel tip")).to_be_visible()
    expect(page.get_by_role("list", name="Photos of the damage").get_by_role("img")).to_have_count(1)

    with live_server.app.app_context():  # the customer sees the fee's reason and the photo on the trial page
        from ally_web.services.orders import links
        link = links.make_link(db.session.get(Order, box.order_id))
    page.goto(f"/trial/box/{link}")
    damage = page.get_by_role("region", name=re.compile("The damage we found"))
    expect(damage).to_contain_text("Scuffed heel tip")
    expect(damage.get_by_role("img", name="Our photo 1 of the damage")).to_be_visible()
