"""/trial: the questionnaire as plain forms (POST → 303, or 422 with the messages and
what was typed), its live checks with htmx, the card on the provider's page, and the
answers kept for the same browser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ally_web import policy
from ally_web.extensions import db
from ally_web.models import Order, OrderKind, TrialBox, TrialState
from tests.checkout_flow import pay_on_sandbox
from tests.trial_flow import BROOKLYN, COLOURS, FIT

PREPAID_CARD = "5105105105105100"


def answer(client, step: str, answers: dict):
    return client.post(f"/trial/step/{step}", data=answers)


def through_address(client, **address):
    assert answer(client, "fit", FIT).headers["Location"].endswith("/trial/step/colours")
    assert answer(client, "colours", COLOURS).headers["Location"].endswith("/trial/step/address")
    done = answer(client, "address", {**BROOKLYN, **address})
    assert done.status_code == 303, done.get_data(as_text=True)
    assert done.headers["Location"].endswith("/trial/step/card")


def test_the_badge_and_the_questionnaire_meet(client):
    page = client.get("/trial")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Try at home" in html and 'aria-current="step"' in html
    assert 'name="size"' in html and 'name="heel_comfort"' in html


def test_a_shopper_goes_from_the_questionnaire_to_a_requested_box(client):
    through_address(client)
    card_page = client.get("/trial/step/card").get_data(as_text=True)
    assert "US 8½ Medium" in card_page and "Black Leather, Almond" in card_page and "70 Washington Street" in card_page
    started = client.post("/trial/card")
    assert started.status_code == 303 and "/sandbox-pay/" in started.headers["Location"]
    back = pay_on_sandbox(client, started.headers["Location"])
    assert back.status_code == 303
    done = client.get(back.headers["Location"])
    assert done.status_code == 303
    order = db.session.scalar(select(Order).where(Order.kind == OrderKind.TRIAL))
    assert order is not None and "/orders/" in done.headers["Location"]
    box = db.session.scalar(select(TrialBox).where(TrialBox.order_id == order.id))
    assert box.state is TrialState.REQUESTED
    # The draft is finished: a new visit starts a new questionnaire.
    assert 'aria-current="step">1. Your fit' in client.get("/trial").get_data(as_text=True)


def test_a_prepaid_card_comes_back_to_the_card_step_with_why(client):
    through_address(client)
    started = client.post("/trial/card")
    back = pay_on_sandbox(client, started.headers["Location"], PREPAID_CARD)
    refused = client.get(back.headers["Location"])
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/trial/step/card")
    html = client.get("/trial/step/card").get_data(as_text=True)
    assert "prepaid card" in html and "credit or debit card" in html
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.kind == OrderKind.TRIAL)) == 0


def test_missing_and_wrong_answers_come_back_beside_their_fields_with_what_was_typed(client):
    response = answer(client, "fit", {**FIT, "size": "", "other_brands": "Sam Edelman 9", "heel_comfort": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="size-error"' in html and 'id="heel_comfort-error"' in html
    assert 'value="Sam Edelman 9"' in html
    assert re.search(r'value="wide_forefoot"[^>]*checked|checked[^>]*value="wide_forefoot"', html)


def test_a_non_us_address_is_refused_beside_the_country(client):
    answer(client, "fit", FIT)
    answer(client, "colours", COLOURS)
    response = answer(client, "address", {**BROOKLYN, "country": "CA", "region": "Ontario", "postal_code": "M5V 2T6"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="country-error"' in html and "US addresses only" in html and 'value="Ontario"' in html


def test_going_back_shows_what_was_answered(client):
    through_address(client)
    html = client.get("/trial/step/fit").get_data(as_text=True)
    assert re.search(r'<option selected value="8.5">|<option value="8.5" selected', html)
    assert 'value="Sam Edelman 8.5"' in html
    html = client.get("/trial/step/address").get_data(as_text=True)
    assert 'value="70 Washington Street"' in html


def test_a_later_step_is_not_opened_before_the_earlier_ones(client):
    response = client.get("/trial/step/address")
    assert response.status_code == 303 and response.headers["Location"].endswith("/trial")
    assert client.post("/trial/card").status_code == 303
    assert client.get("/trial/step/nowhere").status_code == 404


def test_the_live_check_names_only_what_was_typed_wrong(client, htmx_headers):
    response = client.post("/trial/step/fit/check", data={"size": "13", "width": ""}, headers=htmx_headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="trial-step"' in html and "<html" not in html
    assert 'id="size-error"' in html and 'id="width-error"' not in html
    assert "HX-Request" in response.headers.get("Vary", "")
    # Without htmx the same address answers with the whole page.
    page = client.post("/trial/step/fit/check", data={"size": "13"})
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)


@pytest.mark.parametrize("size", ["8 1/2", "8½", "8,5"])
def test_sizes_as_people_type_them_are_accepted_by_the_form(client, size):
    assert answer(client, "fit", {**FIT, "size": size}).status_code == 303


# --- The trial box's page ---------------------------------------------------------------


def box_page(box):
    from ally_web.services.orders import links
    return f"/trial/box/{links.make_link(box.order)}"


def test_the_status_link_of_a_trial_opens_its_page_with_the_window(client):
    from ally_web.services.orders import status_url
    from tests.trial_flow import delivered_box

    box = delivered_box()
    with client.application.test_request_context():
        status = status_url(box.order, external=False)
    response = client.get(status)
    assert response.status_code == 303 and "/trial/box/" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "days left to decide" in html and "Dec 2, 2026, 11:59 PM EST" in html
    assert "Sample" in html and "Need another size?" in html
    assert "on carpet" in html and f"damage fee of ${policy.TRIAL_DAMAGE_FEE_CENTS // 100}" in html
    assert "Chat with a fit stylist" not in html  # no live chat yet


def test_deciding_without_javascript(client):
    from tests.trial_flow import delivered_box

    box = delivered_box()
    url = box_page(box)
    first, second = box.current_pairs
    shown = client.post(f"{url}/decide", data={f"pair-{first.id}": "keep", "action": "total"})
    assert shown.status_code == 200 and "<strong>$295</strong>" in shown.get_data(as_text=True)
    missing = client.post(f"{url}/decide", data={f"pair-{first.id}": "keep"})
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert f'id="pair-{second.id}-error"' in html
    assert re.search(rf'name="pair-{first.id}" value="keep" checked', html)  # what was chosen stays
    done = client.post(f"{url}/decide", data={f"pair-{first.id}": "keep", f"pair-{second.id}": "return"})
    assert done.status_code == 303
    html = client.get(url).get_data(as_text=True)
    assert "Your choice is in" in html and "return-label.pdf" in html
    assert "Please hand the pairs going back to the carrier by" in html  # or they become kept
    label = client.get(f"{url}/return-label.pdf")
    assert label.status_code == 200 and label.data.startswith(b"%PDF")


def test_the_total_updates_live(client, htmx_headers):
    from tests.trial_flow import delivered_box

    box = delivered_box()
    first, second = box.current_pairs
    response = client.post(f"{box_page(box)}/total", headers=htmx_headers,
                           data={f"pair-{first.id}": "keep", f"pair-{second.id}": "keep"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.strip().startswith('<p id="decision-total"')
    assert "<strong>$501</strong>" in html  # $295 + the sample at 30% off, in whole dollars ($206)
    assert "HX-Request" in response.headers.get("Vary", "")


def test_asking_for_another_size_from_the_page(client):
    from tests.trial_flow import delivered_box

    box = delivered_box()
    first = box.current_pairs[0]
    bad = client.post(f"{box_page(box)}/exchange", data={f"size-{first.id}": "14"})
    assert bad.status_code == 422 and f'id="pair-{first.id}-error"' in bad.get_data(as_text=True)
    good = client.post(f"{box_page(box)}/exchange", data={f"size-{first.id}": "9", "note": "Snug"})
    assert good.status_code == 303
    assert "new sizes are being chosen" in client.get(box_page(box)).get_data(as_text=True)


def test_a_purchase_link_does_not_open_a_trial_page(client):
    from ally_web.services.orders import links
    from tests.factories import make_order

    order = make_order()
    assert client.get(f"/trial/box/{links.make_link(order)}").status_code == 404
    assert client.get("/trial/box/not-a-link").status_code == 303


def test_the_exchange_address_sends_a_trial_box_to_its_own_page(client):
    from ally_web.services.orders import links
    from tests.trial_flow import delivered_box

    box = delivered_box()
    link = links.make_link(box.order)
    for response in (client.get(f"/exchange/{link}"), client.post(f"/exchange/{link}", data={})):
        assert response.status_code == 303 and response.headers["Location"].endswith(f"/trial/box/{link}")
    found = client.post("/pages/order-lookup", data={"email": box.email, "number": box.order.number,
                                                     "then": "exchange"})
    assert found.status_code == 303
    assert "/trial/box/" in client.get(found.headers["Location"]).headers["Location"]


def test_a_delivered_box_offers_a_fit_session_and_then_shows_it(client):
    from ally_web.core.actors import CUSTOMER
    from ally_web.services import fit_sessions
    from tests.support.trial_boxes import open_fit_studio
    from tests.trial_flow import delivered_box

    box = delivered_box()
    with client.application.test_request_context():
        page_url = trial_page_url(box)
    html = client.get(page_url).get_data(as_text=True)
    booking_link = re.search(r'href="(/fit-session/[^"]+)"[^>]*>Book a fit session<', html)
    assert booking_link is not None
    assert client.get(booking_link.group(1)).status_code == 200

    open_fit_studio()
    slot = fit_sessions.page_for(box.order).days[0].slots[0]
    fit_sessions.book(box.order, slot.key, CUSTOMER)
    db.session.commit()
    html = client.get(page_url).get_data(as_text=True)
    assert "Book a fit session" not in html and "Move or cancel your session" in html
    assert slot.local.strftime("%-I:%M %p") in html


def trial_page_url(box) -> str:
    from ally_web.services.orders import status_url

    return status_url(box.order, external=False, endpoint="trial.box")
