"""Hostile input: every form field and URL parameter gets strange values. The store
must answer 4xx (or a normal page), never 5xx, and never echo markup unescaped."""

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

MARKER = "<x-hostile>"

nasty_samples = st.sampled_from([
    "", " ", "0", "-1", "1e309", "NaN", "99999999999999999999999999", "1.5", "٣", "８",
    "' OR 1=1 --", '"; DROP TABLE variants; --', MARKER, f"{MARKER}<script>alert(1)</script>",
    "\x00", "\x1b[31m", "\u202e", "🥿" * 50, "a" * 5000, "%00", "../../etc/passwd", "{{7*7}}",
])
nasty_text = st.one_of(nasty_samples, st.text(max_size=300), st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
maybe = st.one_of(st.none(), nasty_text)


def check(response):
    assert response.status_code < 500, response.status_code
    body = response.get_data(as_text=True)
    assert MARKER not in body, "hostile markup echoed unescaped"


def form(**fields):
    return {k: v for k, v in fields.items() if v is not None}


@given(colour=maybe, size=maybe, width=maybe)
def test_product_page_parameters(client, colour, size, width):
    params = form(colour=colour, size=size, width=width)
    check(client.get("/products/classic-pump", query_string=params))
    check(client.get("/products/classic-pump", query_string=params, headers={"HX-Request": "true"}))


@given(slug=nasty_text)
def test_product_slug(client, slug):
    check(client.get("/products/" + slug.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")))


@given(variant_id=maybe, quantity=maybe, style=maybe, colour=maybe, size=maybe, width=maybe)
def test_cart_add_form(client, variant_id, quantity, style, colour, size, width):
    data = form(variant_id=variant_id, quantity=quantity, style=style, colour=colour, size=size, width=width)
    check(client.post("/cart/add", data=data))
    check(client.post("/cart/add", data=data, headers={"HX-Request": "true"}))


@given(line=st.one_of(nasty_text, st.integers()), quantity=maybe)
def test_cart_line_forms(client, line, quantity):
    path = str(line).replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    check(client.post(f"/cart/lines/{path}", data=form(quantity=quantity)))
    check(client.post(f"/cart/lines/{path}/remove"))


@given(email=maybe, password=maybe, next_url=maybe)
def test_sign_in_form(client, email, password, next_url):
    query = form(next=next_url)
    check(client.post("/staff/sign-in", query_string=query, data=form(email=email, password=password)))


@given(cookie_cart=st.one_of(st.dictionaries(nasty_text, st.lists(st.one_of(st.integers(), nasty_text), max_size=3), max_size=4), nasty_text, st.integers()))
def test_a_tampered_cart_in_the_session_is_survived(app, client, cookie_cart):
    with client.session_transaction() as session:
        session["cart"] = cookie_cart
    check(client.get("/cart"))
    check(client.get("/"))


CHECKOUT_FIELDS = ("email", "name", "phone", "line1", "line2", "city", "region", "postal_code", "country",
                   "shipping_method", "payment_mode", "confirms_age", "confirms_us_residence", "action")


@given(values=st.lists(maybe, min_size=len(CHECKOUT_FIELDS), max_size=len(CHECKOUT_FIELDS)))
def test_checkout_forms(client, values):
    client.post("/cart/add", data={"variant_id": "1", "quantity": "1"})
    data = form(**dict(zip(CHECKOUT_FIELDS, values, strict=True)))
    check(client.post("/checkout", data=data))
    check(client.post("/checkout/summary", data=data, headers={"HX-Request": "true"}))


@given(email=maybe, number=maybe)
def test_order_lookup_form(client, email, number):
    check(client.post("/pages/order-lookup", data=form(email=email, number=number)))


@given(link=nasty_text, session=maybe)
def test_order_links_and_payment_returns(client, link, session):
    path = link.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    check(client.get(f"/orders/{path}"))
    check(client.get("/checkout/return", query_string=form(session=session)))
    check(client.get(f"/sandbox-pay/{path}"))


@given(body=st.one_of(st.binary(max_size=300), nasty_text.map(str.encode)), signature=maybe)
def test_webhooks(client, body, signature):
    # A header cannot carry a line break (HTTP forbids it; the test client refuses it).
    signature = "".join(ch for ch in (signature or "") if ch not in "\r\n")
    headers = {"Sandbox-Signature": signature, "X-Tracking-Signature": signature}
    check(client.post("/webhooks/payments", data=body, headers=headers))
    check(client.post("/webhooks/tracking", data=body, headers=headers))


@given(carrier=maybe, number=maybe, kind=maybe, location=maybe, reason=maybe, q=maybe, status=maybe, page=maybe)
def test_staff_forms(app, auth, carrier, number, kind, location, reason, q, status, page):
    from tests.factories import make_order

    client = app.test_client()
    # The app outlives examples: a new admin each time.
    staff = auth.login(role="admin", email=f"admin-{uuid.uuid4().hex}@example.com", client=client)
    order = make_order(email=f"o{staff.id}@example.com")
    check(client.get("/admin/orders", query_string=form(q=q, status=status, page=page)))
    check(client.get("/admin/outbox", query_string=form(page=page)))
    check(client.post(f"/admin/orders/{order.id}/fulfil", data=form(carrier=carrier, tracking_number=number)))
    check(client.post(f"/admin/orders/{order.id}/scans", data=form(shipment_id=number, kind=kind, location=location)))
    check(client.post(f"/admin/orders/{order.id}/cancel", data=form(reason=reason)))
    check(client.post("/admin/staff", data=form(name=q, email=location, role=kind, password=reason)))


@settings(max_examples=20)  # eleven requests an example: fewer examples keep it quick
@given(reason=maybe, pairs=maybe, note=maybe, counted=maybe, seen=maybe, price=maybe, name=maybe, hexv=maybe,
       height=maybe, page=maybe, plan=maybe, body=nasty_text)
def test_catalog_forms(app, auth, reason, pairs, note, counted, seen, price, name, hexv, height, page, plan, body):
    import io

    from sqlalchemy import select

    from ally_web.extensions import db
    from ally_web.models import Colour, Variant

    client = app.test_client()
    auth.login(role="admin", email=f"admin-{uuid.uuid4().hex}@example.com", client=client)
    variant = db.session.scalar(select(Variant).order_by(Variant.id))
    colour = db.session.scalar(select(Colour).order_by(Colour.id))
    check(client.get(f"/admin/catalog/variants/{variant.id}", query_string=form(page=page)))
    check(client.get("/admin/audit", query_string=form(page=page)))
    check(client.post(f"/admin/catalog/variants/{variant.id}/move", data=form(reason=reason, pairs=pairs, note=note)))
    check(client.post(f"/admin/catalog/variants/{variant.id}/count", data=form(counted=counted, seen=seen, count_note=note)))
    check(client.post(f"/admin/catalog/styles/{colour.style_id}/price", data=form(price=price)))
    check(client.post(f"/admin/catalog/styles/{colour.style_id}/visibility", data=form(hidden=reason)))
    check(client.post(f"/admin/catalog/styles/{colour.style_id}", data=form(
        name=name, tagline=note, description=note, heel_height_mm=height, material=name, price=price)))
    check(client.post(f"/admin/catalog/colours/{colour.id}", data=form(name=name, hex=hexv, price=price)))
    check(client.post(f"/admin/catalog/colours/{colour.id}/sizes", data=form(offered=reason)))
    check(client.post("/admin/catalog/counts/preview", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(body.encode("utf-8", "surrogatepass")), "count.csv")}))
    check(client.post("/admin/catalog/counts/apply", data=form(plan=plan, file_name=name)))
