"""Staff run the catalog in a real browser (JavaScript on and off): a delivery turns
a made-to-order size into an in-stock one, a count file with a bad line is fixed and
applied, and a price change reaches the shop while an earlier order keeps its price.

Each journey makes its own style (through the services), so the shared live server's
other journeys never see its changes."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import select

from ally_web.core.actors import Actor
from ally_web.extensions import db
from ally_web.models import Variant
from ally_web.services import catalog
from ally_web.templating import money

OWNER = Actor.staff(None, "Journey setup")


def own_style(live_server, price_cents: int = 29000) -> dict:
    """A new style with one colour in every size, all sold out (made to order)."""
    name = f"Journey Pump {uuid.uuid4().hex[:8]}"
    with live_server.app.app_context():
        style = catalog.add_style(catalog.StyleInput(
            name=name, tagline="A pump for a journey.", description="Made for a browser test.", facts="",
            heel_height_mm=90, material="Leather", care_notes="", trial_eligible=False), price_cents, OWNER)
        colour = catalog.add_colour(style, catalog.ColourInput(name="Black", hex="#111111"),
                                    "img/products/classic-pump-black.svg", OWNER)
        db.session.commit()
        variants = {(v.size_halves, v.width): (v.id, v.sku) for v in colour.variants}
        return {"id": style.id, "slug": style.slug, "name": name, "variants": variants}


def sign_in(page: Page, live_server, role: str = "stylist") -> None:
    config = live_server.app.config
    page.goto("/staff/sign-in")
    page.get_by_label("Email").fill(config["DEMO_ADMIN_EMAIL" if role == "admin" else "DEMO_STAFF_EMAIL"])
    page.get_by_label("Password").fill(config["DEMO_STAFF_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def test_receiving_six_pairs_puts_a_sold_out_size_in_stock(page: Page, live_server, audit) -> None:
    style = own_style(live_server)
    variant_id, _ = style["variants"][(17, "M")]
    page.goto(f"/products/{style['slug']}?colour=black&size=8.5&width=M")
    expect(page.locator(".availability__status")).to_have_text("Made to order")

    sign_in(page, live_server)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Catalog and stock").click()
    expect(page.get_by_role("heading", level=1, name="Catalog and stock")).to_be_visible()
    audit("(catalog and stock)")
    page.goto(f"/admin/catalog/variants/{variant_id}")
    audit("(stock ledger)")
    page.get_by_label("Why").select_option(label="Received from the factory")
    page.get_by_label("Pairs", exact=True).fill("0")  # a slip first: told beside the field, nothing booked
    page.get_by_role("button", name="Book movement").click()
    expect(page.locator("#pairs-error")).to_contain_text("from 1 to")
    expect(page.locator("#stock-on-hand")).to_have_text("0")
    page.get_by_label("Why").select_option(label="Received from the factory")
    page.get_by_label("Pairs", exact=True).fill("6")
    page.get_by_label("Note (optional)").fill("Delivery from the factory")
    page.get_by_role("button", name="Book movement").click()
    expect(page.locator("#stock-on-hand")).to_have_text("6")
    ledger = page.locator("#ledger tbody tr").first
    expect(ledger).to_contain_text("Received from the factory")
    expect(ledger).to_contain_text("+6")
    expect(ledger).to_contain_text("Delivery from the factory")

    page.goto(f"/products/{style['slug']}?colour=black&size=8.5&width=M")
    expect(page.locator(".availability__status")).to_contain_text("In stock")


def test_a_count_file_with_a_bad_line_is_fixed_and_applied(page: Page, live_server, audit) -> None:
    style = own_style(live_server)
    (_, sku_a), (_, sku_b) = style["variants"][(16, "M")], style["variants"][(18, "M")]
    sign_in(page, live_server)
    page.goto("/admin/catalog/counts")
    bad = f"sku,stock\n{sku_a},4\n{sku_b},four\n".encode()
    page.get_by_label("Count file (CSV)").set_input_files(files=[{"name": "count.csv", "mimeType": "text/csv", "buffer": bad}])
    page.get_by_role("button", name="Preview the changes").click()
    expect(page.locator("#count-errors")).to_contain_text("Line 3")
    expect(page.get_by_role("button", name="Apply these counts")).to_have_count(0)
    audit("(count file with errors)")

    good = f"sku,stock\n{sku_a},4\n{sku_b},2\n".encode()
    page.get_by_label("Count file (CSV)").set_input_files(files=[{"name": "count.csv", "mimeType": "text/csv", "buffer": good}])
    page.get_by_role("button", name="Preview the changes").click()
    preview = page.locator("#count-preview")
    expect(preview).to_contain_text("2 sizes would change")
    expect(preview).to_contain_text("+4")
    page.get_by_role("button", name="Apply these counts").click()
    expect(page.get_by_text("Counts applied: 2 sizes changed")).to_be_visible()
    with live_server.app.app_context():
        stock = dict(db.session.execute(select(Variant.sku, Variant.stock).where(Variant.sku.in_([sku_a, sku_b]))).all())
    assert stock == {sku_a: 4, sku_b: 2}


def test_a_new_price_reaches_the_shop_while_an_earlier_order_keeps_its_own(page: Page, live_server, audit) -> None:
    from tests.factories import make_order

    style = own_style(live_server, price_cents=29000)
    variant_id, _ = style["variants"][(17, "M")]
    with live_server.app.app_context():
        catalog.move_stock(variant_id, "received", 3, "For the journey", OWNER)
        db.session.commit()
        order = make_order(email=f"price-{uuid.uuid4().hex[:6]}@example.com",
                           lines=[(db.session.get(Variant, variant_id), 1, False)])
        order_id = order.id

    sign_in(page, live_server, role="admin")
    page.goto(f"/admin/catalog/styles/{style['id']}")
    audit("(style, admin)")
    page.get_by_label("New price (US$)").fill("315")
    page.get_by_role("button", name="Change price").click()
    expect(page.get_by_text(re.compile("carts show it at once"))).to_be_visible()

    page.goto(f"/products/{style['slug']}")
    expect(page.locator(".product__price")).to_contain_text(money(31500))
    page.goto(f"/admin/orders/{order_id}")
    expect(page.locator("main")).to_contain_text(money(29000))
    page.goto("/admin/audit")
    changed = page.locator("#audit tbody tr").filter(has_text=style["name"]).filter(has_text="price.changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("staff: Alex Chen")
    audit("(audit log)")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#low-stock")).to_contain_text("Low stock")
    audit("(dashboard with low stock)")
