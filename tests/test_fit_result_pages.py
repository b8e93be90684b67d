"""/fit-result and the staff made-to-order pages, through the Flask client: full
pages and htmx fragments, bad input kept and explained, links that expire."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app

from ally_web.core import clock
from ally_web.core.actors import CUSTOMER
from ally_web.extensions import db
from ally_web.models import LeadTimeNotice, MadeToOrderState, OrderLine
from ally_web.services import made_to_order as mto
from ally_web.services.orders import links
from tests.test_made_to_order import FITS, answers, fitting_order, ship_fitting
from tests.test_order_lookup import answer_without_token


def link_for(order) -> str:
    with current_app.test_request_context():
        return links.make_link(order)


def fit_form(line, **overrides) -> dict[str, str]:
    data = {f"p{line.id}-{foot}_{key}": value for foot in ("left", "right") for key, value in FITS.items()}
    return {**data, **{f"p{line.id}-{key}": value for key, value in overrides.items()}}


@pytest.fixture
def shipped(app):
    order, line = fitting_order()
    ship_fitting(line)
    db.session.commit()
    return order, line, link_for(order)


def test_the_faq_address_asks_for_the_order_and_the_lookup_leads_to_the_form(client, shipped):
    order, line, _ = shipped
    page = client.get("/fit-result")
    assert page.status_code == 200 and "Confirm your fit" in page.get_data(as_text=True)
    found = client.post("/pages/order-lookup", data={"email": order.email, "number": order.number,
                                                     "then": "fit-result"})
    assert found.status_code == 303 and found.headers["Location"].startswith("/fit-result/")
    form = client.get(found.headers["Location"]).get_data(as_text=True)
    assert "How does your fitting pair fit?" in form and f'name="p{line.id}-left_toes"' in form


def test_a_wrong_email_or_number_answers_the_same_on_the_fit_lookup(client, shipped):
    order, _, _ = shipped
    wrong_email = client.post("/pages/order-lookup", data={"email": "x@example.com", "number": order.number,
                                                           "then": "fit-result"})
    wrong_number = client.post("/pages/order-lookup", data={"email": order.email, "number": "ZZZZ-ZZZZ",
                                                            "then": "fit-result"})
    assert wrong_email.status_code == wrong_number.status_code == 422
    assert answer_without_token(wrong_email) == answer_without_token(wrong_number)
    assert 'name="then" type="hidden" value="fit-result"' in wrong_email.get_data(as_text=True)


@pytest.mark.parametrize("bad", ["not-a-link", "x" * 400])
def test_a_bad_link_asks_for_the_order_again(client, shipped, bad):
    response = client.get(f"/fit-result/{bad}")
    assert response.status_code == 303 and response.headers["Location"] == "/fit-result"


def test_an_expired_link_asks_for_the_order_again(client, shipped):
    _, _, link = shipped
    with clock.freeze(clock.now() + timedelta(days=current_app.config["ORDER_LINK_EMAIL_DAYS"] + 1)):
        response = client.get(f"/fit-result/{link}", follow_redirects=True)
    assert "That link has expired" in response.get_data(as_text=True)


def test_another_orders_pair_or_a_huge_id_is_not_found(client, shipped):
    _, line, link = shipped
    other, other_line = fitting_order(email="other@example.com")
    assert client.post(f"/fit-result/{link}/{other_line.id}", data=fit_form(line)).status_code == 404
    assert client.post(f"/fit-result/{link}/99999999999999999999", data=fit_form(line)).status_code == 404


def test_incomplete_answers_come_back_marked_with_what_was_chosen(client, shipped):
    _, line, link = shipped
    data = {f"p{line.id}-left_toes": "pressed", f"p{line.id}-card_size": "size nine", f"p{line.id}-chosen_reason": "kept"}
    response = client.post(f"/fit-result/{link}/{line.id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'checked id="p{line.id}-left_toes-0"' in page  # "pressed", still chosen
    assert f'id="p{line.id}-left_heel_gap-error"' in page and "Please choose one." in page
    assert "Enter the size the card shows" in page and "kept</textarea>" in page
    assert db.session.get(OrderLine, line.id).mto_state is MadeToOrderState.FITTING_PAIR_SHIPPED


def test_without_javascript_a_button_shows_the_suggestion_and_sends_nothing(client, shipped):
    _, line, link = shipped
    data = fit_form(line, left_toes="pressed", action="suggest")
    data["action"] = "suggest"
    response = client.post(f"/fit-result/{link}/{line.id}", data=data)
    assert response.status_code == 200
    assert "half a size up" in response.get_data(as_text=True)
    assert db.session.get(OrderLine, line.id).fit_result is None


def test_with_htmx_the_suggestion_box_alone_comes_back(client, shipped, htmx_headers):
    _, line, link = shipped
    response = client.post(f"/fit-result/{link}/{line.id}/suggestion",
                           data={f"p{line.id}-left_heel_gap": "large", f"p{line.id}-right_heel_gap": "large"},
                           headers=htmx_headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(f'<div id="suggestion-{line.id}"')
    assert "half a size down" in body and "so far" in body  # partial answers: a provisional suggestion
    assert "HX-Request" in response.headers["Vary"]
    plain = client.post(f"/fit-result/{link}/{line.id}/suggestion", data={})
    assert plain.status_code == 303


def test_sending_then_changing_the_fit_result(client, shipped):
    order, line, link = shipped
    sent = client.post(f"/fit-result/{link}/{line.id}", data=fit_form(line))
    assert sent.status_code == 303
    again = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "You sent your answers" in again and "Update my fit result" in again
    assert f'checked id="p{line.id}-right_comfort-0"' in again  # what was sent, shown again
    other = client.post(f"/fit-result/{link}/{line.id}", data=fit_form(line, chosen_size="11"))
    assert other.status_code == 422 and "please tell us why" in other.get_data(as_text=True)
    changed = client.post(f"/fit-result/{link}/{line.id}",
                          data=fit_form(line, chosen_size="11", chosen_reason="Boots are 11."))
    assert changed.status_code == 303
    assert db.session.get(OrderLine, line.id).fit_result.chosen_size_halves == 22


def test_after_staff_confirm_the_page_shows_the_size_and_refuses_changes(client, shipped):
    order, line, link = shipped
    mto.submit_fit_result(line, answers(), CUSTOMER)
    with current_app.test_request_context():
        mto.confirm_fit(line, line.size_halves, line.width, "", mto_staff())
    db.session.commit()
    page = client.get(f"/fit-result/{link}").get_data(as_text=True)
    assert "Confirmed" in page and "size is now on file" in page and "Send my fit result" not in page
    refused = client.post(f"/fit-result/{link}/{line.id}", data=fit_form(line))
    assert refused.status_code == 422 and "already confirmed" in refused.get_data(as_text=True)


def mto_staff():
    from ally_web.core.actors import Actor

    return Actor.staff(None, "Sam Rivera")


def test_the_status_page_links_to_the_form_and_the_lost_return_label_downloads(client, shipped):
    order, line, link = shipped
    status = client.get(f"/orders/{link}").get_data(as_text=True)
    assert "Status: Fitting first" in status and f'href="/fit-result/{link}"' in status
    assert "Being made" not in status
    label = client.get(f"/fit-result/{link}/{line.id}/return-label.pdf")
    assert label.status_code == 200 and label.data.startswith(b"%PDF")


def test_the_email_link_opens_the_form(client, shipped):
    from sqlalchemy import select

    from ally_web.models import OutboxMessage

    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "fitting_pair_shipped"))
    url = next(word for word in message.text_body.split() if "/fit-result/" in word)
    page = client.get(url[url.index("/fit-result/"):])
    assert page.status_code == 200 and "How does your fitting pair fit?" in page.get_data(as_text=True)


# --- Staff pages --------------------------------------------------------------------------------


def test_staff_send_the_fitting_pair_with_typing_kept_on_a_bad_number(client, auth, app):
    _, line = fitting_order()
    auth.login()
    board = client.get("/admin/made-to-order").get_data(as_text=True)
    assert f"/admin/made-to-order/{line.id}" in board and "Fitting pairs to send (1)" in board
    bad = client.post(f"/admin/made-to-order/{line.id}/fitting-pair",
                      data={"carrier": "UPS", "tracking_number": "1Z999AA10000000301", "return_tracking_number": "12"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "not a UPS tracking number" in page and 'value="1Z999AA10000000301"' in page
    same = client.post(f"/admin/made-to-order/{line.id}/fitting-pair",
                       data={"carrier": "UPS", "tracking_number": "1Z999AA10000000301",
                             "return_tracking_number": "1Z 999 AA1 0000 000301"})
    assert same.status_code == 422 and "number of its own" in same.get_data(as_text=True)
    sent = client.post(f"/admin/made-to-order/{line.id}/fitting-pair",
                       data={"carrier": "UPS", "tracking_number": "1Z999AA10000000301",
                             "return_tracking_number": "1Z999AA10000000302"})
    assert sent.status_code == 303
    for which in ("fitting-label.pdf", "return-label.pdf"):
        assert client.get(f"/admin/made-to-order/{line.id}/{which}").data.startswith(b"%PDF")


def test_staff_confirm_with_htmx_and_mark_made(client, auth, app, htmx_headers):
    order, line = fitting_order()
    ship_fitting(line)
    mto.submit_fit_result(line, answers(left={"toes": "pressed"}), CUSTOMER)
    db.session.commit()
    auth.login()
    page = client.get(f"/admin/made-to-order/{line.id}").get_data(as_text=True)
    assert "Pressed against the front" in page and "half a size up" in page
    assert f'<option selected value="{line.size_halves + 1}">' in page  # the customer's choice, ready
    wrong = client.post(f"/admin/made-to-order/{line.id}/confirm-fit", data={"size": "abc", "width": "M"})
    assert wrong.status_code == 422 and "Please choose a size" in wrong.get_data(as_text=True)
    done = client.post(f"/admin/made-to-order/{line.id}/confirm-fit", headers=htmx_headers,
                       data={"size": str(line.size_halves + 1), "width": line.width, "note": "Checked."})
    assert done.status_code == 204 and done.headers["HX-Redirect"] == f"/admin/made-to-order/{line.id}"
    assert db.session.get(OrderLine, line.id).mto_state is MadeToOrderState.IN_PRODUCTION
    board = client.get("/admin/made-to-order").get_data(as_text=True)
    assert "Production board (1)" in board
    assert "1 in the workshop" in client.get("/admin/").get_data(as_text=True)
    made = client.post(f"/admin/made-to-order/{line.id}/made")
    assert made.status_code == 303 and made.headers["Location"] == f"/admin/orders/{order.id}"
    again = client.post(f"/admin/made-to-order/{line.id}/made")
    assert again.status_code == 422
    order_page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Ship the pairs that are ready" in order_page and "Made, being packed" in order_page


def test_an_in_stock_line_has_no_made_to_order_page(client, auth, app):
    from tests.factories import make_order

    order = make_order()
    auth.login()
    assert client.get(f"/admin/made-to-order/{order.lines[0].id}").status_code == 404


def test_only_admins_edit_notices_and_bad_input_is_kept(client, auth, app):
    auth.login()
    assert client.get("/admin/notices").status_code == 403
    auth.logout()
    auth.login("admin")
    bad = client.post("/admin/notices", data={"title": "Lunar break", "message": "", "extra_days": "ten",
                                              "starts_on": "2027-02-01", "ends_on": "2027-01-01"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="Lunar break"' in page
    made = client.post("/admin/notices", data={"title": "Summer break", "message": "The workshop rests.",
                                               "extra_days": "5", "starts_on": "2027-06-10", "ends_on": "2027-06-20"})
    assert made.status_code == 303
    notice = db.session.query(LeadTimeNotice).filter_by(title="Summer break").one()
    assert notice.ends_on == date(2027, 6, 20)
    assert "Summer break" in client.get(f"/admin/notices/{notice.id}").get_data(as_text=True)
    assert client.get("/admin/notices/99999999999999999999").status_code == 404
    edited = client.post(f"/admin/notices/{notice.id}", data={"title": "Summer break", "message": "Rest.",
                                                              "extra_days": "6", "starts_on": "2027-06-10",
                                                              "ends_on": "2027-06-20"})
    assert edited.status_code == 303 and db.session.get(LeadTimeNotice, notice.id).extra_days == 6
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "notice.created" in audit and "notice.changed" in audit


def test_the_tracking_webhook_moves_the_fitting_pair_and_its_way_back(client, app, shipped):
    from tests.test_order_lookup import post_scan

    order, line, link = shipped
    now = clock.now()
    assert post_scan(client, app, "in_transit", "fp-1", now, number="1Z999AA10000000101").get_json()["moved"]
    assert post_scan(client, app, "delivered", "fp-2", now, number="1Z999AA10000000101").get_json()["moved"]
    db.session.expire_all()
    line = db.session.get(OrderLine, line.id)
    assert line.mto_state is MadeToOrderState.FITTING_PAIR_DELIVERED
    status = client.get(f"/orders/{link}").get_data(as_text=True)
    assert "Fitting pair (UPS): Delivered" in status and "Waiting for your fit result" in status
    assert post_scan(client, app, "in_transit", "fp-3", now, number="1Z999AA10000000102").get_json()["moved"]
    assert "Fitting pair&#39;s return (UPS): In transit" in client.get(f"/orders/{link}").get_data(as_text=True)
    assert post_scan(client, app, "delivered", "fp-4", now, number="1Z999AA10000000102").get_json()["moved"]
    db.session.expire_all()
    kinds = [str(e.kind) for e in db.session.get(OrderLine, line.id).order.events]
    assert "fitting_pair_returned" in kinds
    assert "back at our studio" in client.get(f"/fit-result/{link}").get_data(as_text=True)


def test_a_cancelled_order_has_no_fit_to_send(client, app, shipped):
    from ally_web.core.actors import Actor
    from ally_web.services import orders as order_service

    order, line, link = shipped
    with app.test_request_context():
        order_service.cancel_order(order, Actor.staff(None, "Alex Admin"), "Customer changed their mind.")
    db.session.commit()
    assert "This order was cancelled" in client.get(f"/fit-result/{link}").get_data(as_text=True)
    refused = client.post(f"/fit-result/{link}/{line.id}", data=fit_form(line))
    assert refused.status_code == 422 and "cancelled" in refused.get_data(as_text=True)
    assert mto.awaiting_fitting_pairs() == [] and mto.fit_queue() == []


def test_the_whole_path_through_the_pages_to_the_custom_pair_delivered(client, auth, app):
    """Staff send the fitting pair, the customer answers at /fit-result from the
    email's link, staff confirm and mark the pair made, then ship and deliver it from
    the order page; the status page follows each step, and a step out of turn is
    refused beside what it concerns."""
    from sqlalchemy import select

    from ally_web.models import OutboxMessage, Shipment

    def email_link(kind: str, path: str) -> str:
        body = db.session.scalars(select(OutboxMessage.text_body).where(OutboxMessage.kind == kind)).one()
        url = next(word for word in body.split() if path in word)
        return url[url.index(path):]

    def status_heading(link: str) -> str:
        page = client.get(link).get_data(as_text=True)
        return page[page.index('id="status-title">') + len('id="status-title">'):].split("<", 1)[0]

    order, line = fitting_order()
    auth.login()
    sent = client.post(f"/admin/made-to-order/{line.id}/fitting-pair",
                       data={"carrier": "UPS", "tracking_number": "1Z999AA10000000401",
                             "return_tracking_number": "1Z999AA10000000402"})
    assert sent.status_code == 303
    status_link = email_link("fitting_pair_shipped", "/orders/")
    assert status_heading(status_link) == "Status: Fitting first"
    early = client.post(f"/admin/orders/{order.id}/fulfil", data={"carrier": "FedEx", "tracking_number": "123456789012"})
    assert early.status_code == 422  # nothing ready: the pair is not made yet

    fit_page = email_link("fitting_pair_shipped", "/fit-result/")
    answered = client.post(f"{fit_page}/{line.id}", data=fit_form(line))
    assert answered.status_code == 303
    too_soon = client.post(f"/admin/made-to-order/{line.id}/made")
    assert too_soon.status_code == 422 and db.session.get(OrderLine, line.id).mto_state is MadeToOrderState.FIT_SUBMITTED
    confirmed = client.post(f"/admin/made-to-order/{line.id}/confirm-fit",
                            data={"size": str(line.size_halves), "width": line.width, "note": ""})
    assert confirmed.status_code == 303
    assert status_heading(status_link) == "Status: Being made for you"
    assert client.post(f"/admin/made-to-order/{line.id}/made").status_code == 303

    shipped = client.post(f"/admin/orders/{order.id}/fulfil",
                          data={"carrier": "FedEx", "tracking_number": "1234 5678 9012"})
    assert shipped.status_code == 303
    parcel = db.session.scalars(select(Shipment).where(Shipment.order_id == order.id,
                                                       Shipment.tracking_number == "123456789012")).one()
    db.session.expire_all()
    assert db.session.get(OrderLine, line.id).mto_state is MadeToOrderState.SHIPPED
    assert "custom pair is finished" in db.session.scalars(
        select(OutboxMessage.text_body).where(OutboxMessage.kind == "order_shipped")).one()
    assert status_heading(status_link) == "Status: On its way"
    assert client.post(f"/admin/orders/{order.id}/fulfil",
                       data={"carrier": "FedEx", "tracking_number": "123456789029"}).status_code == 422  # not twice

    delivered = client.post(f"/admin/orders/{order.id}/shipments/{parcel.id}/delivered")
    assert delivered.status_code == 303
    db.session.expire_all()
    assert db.session.get(OrderLine, line.id).mto_state is MadeToOrderState.DELIVERED
    assert status_heading(status_link) == "Status: Delivered"
    timeline = client.get(status_link).get_data(as_text=True)
    timeline = timeline[timeline.index('class="timeline"'):]
    steps = ["Fitting pair shipped", "Fitting pair delivered", "Fit submitted", "Fit confirmed", "In production",
             "Pair made", "Shipped", "Delivered"]
    positions = [timeline.rfind(f"</span> {step}") for step in steps]  # the last: the fitting pair has its own "Delivered"
    assert -1 not in positions and positions == sorted(positions), dict(zip(steps, positions, strict=True))
    assert len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_delivered")).all()) == 1


def test_answers_sent_again_from_the_page_keep_the_earlier_ones_for_the_stylist(client, auth, shipped):
    order, line, link = shipped
    first = client.post(f"/fit-result/{link}/{line.id}", data=fit_form(line, **{"left_toes": "pressed"}))
    assert first.status_code == 303
    again = client.post(f"/fit-result/{link}/{line.id}", data=fit_form(line))
    assert again.status_code == 303
    result = db.session.get(OrderLine, line.id).fit_result
    assert result.answers["left"]["toes"] == "snug" and len(result.earlier) == 1
    assert result.earlier[0].answers["left"]["toes"] == "pressed"
    auth.login()
    page = client.get(f"/admin/made-to-order/{line.id}").get_data(as_text=True)
    assert "Earlier answers (1)" in page
    assert "Left foot, where do your toes sit when you stand? Pressed against the front." in page
