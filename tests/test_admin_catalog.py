"""Staff run the catalog: stock movements and their ledger, counts, prices, styles
and colours, hiding, counts by file, the audit log and the low-stock list."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import AuditEntry, Colour, MovementReason, StockMovement, Style, Variant
from ally_web.services import cart as cart_service
from ally_web.services import catalog
from ally_web.services import orders as order_service
from tests.factories import in_stock_variant, make_order, sold_out_variant

ADMIN = Actor.staff(None, "Alex Admin")


def movements(variant_id: int) -> list[StockMovement]:
    return list(db.session.scalars(select(StockMovement).where(StockMovement.variant_id == variant_id)
                                   .order_by(StockMovement.id)))


def test_a_stylist_receives_pairs_and_the_ledger_says_who_why_and_the_count(client, auth):
    staff = auth.login("stylist", name="Sam Rivera")
    variant = sold_out_variant()
    db.session.commit()
    response = client.post(f"/admin/catalog/variants/{variant.id}/move",
                           data={"reason": "received", "pairs": "6", "note": "Delivery 42"})
    assert response.status_code == 303
    db.session.refresh(variant)
    assert variant.stock == 6
    last = movements(variant.id)[-1]
    assert (last.change, last.resulting, last.reason, last.note) == (6, 6, MovementReason.RECEIVED, "Delivery 42")
    assert last.actor == Actor.staff(staff.id, "Sam Rivera")
    page = client.get(f"/admin/catalog/variants/{variant.id}").get_data(as_text=True)
    assert "Received from the factory" in page and "staff: Sam Rivera" in page and "Delivery 42" in page
    audit = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert audit.action == "stock.moved" and audit.actor_name == "Sam Rivera"
    assert catalog.ledger_explains(variant.id)


def test_taking_more_than_the_shelf_is_refused_beside_the_field(client, auth):
    auth.login("stylist")
    variant = in_stock_variant()
    response = client.post(f"/admin/catalog/variants/{variant.id}/move",
                           data={"reason": "damaged", "pairs": str(variant.stock + 1)})
    assert response.status_code == 422
    assert f"Only {variant.stock} on the shelf" in response.get_data(as_text=True)
    for bad in ({"reason": "sold", "pairs": "1"}, {"reason": "received", "pairs": "99999999999999999999"},
                {"reason": "received", "pairs": "abc"}):
        assert client.post(f"/admin/catalog/variants/{variant.id}/move", data=bad).status_code == 422
    assert client.get("/admin/catalog/variants/99999999999999999999").status_code == 404


def test_a_count_correction_refuses_when_the_count_moved_since_the_page(client, auth):
    auth.login("stylist")
    variant = in_stock_variant(min_stock=2)
    seen = variant.stock
    catalog.take_stock([(variant.id, 1)])  # a sale while the stylist counts
    db.session.commit()
    response = client.post(f"/admin/catalog/variants/{variant.id}/count", data={"counted": "9", "seen": str(seen)})
    assert response.status_code == 422
    assert f"changed from {seen} to {seen - 1}" in response.get_data(as_text=True)
    db.session.refresh(variant)
    assert variant.stock == seen - 1
    ok = client.post(f"/admin/catalog/variants/{variant.id}/count", data={"counted": "9", "seen": str(seen - 1)})
    assert ok.status_code == 303
    db.session.refresh(variant)
    assert variant.stock == 9 and movements(variant.id)[-1].change == 9 - (seen - 1)
    assert catalog.ledger_explains(variant.id)


def test_checkout_and_cancellation_write_their_own_movements(app):
    variant = in_stock_variant(min_stock=2)
    before = variant.stock
    order = make_order(lines=[(variant, 2, False)])
    sold = movements(variant.id)[-1]
    assert (sold.reason, sold.change, sold.resulting) == (MovementReason.SOLD, -2, before - 2)
    assert sold.note == f"Order #{order.number}" and sold.actor_kind == "customer"
    order_service.cancel_order(order, ADMIN, "Customer changed her mind")
    back = movements(variant.id)[-1]
    assert (back.reason, back.change, back.resulting) == (MovementReason.ORDER_CANCELLED, 2, before)
    assert back.note == f"Order #{order.number}" and back.actor_name == "Alex Admin"
    assert catalog.ledger_explains(variant.id)


def test_put_back_takes_the_reason_a_return_will_give(app):
    variant = in_stock_variant()
    catalog.put_back([(variant.id, 1)], reason=MovementReason.RETURNED, actor=ADMIN, note="RMA 7")
    last = movements(variant.id)[-1]
    assert (last.reason, last.change, last.note) == (MovementReason.RETURNED, 1, "RMA 7")


def test_stylists_adjust_stock_but_only_admins_change_prices_and_styles(client, auth):
    auth.login("stylist")
    style = db.session.scalar(select(Style).where(Style.slug == "classic-pump"))
    assert client.get(f"/admin/catalog/styles/{style.id}").status_code == 200
    assert client.post(f"/admin/catalog/styles/{style.id}/price", data={"price": "1"}).status_code == 403
    assert client.post(f"/admin/catalog/styles/{style.id}/visibility", data={"hidden": "1"}).status_code == 403
    assert client.post("/admin/catalog/styles", data={}).status_code == 403
    assert client.get("/admin/catalog/styles/new").status_code == 403


def test_a_price_change_reaches_carts_with_a_note_but_not_orders_or_open_checkouts(client, auth):
    variant = in_stock_variant(min_stock=2)
    style = variant.colour.style
    old = style.price_cents
    earlier = make_order(lines=[(variant, 1, False)])
    store: dict = {}
    cart_service.add_to_cart(variant.id, 1, store)
    auth.login("admin", name="Alex Admin")
    response = client.post(f"/admin/catalog/styles/{style.id}/price", data={"price": "$345.00"})
    assert response.status_code == 303
    db.session.expire_all()
    assert style.price_cents == 34500
    cart = cart_service.load_cart(store)
    assert cart.lines[0].total_cents == 34500
    assert any("changed from" in n and "$345" in n for n in cart.notices)
    assert cart_service.load_cart(store).notices == []  # told once
    assert earlier.lines[0].unit_price_cents == old
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "price.changed"))
    assert entry.details == {"before_cents": old, "after_cents": 34500} and entry.actor_name == "Alex Admin"
    assert "price.changed" in client.get("/admin/audit").get_data(as_text=True)
    assert client.post(f"/admin/catalog/styles/{style.id}/price", data={"price": "free"}).status_code == 422


def test_a_colour_price_overrides_the_style_on_the_product_page_and_in_the_cart(client):
    colour = db.session.scalar(select(Colour).join(Style).where(Style.slug == "classic-pump", Colour.slug == "cherry"))
    catalog.change_price(colour.style, 31000, ADMIN, colour=colour)
    db.session.commit()
    page = client.get("/products/classic-pump?colour=cherry").get_data(as_text=True)
    assert "$310" in page
    variant = colour.variants[0]
    store: dict = {}
    cart_service.add_to_cart(variant.id, 1, store)
    assert cart_service.load_cart(store).subtotal_cents == 31000


def test_hiding_a_style_takes_it_off_the_shop_and_out_of_carts_but_keeps_it(client):
    style = db.session.scalar(select(Style).where(Style.slug == "slingback"))
    variant = style.colours[0].variants[0]
    store: dict = {}
    cart_service.add_to_cart(variant.id, 1, store)
    catalog.set_hidden(style, True, ADMIN)
    db.session.commit()
    assert client.get("/products/slingback").status_code == 404
    assert "The Slingback" not in client.get("/shop").get_data(as_text=True)
    cart = cart_service.load_cart(store)
    assert cart.lines == [] and cart.notices
    assert db.session.get(Style, style.id) is not None
    catalog.set_hidden(style, False, ADMIN)
    db.session.commit()
    assert client.get("/products/slingback").status_code == 200


def test_a_price_change_shows_on_a_caching_process_within_seconds(app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.config, "CATALOG_FRESH_SECONDS", 0)
    style = db.session.scalar(select(Style).where(Style.slug == "strap-heel"))
    assert catalog.get_style("strap-heel").price_cents == style.price_cents
    style.price_cents = 1  # written behind the services' back: the cache keeps its minute
    db.session.commit()
    assert catalog.get_style("strap-heel").price_cents != 1
    catalog.change_price(style, 33300, ADMIN)
    db.session.commit()
    assert catalog.get_style("strap-heel").price_cents == 33300


def test_admin_adds_a_style_and_a_colour_with_an_svg_that_is_cleaned(client, auth, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    auth.login("admin")
    response = client.post("/admin/catalog/styles", data={
        "name": "The Mule", "tagline": "Slip in, step out.", "description": "A backless pointed mule.",
        "facts": "Padded footbed\nLeather sole", "heel_height_mm": "70", "material": "Suede",
        "care_notes": "Brush with a suede brush.", "trial_eligible": "", "price": "275"})
    assert response.status_code == 303
    style = db.session.scalar(select(Style).where(Style.slug == "the-mule"))
    assert (style.price_cents, style.heel_height_mm, style.trial_eligible) == (27500, 70, False)
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)">'
           b'<script>alert(2)</script><rect width="10" height="10" fill="url(http://evil.example/x)"/>'
           b'<image href="http://evil.example/a.png"/><circle r="4" fill="#000"/></svg>')
    response = client.post(f"/admin/catalog/styles/{style.id}/colours", content_type="multipart/form-data", data={
        "name": "Sand", "hex": "#d8c8a8", "price": "", "picture": (io.BytesIO(svg), "sand.svg")})
    assert response.status_code == 303, response.get_data(as_text=True)
    colour = style.colours[0]
    assert colour.image.startswith("media/") and colour.image.endswith(".svg") and "sand" not in colour.image
    stored = (tmp_path / colour.image.removeprefix("media/")).read_bytes()
    assert b"script" not in stored and b"onload" not in stored and b"evil" not in stored and b"<circle" in stored
    assert len(colour.variants) == 45 and all(v.stock == 0 for v in colour.variants)
    page = client.get("/products/the-mule").get_data(as_text=True)
    assert "Leather sole" in page and "Brush with a suede brush." in page
    served = client.get("/media/" + colour.image.removeprefix("media/"))
    assert served.status_code == 200 and "sandbox" in served.headers["Content-Security-Policy"]


def test_pictures_are_checked_by_content(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    stored = catalog.keep_picture(catalog.clean_picture(png.getvalue() + b"trailing junk"))
    assert stored.endswith(".png")
    assert Image.open(tmp_path / stored.removeprefix("media/")).size == (8, 8)
    for bad in (b"GIF89a not really", b"%PDF-1.7", b"", b"<html><script>x</script></html>", b"<!DOCTYPE svg [<!ENTITY a 'b'>]><svg/>"):
        with pytest.raises(DomainError):
            catalog.clean_picture(bad)


def test_sizes_offered_hide_a_size_from_the_picker(client, auth):
    auth.login("admin")
    colour = db.session.scalar(select(Colour).join(Style).where(Style.slug == "classic-pump", Colour.slug == "black"))
    keep = [f"{v.size_halves}-{v.width}" for v in colour.variants if not (v.size_halves == 17 and v.width == "M")]
    response = client.post(f"/admin/catalog/colours/{colour.id}/sizes", data={"offered": keep})
    assert response.status_code == 303
    page = client.get("/products/classic-pump?colour=black&size=8.5&width=M")
    assert page.status_code == 422 and "not offered" in page.get_data(as_text=True)
    assert client.post(f"/admin/catalog/colours/{colour.id}/sizes", data={"offered": []}).status_code == 422


def test_count_file_preview_lists_bad_lines_applies_nothing_then_applies_a_clean_file(client, auth):
    auth.login("stylist")
    export = client.get("/admin/catalog/stock.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).splitlines()
    assert lines[0] == "sku,style,colour,size,width,stock"
    first, second = (line.split(",") for line in lines[1:3])
    bad = "\n".join([lines[0], ",".join([*first[:5], "7"]), ",".join([*second[:5], "seven"]), "NOPE,x,x,x,x,1"])
    response = client.post("/admin/catalog/counts/preview", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(bad.encode()), "count.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Line 3:" in html and "Line 4:" in html and "Apply these counts" not in html
    v1 = db.session.scalar(select(Variant).where(Variant.sku == first[0]))
    assert v1.stock == int(first[5])
    good = "\n".join([lines[0], ",".join([*first[:5], "7"]), ",".join([*second[:5], "3"])])
    response = client.post("/admin/catalog/counts/preview", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(good.encode()), "count.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Apply these counts" in html
    plan = html.split('name="plan"')[1].split('value="')[1].split('"')[0]
    response = client.post("/admin/catalog/counts/apply", data={"plan": plan})
    assert response.status_code == 303
    v2 = db.session.scalar(select(Variant).where(Variant.sku == second[0]))
    db.session.refresh(v1)
    assert (v1.stock, v2.stock) == (7, 3)
    assert catalog.ledger_explains(v1.id) and catalog.ledger_explains(v2.id)
    # The same preview applied again: the counts moved since, so nothing is applied.
    again = client.post("/admin/catalog/counts/apply", data={"plan": plan})
    html = again.get_data(as_text=True)
    assert again.status_code == 409 and "Nothing was applied" in html
    assert f"{first[0]} ({first[5]} then, 7 now)" in html and f"{second[0]} ({second[5]} then, 3 now)" in html
    assert [m.note for m in movements(v1.id)][-1] == "Count file count.csv"  # the name came signed with the plan


def test_low_stock_on_the_dashboard(client, auth, monkeypatch):
    from ally_web import policy

    auth.login("stylist")
    monkeypatch.setattr(policy, "LOW_STOCK_PAIRS", 0)
    variant = sold_out_variant()
    db.session.commit()
    page = client.get("/admin/").get_data(as_text=True)
    assert "Low stock" in page and f"/admin/catalog/variants/{variant.id}" in page
    total = db.session.scalar(select(func.count(Variant.id)).where(Variant.stock == 0))
    assert f"{total} size" in page


def test_a_checkout_already_on_the_payment_page_keeps_the_price_it_quoted(app):
    from ally_web.gateways.payments import SandboxGateway, sandbox_authorize, sandbox_session
    from ally_web.services import checkout as checkout_service
    from ally_web.services.checkout import Address
    from tests.factories import ADDRESSES, SUCCESS_CARD

    variant = in_stock_variant()
    style = variant.colour.style
    quoted = style.price_cents
    store: dict = {}
    cart_service.add_to_cart(variant.id, 1, store)
    gateway = SandboxGateway()
    data = checkout_service.CheckoutInput(email="quote@example.com", payment_mode="card", shipping_method="us-standard",
                                          address=Address(name="Jane Doe", country="US", **ADDRESSES["US"]))
    checkout, _ = checkout_service.start_checkout(cart_service.load_cart(store), data, gateway, "/checkout/return", "/checkout")
    catalog.change_price(style, quoted + 5000, ADMIN)  # while the shopper is on the payment page
    db.session.flush()
    assert sandbox_authorize(sandbox_session(checkout.payment_session), SUCCESS_CARD).status == "authorized"
    order = checkout_service.complete_checkout(checkout.payment_session, gateway)
    assert order.lines[0].unit_price_cents == quoted
    assert order.subtotal_cents == quoted


def test_a_refused_picture_is_named_beside_the_field_and_nothing_is_added(client, auth, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    auth.login("admin")
    style = db.session.scalar(select(Style).where(Style.slug == "slingback"))
    colours = len(style.colours)
    response = client.post(f"/admin/catalog/styles/{style.id}/colours", content_type="multipart/form-data", data={
        "name": "Gold", "hex": "#c9a227", "picture": (io.BytesIO(b"MZ\x90\x00 not a picture"), "gold.png")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="picture-error"' in html and "not a picture we can read" in html and 'value="Gold"' in html
    db.session.expire_all()
    assert len(db.session.get(Style, style.id).colours) == colours
    bad_hex = client.post(f"/admin/catalog/styles/{style.id}/colours", content_type="multipart/form-data", data={
        "name": "Gold", "hex": "gold", "picture": (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "g.svg")})
    assert bad_hex.status_code == 422 and 'id="hex-error"' in bad_hex.get_data(as_text=True)


def test_the_audit_log_pages_and_refuses_a_bad_page(client, auth):
    auth.login("stylist")
    for n in range(3):
        catalog.move_stock(in_stock_variant().id, "received", n + 1, "", ADMIN)
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.count("stock.moved") == 3 and "staff: Alex Admin" in page
    assert client.get("/admin/audit?page=abc").status_code == 404
    assert client.get("/admin/audit?page=99999999999999999999").status_code == 200


def test_the_demo_seed_leaves_every_count_explained_by_its_ledger(app):
    from ally_web.seed import DEMO_DELIVERY_NOTE, seed_all

    seed_all()
    db.session.flush()
    sums = dict(db.session.execute(select(StockMovement.variant_id, func.sum(StockMovement.change))
                                   .group_by(StockMovement.variant_id)).all())
    stock = dict(db.session.execute(select(Variant.id, Variant.stock)).all())
    assert {vid: n for vid, n in stock.items() if n} == {vid: n for vid, n in sums.items() if n}
    delivery = db.session.scalar(select(StockMovement).where(StockMovement.note == DEMO_DELIVERY_NOTE))
    assert delivery.reason == MovementReason.RECEIVED and delivery.actor_name == "Sam Rivera"
    assert seed_all() == 0


def test_an_htmx_movement_with_an_error_gets_its_form_back_and_a_good_one_navigates(client, auth, htmx_headers):
    auth.login("stylist")
    variant = in_stock_variant()
    bad = client.post(f"/admin/catalog/variants/{variant.id}/move", data={"reason": "received", "pairs": "0"},
                      headers=htmx_headers)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and html.lstrip().startswith('<form id="move-form"') and 'id="pairs-error"' in html
    assert "HX-Request" in bad.headers.get("Vary", "")
    good = client.post(f"/admin/catalog/variants/{variant.id}/move", data={"reason": "received", "pairs": "2"},
                       headers=htmx_headers)
    assert good.status_code == 204 and good.headers["HX-Redirect"] == f"/admin/catalog/variants/{variant.id}"
    full = client.post(f"/admin/catalog/variants/{variant.id}/count", data={"counted": "x", "seen": "0"})
    assert full.status_code == 422 and "<html" in full.get_data(as_text=True)


def test_uploads_sent_as_text_fields_are_refused_not_a_crash(client, auth):
    auth.login("admin")
    style = db.session.scalar(select(Style).where(Style.slug == "slingback"))
    response = client.post(f"/admin/catalog/styles/{style.id}/colours",
                           data={"name": "Gold", "hex": "#c9a227", "picture": "not a file"})
    assert response.status_code == 422 and 'id="picture-error"' in response.get_data(as_text=True)
    preview = client.post("/admin/catalog/counts/preview", data={"file": "sku,stock"})
    assert preview.status_code == 422 and "empty" in preview.get_data(as_text=True)


def test_the_stock_export_never_starts_a_cell_with_a_formula(client, auth):
    auth.login("stylist")
    colour = db.session.scalar(select(Colour).order_by(Colour.id))
    colour.name = "=HYPERLINK(\"http://evil.example\")"
    db.session.commit()
    text = client.get("/admin/catalog/stock.csv").get_data(as_text=True)
    assert ",\"'=HYPERLINK(" in text and ",=HYPERLINK" not in text and ",\"=HYPERLINK" not in text


def test_the_migration_opens_the_ledger_with_the_counts_on_the_shelf(real_database_url):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(SQLALCHEMY_DATABASE_URI=real_database_url)
    with app.app_context():
        upgrade(revision="e5a7c9d1f3b6")
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO styles (id, slug, name, tagline, description, price_cents, trial_eligible, "
                           "material, heel_height_mm, hs_code, origin_country, position) VALUES "
                           "(1, 'p', 'Pump', 't', 'd', 29500, true, 'Leather', 100, '6403.59', 'CN', 0)"))
            c.execute(text("INSERT INTO colours (id, style_id, slug, name, hex, image, position) "
                           "VALUES (1, 1, 'black', 'Black', '#000000', 'x.svg', 0)"))
            c.execute(text("INSERT INTO variants (id, colour_id, size_halves, width, sku, stock) VALUES "
                           "(1, 1, 16, 'M', 'P-B-16M', 4), (2, 1, 17, 'M', 'P-B-17M', 0)"))
        upgrade()
        rows = db.session.execute(select(StockMovement.variant_id, StockMovement.change, StockMovement.resulting,
                                         StockMovement.reason)).all()
        assert rows == [(1, 4, 4, MovementReason.COUNT_CORRECTION)]
        assert catalog.catalog_version() == 0
        db.session.remove()
        db.engine.dispose()


def _price_and_edit_entries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action.in_(("price.changed", "colour.edited")))
                                   .order_by(AuditEntry.id)))


def test_a_colour_price_change_is_audited_once_with_before_after_and_actor(client, auth):
    auth.login("admin", name="Alex Admin")
    colour = db.session.scalar(select(Colour).join(Style).where(Style.slug == "classic-pump", Colour.slug == "cherry"))
    name, hex_ = colour.name, colour.hex
    assert colour.price_cents is None

    def save(**changes):
        data = {"name": name, "hex": hex_, "price": "", **changes}
        response = client.post(f"/admin/catalog/colours/{colour.id}", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)
        db.session.expire_all()

    save(price="310")
    [entry] = _price_and_edit_entries()
    assert (entry.action, entry.subject) == ("price.changed", f"The Classic Pump in {name}")
    assert entry.details == {"before_cents": None, "after_cents": 31000} and entry.actor_name == "Alex Admin"
    save(price="310.00")  # the same price, typed otherwise: nothing changed, nothing audited
    assert len(_price_and_edit_entries()) == 1
    save(name="Deep Cherry", price="320")  # a rename and a price: one entry each, the price in its own
    entries = _price_and_edit_entries()[1:]
    assert [e.action for e in entries] == ["colour.edited", "price.changed"]
    assert entries[0].details == {"changed": {"name": [name, "Deep Cherry"]}}
    assert entries[1].details == {"before_cents": 31000, "after_cents": 32000}
    name = "Deep Cherry"
    save(price="")  # back to the style's price
    last = _price_and_edit_entries()[-1]
    assert len(_price_and_edit_entries()) == 4 and last.details == {"before_cents": 32000, "after_cents": None}
    assert db.session.get(Colour, colour.id).price_cents is None


def test_a_style_price_set_to_what_it_is_audits_nothing(app):
    style = db.session.scalar(select(Style).where(Style.slug == "classic-pump"))
    assert catalog.change_price(style, style.price_cents, ADMIN) is False
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "price.changed")) == 0


def _previewed_plan(client, csv_text: str) -> str:
    response = client.post("/admin/catalog/counts/preview", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv_text.encode()), "count.csv")})
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    return html.split('name="plan"')[1].split('value="')[1].split('"')[0]


def test_a_count_plan_not_signed_by_a_preview_is_refused_and_nothing_applied(client, auth, app):
    from itsdangerous import URLSafeSerializer

    auth.login("stylist")
    variant = in_stock_variant()
    stock, ledger = variant.stock, len(movements(variant.id))
    plan = _previewed_plan(client, f"sku,stock\n{variant.sku},{stock + 4}\n")
    payload, _, signature = plan.rpartition(".")
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="order-status-link")
    forged = (
        plan[:-2] + ("AA" if plan[-2:] != "AA" else "BB"),  # the signature altered
        payload + "x." + signature,  # the changes altered
        f"{variant.id}:{stock}:999",  # the old unsigned layout
        URLSafeSerializer("not-our-secret", salt="count-file-plan").dumps(
            {"changes": [[variant.id, stock, 999]], "file": "x.csv"}),
        other_salt.dumps({"changes": [[variant.id, stock, 999]], "file": "x.csv"}),  # our secret, another salt
        "", "garbage", "\x00" * 50,
    )
    for plan_text in forged:
        assert client.post("/admin/catalog/counts/apply", data={"plan": plan_text}).status_code == 400, plan_text
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == stock and len(movements(variant.id)) == ledger
    assert client.post("/admin/catalog/counts/apply", data={"plan": plan}).status_code == 303  # the genuine one


def test_a_count_file_with_errors_is_422_and_offers_nothing_to_apply(client, auth):
    auth.login("stylist")
    variant = in_stock_variant()
    response = client.post("/admin/catalog/counts/preview", content_type="multipart/form-data", data={
        "file": (io.BytesIO(f"sku,stock\n{variant.sku},5\nNOPE,1\n".encode()), "count.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "No size has the SKU NOPE" in html and 'name="plan"' not in html
    for empty in (b"", b"sku,stock\n"):
        response = client.post("/admin/catalog/counts/preview", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(empty), "count.csv")})
        assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)


def test_the_exchange_migration_keeps_the_reason_constraint_name_and_undoes_cleanly(real_database_url):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import IntegrityError

    from tests.conftest import make_app

    name = "ck_stock_movements_ck_stock_movements_movement_reason"  # as the catalog migration left it

    def reason_check():
        [check] = [c for c in inspect(db.engine).get_check_constraints("stock_movements") if "reason" in c["sqltext"]]
        return check["name"], check["sqltext"]

    app = make_app(SQLALCHEMY_DATABASE_URI=real_database_url)
    with app.app_context():
        upgrade(revision="c2e4a6b8d0f3")
        assert reason_check()[0] == name and "exchange_out" not in reason_check()[1]
        upgrade()
        assert reason_check()[0] == name and "exchange_out" in reason_check()[1] and "exchange_in" in reason_check()[1]
        insert = ("INSERT INTO stock_movements (variant_id, at, change, resulting, reason, note, actor_kind, "
                  "actor_name) VALUES (1, '2026-12-01 10:00:00+00:00', :change, :resulting, :reason, '', 'system', "
                  "'system')")
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO styles (id, slug, name, tagline, description, price_cents, trial_eligible, "
                           "material, heel_height_mm, hs_code, origin_country, position, hidden, care_notes, facts) "
                           "VALUES (1, 'p', 'Pump', 't', 'd', 29500, true, 'Leather', 100, '6403.59', 'CN', 0, "
                           "false, '', '')"))
            c.execute(text("INSERT INTO colours (id, style_id, slug, name, hex, image, position, hidden) "
                           "VALUES (1, 1, 'black', 'Black', '#000000', 'x.svg', 0, false)"))
            c.execute(text("INSERT INTO variants (id, colour_id, size_halves, width, sku, stock, hidden) VALUES "
                           "(1, 1, 16, 'M', 'P-B-16M', 2, false)"))
            for change, resulting, reason in ((3, 3, "count_correction"), (-1, 2, "exchange_out"),
                                              (1, 3, "exchange_in"), (-1, 2, "exchange_out")):
                c.execute(text(insert), {"change": change, "resulting": resulting, "reason": reason})
        with pytest.raises(IntegrityError), db.engine.begin() as c:
            c.execute(text(insert), {"change": 1, "resulting": 3, "reason": "borrowed"})
        downgrade(revision="c2e4a6b8d0f3")
        assert reason_check()[0] == name and "exchange_out" not in reason_check()[1]
        with db.engine.connect() as c:
            rows = c.execute(text("SELECT change, reason FROM stock_movements ORDER BY id")).all()
        # Exchange rows become what they were booked as before; the ledger still adds up.
        assert [tuple(r) for r in rows] == [(3, "count_correction"), (-1, "sold"), (1, "sale_undone"), (-1, "sold")]
        assert sum(change for change, _ in rows) == 2
        downgrade(revision="base")
        db.engine.dispose()


def test_a_new_style_is_declared_with_the_brand_customs_code_and_origin(app, monkeypatch):
    from ally_web import policy

    monkeypatch.setattr(policy, "STYLE_HS_CODE", "6403.99")
    monkeypatch.setattr(policy, "STYLE_ORIGIN_COUNTRY", "IT")
    style = catalog.add_style(catalog.StyleInput(
        name="The Loafer", tagline="Flat out.", description="A loafer.", facts="", heel_height_mm=20,
        material="Leather", care_notes="", trial_eligible=False), 25000, ADMIN)
    assert (style.hs_code, style.origin_country) == ("6403.99", "IT")


SVG = b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><circle r='4'/></svg>"


def _media_files(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_a_refused_colour_leaves_no_picture_in_the_media_folder(client, auth, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    auth.login("admin")
    style = db.session.scalar(select(Style).where(Style.slug == "slingback"))
    taken = style.colours[0]
    refused = (
        {"name": "Gold", "hex": "gold"},  # the swatch
        {"name": "Gold", "hex": "#c9a227", "price": "0"},  # the price
        {"name": taken.slug, "hex": "#c9a227"},  # a colour of that name exists
    )
    for data in refused:
        response = client.post(f"/admin/catalog/styles/{style.id}/colours", content_type="multipart/form-data",
                               data={**data, "picture": (io.BytesIO(SVG), "g.svg")})
        assert response.status_code == 422, data
        assert _media_files(tmp_path) == [], data
    colour = taken
    response = client.post(f"/admin/catalog/colours/{colour.id}", content_type="multipart/form-data", data={
        "name": colour.name, "hex": "not a colour", "picture": (io.BytesIO(SVG), "new.svg")})
    assert response.status_code == 422 and 'id="hex-error"' in response.get_data(as_text=True)
    assert _media_files(tmp_path) == []
    response = client.post(f"/admin/catalog/colours/{colour.id}", content_type="multipart/form-data", data={
        "name": colour.name, "hex": colour.hex, "picture": (io.BytesIO(SVG), "new.svg")})
    assert response.status_code == 303  # a colour saved keeps its one new file
    db.session.expire_all()
    image = db.session.get(Colour, colour.id).image
    assert _media_files(tmp_path) == [image.removeprefix("media/")]


def test_a_colour_the_database_refuses_removes_the_picture_it_wrote(app, tmp_path, monkeypatch):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    style = db.session.scalar(select(Style).where(Style.slug == "slingback"))
    assert style.colours  # loaded now: the colour another admin adds next is not among them
    db.session.execute(insert(Colour).values(style_id=style.id, slug="gold", name="Gold", hex="#c9a227",
                                             image="x.svg", position=99, hidden=False))
    with pytest.raises(IntegrityError):
        catalog.add_colour(style, catalog.ColourInput(name="Gold", hex="#c9a227"), catalog.clean_picture(SVG), ADMIN)
    db.session.rollback()
    assert _media_files(tmp_path) == []


def test_a_price_change_made_by_another_process_shows_within_seconds(real_database_url, monkeypatch):
    """Two apps on one database stand for two processes: each keeps its own style
    list; a price changed through one shows on the other at its next version read."""
    from ally_web.models import cache_versions
    from tests.conftest import make_app, running_app

    # Each process counts the bumps it committed itself (seen at once); here both apps
    # share one Python process, so the staff app's count must not reach the shop's.
    monkeypatch.setattr(cache_versions, "_bumped_here", {})

    def shop_price() -> int:  # one shop request: its own session, as a server's
        try:
            return catalog.get_style("strap-heel").price_cents
        finally:
            db.session.remove()

    with running_app(SQLALCHEMY_DATABASE_URI=real_database_url, CATALOG_CACHE_SECONDS=60,
                     CATALOG_FRESH_SECONDS=3600) as shop:
        staff = make_app(SQLALCHEMY_DATABASE_URI=real_database_url)
        before = shop_price()  # the shop process caches its list
        with staff.app_context():
            style = db.session.scalar(select(Style).where(Style.slug == "strap-heel"))
            catalog.change_price(style, before + 2000, ADMIN)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        cache_versions._bumped_here.clear()  # as the shop process would count: nothing
        assert shop_price() == before  # not read again yet
        shop.config["CATALOG_FRESH_SECONDS"] = 0  # the next read is due (2 seconds later, in production)
        assert shop_price() == before + 2000


def test_colours_whose_skus_would_meet_or_overflow_get_their_own(client, auth, app, tmp_path, monkeypatch):
    """"The A" in "B Rose" and "The A B" in "Rose" would both make THE-A-B-ROSE-17M;
    very long names would overflow the column. Each colour still gets unique SKUs."""
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    auth.login("admin")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4" fill="#000"/></svg>'
    long_name = "The Extraordinarily Long Evening Slingback"

    def add(style_name: str, colour_name: str) -> Style:
        style = db.session.scalar(select(Style).where(Style.name == style_name))
        if style is None:
            assert client.post("/admin/catalog/styles", data={
                "name": style_name, "tagline": "t", "description": "d", "facts": "", "heel_height_mm": "70",
                "material": "Suede", "care_notes": "", "trial_eligible": "", "price": "275"}).status_code == 303
            style = db.session.scalar(select(Style).where(Style.name == style_name))
        response = client.post(f"/admin/catalog/styles/{style.id}/colours", content_type="multipart/form-data",
                               data={"name": colour_name, "hex": "#d8c8a8", "price": "",
                                     "picture": (io.BytesIO(svg), "x.svg")})
        assert response.status_code == 303, response.get_data(as_text=True)
        return style

    add("The A", "B Rose")
    add("The A B", "Rose")
    add(long_name, "Midnight Blue Patent Leather")
    add(long_name, "Midnight Blue Patent Leather Two")
    skus = list(db.session.scalars(select(Variant.sku).join(Colour).join(Style).where(
        Style.name.in_(["The A", "The A B", long_name]))))
    assert len(skus) == 4 * 45 == len(set(skus)) and all(len(sku) <= 40 for sku in skus)
    assert "THE-A-B-ROSE-17M" in skus  # the first keeps the plain form
    style = db.session.scalar(select(Style).where(Style.name == "The A B"))
    [rose] = style.colours
    prefixes = {v.sku.rsplit("-", 1)[0] for v in rose.variants}
    assert len(prefixes) == 1 and prefixes != {"THE-A-B-ROSE"}  # the second: one prefix, with its hash
