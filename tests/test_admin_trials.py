"""The staff trial pages, as plain forms (JavaScript off) and with htmx: the queue,
a box's page with its answers and stock, choosing pairs, the checklist, box ready,
shipping with its labels, a delivery scan opening the window, and cancelling."""

from __future__ import annotations

from datetime import datetime

import pytest

from ally_web.core import clock
from ally_web.extensions import db
from ally_web.models import TrialBox, TrialState
from ally_web.services import trial
from ally_web.services.pricing.calendar import store_tz
from tests.test_trial_curation import shelf
from tests.trial_flow import requested_box

SIZE = "17"  # US 8½


@pytest.fixture
def box(app):
    shelf("black", pairs=2)
    return requested_box()


def page(client, box) -> str:
    return client.get(f"/admin/trials/{box.id}").get_data(as_text=True)


def add(client, box, **typed):
    data = {"colour": "black", "size": SIZE, "width": "M", "condition": "new", **typed}
    return client.post(f"/admin/trials/{box.id}/pairs", data=data)


def tick_all(client, box):
    for pair in db.session.get(TrialBox, box.id).pairs:
        prefix = f"pair-{pair.id}-"
        response = client.post(f"/admin/trials/{box.id}/pairs/{pair.id}/checklist", data={
            f"{prefix}lining_cleaned": "y", f"{prefix}condition_photographed": "y",
            f"{prefix}sole_protectors_on": "y"})
        assert response.status_code == 303


def test_the_queue_needs_staff_and_lists_the_box(client, box, auth):
    assert client.get("/admin/trials").status_code in (302, 303)
    auth.login()
    listing = client.get("/admin/trials").get_data(as_text=True)
    assert f"#{box.order.number}" in listing and f"/admin/trials/{box.id}" in listing
    assert "8½ Medium" in listing and "Ship by" in listing
    assert ">Trials</a>" in client.get("/admin/").get_data(as_text=True)


def test_the_box_page_shows_answers_profile_stock_and_the_picker(client, box, auth):
    auth.login()
    html = page(client, box)
    assert "Wide across the front" in html and "1. Black Leather; 2. Almond" in html
    assert "ALLY size on file: <strong>not confirmed yet</strong>" in html
    assert "Black Leather: pairs on the shelf" in html
    assert 'id="pair-form"' in html and "Box ready" in html
    assert "{% block" not in html


def test_the_stock_grid_follows_the_colour_with_htmx_and_says_vary(client, box, auth, htmx_headers):
    auth.login()
    partial = client.get(f"/admin/trials/{box.id}?colour=almond", headers=htmx_headers)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "HX-Request" in partial.headers.get("Vary", "")
    assert "Almond: pairs on the shelf" in body and "<html" not in body and "Their answers" not in body
    full = client.get(f"/admin/trials/{box.id}?colour=almond")  # JS off: the whole page, that colour
    assert "<html" in full.get_data(as_text=True) and "Almond: pairs on the shelf" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers.get("Vary", "")


def test_choosing_pairs_with_plain_forms(client, box, auth):
    auth.login()
    assert add(client, box).status_code == 303
    assert add(client, box, colour="almond", condition="sample").status_code == 303
    html = page(client, box)
    assert "Black Leather, US 8½ Medium (new)" in html and "Almond, US 8½ Medium (sample)" in html
    assert "$206" in html and "Worth $590 at retail" in html
    assert 'id="pair-form"' not in html  # two pairs: the box is full


def test_a_refused_pair_comes_back_with_the_message_and_what_was_typed(client, box, auth):
    shelf("cherry", pairs=0)
    auth.login()
    response = add(client, box, colour="cherry", size="18", width="N")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "No new pair of Cherry Patent in US 9 Narrow is on the shelf" in html
    assert '<option selected value="cherry">' in html and '<option selected value="18">' in html
    missing = add(client, box, condition="")
    assert missing.status_code == 422 and "Please choose new or sample." in missing.get_data(as_text=True)
    assert db.session.get(TrialBox, box.id).pairs == []


def test_box_ready_waits_for_the_checklist_then_ships_with_both_labels(client, box, auth):
    auth.login()
    add(client, box)
    refused = client.post(f"/admin/trials/{box.id}/ready")
    assert refused.status_code == 422
    assert "The checklist is not done for Black Leather, US 8½ Medium (new)" in refused.get_data(as_text=True)
    tick_all(client, box)
    assert client.post(f"/admin/trials/{box.id}/ready").status_code == 303
    bad = client.post(f"/admin/trials/{box.id}/ship", data={"carrier": "UPS", "tracking_number": "1Z12"})
    bad_html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "That is not a UPS tracking number" in bad_html and 'value="1Z12"' in bad_html
    shipped = client.post(f"/admin/trials/{box.id}/ship",
                          data={"carrier": "UPS", "tracking_number": "1Z 999 AA1 0123 4567 84"})
    assert shipped.status_code == 303
    for path in ("label.pdf", "return-label.pdf"):
        pdf = client.get(f"/admin/trials/{box.id}/{path}")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "Prepaid return label, UPS 1Z" in page(client, box)


def test_a_delivery_scan_on_the_box_page_opens_the_window(client, box, auth):
    with clock.freeze(datetime(2026, 12, 7, 16, 0, tzinfo=store_tz())):  # a Monday
        auth.login()
        add(client, box)
        tick_all(client, box)
        client.post(f"/admin/trials/{box.id}/ready")
        client.post(f"/admin/trials/{box.id}/ship", data={"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
        shipment = trial.box_shipment(db.session.get(TrialBox, box.id))
        unknown = client.post(f"/admin/trials/{box.id}/scans", data={"shipment_id": "999999", "kind": "delivered"})
        assert unknown.status_code == 422 and "Please choose one of this box" in unknown.get_data(as_text=True)
        scanned = client.post(f"/admin/trials/{box.id}/scans",
                              data={"shipment_id": str(shipment.id), "kind": "delivered", "location": "Front door"})
        assert scanned.status_code == 303
        html = page(client, box)
    db.session.expire_all()
    assert db.session.get(TrialBox, box.id).state is TrialState.DELIVERED
    assert 'id="window-last-day">Monday, December 14, 2026' in html


def test_only_admins_cancel_and_the_hold_is_released(client, box, auth):
    auth.login()
    assert client.post(f"/admin/trials/{box.id}/cancel", data={"reason": "No stock"}).status_code == 403
    auth.logout()
    auth.login(role="admin")
    empty = client.post(f"/admin/trials/{box.id}/cancel", data={"reason": ""})
    assert empty.status_code == 422 and "Please say why" in empty.get_data(as_text=True)
    assert client.post(f"/admin/trials/{box.id}/cancel", data={"reason": "No stock"}).status_code == 303
    db.session.expire_all()
    box = db.session.get(TrialBox, box.id)
    assert box.state is TrialState.CANCELLED and box.hold_released_at is not None
    assert "Card hold released" in page(client, box)


def test_the_order_page_sends_staff_to_the_trial_page(client, box, auth):
    auth.login(role="admin")
    add(client, box)
    html = client.get(f"/admin/orders/{box.order_id}").get_data(as_text=True)
    assert 'id="fulfil-form"' not in html and 'id="cancel-form"' not in html
    assert f'href="/admin/trials/{box.id}">its trial page</a>' in html
    assert client.get("/admin/trials/999999").status_code == 404
