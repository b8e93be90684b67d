"""The staff side of a trial's end, as plain forms: the window and the customer's
choice on the box's page, the return parcel received, each pair inspected (accepted,
or the damage fee with its reason and photos, which the customer sees on the trial
page), and declined charges tried again."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CUSTOMER
from ally_web.core.formatting import money
from ally_web.extensions import db
from ally_web.models import AuditEntry, OutboxMessage, TrialBox, TrialChargeKind, TrialChargeState, TrialDecision
from ally_web.services import trial
from ally_web.services.orders import links
from tests.test_returns import photo
from tests.trial_flow import delivered_box

DECLINES_LATER = "4000000000000341"  # saves and holds, declines off-session charges


def decided(card: str | None = None) -> TrialBox:
    """A delivered box whose customer keeps the first pair and sends the second back."""
    box = delivered_box(card=card) if card else delivered_box()
    first, second = box.current_pairs
    trial.decide(box, {first.id: "keep", second.id: "return"}, CUSTOMER)
    db.session.commit()
    return box


@pytest.fixture(autouse=True)
def media_in_tmp(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))


def a_photo(name="heel.jpg", data=None):
    return (io.BytesIO(data if data is not None else photo()), name)


@pytest.fixture
def box(app, auth):
    auth.login()
    return decided()


def test_the_box_page_shows_the_choice_and_the_queue_lists_the_pair_coming_back(client, box):
    html = client.get(f"/admin/trials/{box.id}").get_data(as_text=True)
    kept, back = box.current_pairs
    assert "The customer's choice" in html
    assert f"{trial.pair_label(kept)}: kept, {money(kept.keep_cents)}" in html
    assert "on its way back" in html and "The return parcel is here" in html
    listing = client.get("/admin/trials").get_data(as_text=True)
    assert "Pairs coming back (1)" in listing and f"#{box.order.number}</a>, {box.name}: 1 pair on the way back" in listing


def test_receiving_then_inspecting_needs_a_verdict_for_each_pair_and_a_reason_for_a_fee(client, box):
    back = box.current_pairs[1]
    assert client.post(f"/admin/trials/{box.id}/received").status_code == 303
    assert db.session.get(TrialBox, box.id).pairs[1].received_at is not None
    again = client.post(f"/admin/trials/{box.id}/received")
    assert again.status_code == 422 and "No pairs of this box are on their way back" in again.get_data(as_text=True)

    nothing = client.post(f"/admin/trials/{box.id}/inspect", data={})
    assert nothing.status_code == 422
    assert "Please accept each pair or charge the damage fee." in nothing.get_data(as_text=True)

    no_reason = client.post(f"/admin/trials/{box.id}/inspect", data={f"verdict-{back.id}": "damage",
                                                                      f"note-{back.id}": "   "})
    html = no_reason.get_data(as_text=True)
    assert no_reason.status_code == 422 and "Please say what is damaged" in html
    assert 'value="damage" checked' in html  # what was chosen is kept

    no_photo = client.post(f"/admin/trials/{box.id}/inspect", data={f"verdict-{back.id}": "damage",
                                                                    f"note-{back.id}": "Scuffed heel tip"})
    html = no_photo.get_data(as_text=True)
    assert no_photo.status_code == 422 and f'id="photos-{back.id}-error"' in html and "photos of the damage" in html
    assert "Scuffed heel tip" in html  # the note typed is kept
    not_a_photo = client.post(f"/admin/trials/{box.id}/inspect", data={
        f"verdict-{back.id}": "damage", f"note-{back.id}": "Scuffed heel tip",
        f"photos-{back.id}": [a_photo("notes.jpg", b"these are words, not a picture")]})
    assert not_a_photo.status_code == 422 and "“notes.jpg” is not a photo we can open" in not_a_photo.get_data(
        as_text=True)
    assert db.session.get(TrialBox, box.id).pairs[1].accepted is None  # nothing was kept

    done = client.post(f"/admin/trials/{box.id}/inspect", data={
        f"verdict-{back.id}": "damage", f"note-{back.id}": "Scuffed heel tip",
        f"photos-{back.id}": [a_photo("heel.jpg"), a_photo("sole.png", photo("blue", kind="PNG"))]})
    assert done.status_code == 303
    db.session.expire_all()
    box = db.session.get(TrialBox, box.id)
    pair = box.pairs[1]
    assert pair.decision is TrialDecision.RETURN and pair.accepted is False and pair.inspection_note == "Scuffed heel tip"
    [fee] = [c for c in box.charges if c.kind is TrialChargeKind.DAMAGE]
    assert fee.amount_cents == policy.TRIAL_DAMAGE_FEE_CENTS and fee.reason == "Scuffed heel tip"
    assert [p.name.rsplit(".", 1)[1] for p in pair.photos] == ["jpg", "png"]
    html = client.get(f"/admin/trials/{box.id}").get_data(as_text=True)
    assert "damage fee: Scuffed heel tip" in html and "Charges" in html
    assert f'/admin/trials/{box.id}/photos/{pair.photos[0].id}"' in html
    assert "Pairs coming back (0)" in client.get("/admin/trials").get_data(as_text=True)


def test_the_customer_charged_a_damage_fee_sees_the_photos_and_nobody_else_does(client, box, auth):
    back = box.current_pairs[1]
    client.post(f"/admin/trials/{box.id}/received")
    client.post(f"/admin/trials/{box.id}/inspect", data={
        f"verdict-{back.id}": "damage", f"note-{back.id}": "A deep scratch on the left heel",
        f"photos-{back.id}": [a_photo()]})
    db.session.expire_all()
    box = db.session.get(TrialBox, box.id)
    [shot] = box.pairs[1].photos
    staff_view = client.get(f"/admin/trials/{box.id}/photos/{shot.id}")
    assert staff_view.status_code == 200 and staff_view.mimetype == "image/jpeg"
    email = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "trial_inspected")).one()
    assert "A deep scratch on the left heel" in email.text_body
    assert "Our photos of the damage are on your trial page" in email.text_body

    auth.logout()
    assert client.get(f"/admin/trials/{box.id}/photos/{shot.id}").status_code in (302, 303)
    link = links.make_link(box.order)
    page = client.get(f"/trial/box/{link}").get_data(as_text=True)
    assert "The damage we found" in page and "A deep scratch on the left heel" in page
    assert f"/trial/box/{link}/photos/{shot.id}" in page
    mine = client.get(f"/trial/box/{link}/photos/{shot.id}")
    assert mine.status_code == 200 and mine.mimetype == "image/jpeg" and "no-store" in mine.headers["Cache-Control"]
    other = delivered_box()
    other_link = links.make_link(other.order)
    assert client.get(f"/trial/box/{other_link}/photos/{shot.id}").status_code == 404  # not this box's photo
    assert client.get(f"/trial/box/not-a-link/photos/{shot.id}").status_code in (302, 303, 404)


def test_an_accepted_pair_closes_the_returns(client, box):
    back = box.current_pairs[1]
    client.post(f"/admin/trials/{box.id}/received")
    response = client.post(f"/admin/trials/{box.id}/inspect", data={f"verdict-{back.id}": "accept"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(TrialBox, box.id).pairs[1].accepted is True


def test_a_declined_charge_left_to_staff_is_tried_again_once(client, app, auth):
    auth.login()
    box = decided(card=DECLINES_LATER)
    now = clock.now()
    for hours in (0, 24, 72):  # the first attempt and both retries are declined
        trial.charge_due(now + timedelta(hours=hours))
    [charge] = box.charges
    assert charge.state is TrialChargeState.FAILED and charge.next_attempt_at is None

    listing = client.get("/admin/trials").get_data(as_text=True)
    assert "Declined charges (1)" in listing and "Waiting for staff" in listing and box.email in listing

    response = client.post(f"/admin/trials/charges/{charge.id}/retry")
    assert response.status_code == 303
    db.session.expire_all()
    charge = db.session.get(type(charge), charge.id)
    assert charge.next_attempt_at is not None and charge.next_attempt_at <= clock.now()
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "trial.charge_retry"))
    assert audit is not None and audit.details["charge_id"] == charge.id

    trial.charge_due(clock.now())  # the next jobs run tries it (declined again: the card still refuses)
    assert charge.attempts == 4 and charge.state is TrialChargeState.FAILED

    # A charge that is not declined any more cannot be tried "again".
    charge.state = TrialChargeState.PAID
    db.session.commit()
    refused = client.post(f"/admin/trials/charges/{charge.id}/retry")
    assert refused.status_code == 422 and "no longer declined" in refused.get_data(as_text=True)
    assert client.post("/admin/trials/charges/999999/retry").status_code == 404
