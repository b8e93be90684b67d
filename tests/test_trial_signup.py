"""Signing up for the at-home trial: the questionnaire's checks, the card saved on the
provider's page, prepaid and declined cards refused, one open trial per customer."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ally_web import policy
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.gateways.payments import get_gateway
from ally_web.models import EventKind, Order, OrderKind, OutboxMessage, SandboxPayment, TrialState
from ally_web.services import orders as order_service
from ally_web.services import trial
from tests.trial_flow import BROOKLYN, COLOURS, FIT, draft_at_card, requested_box, save_card

PREPAID_CARD = "5105105105105100"
DECLINED_CARD = "4000000000000002"

pytestmark = pytest.mark.usefixtures("app")


def test_a_saved_card_holds_the_check_amount_and_opens_a_trial_order():
    box = requested_box()
    assert box.state is TrialState.REQUESTED
    order = db.session.get(Order, box.order_id)
    assert order.kind is OrderKind.TRIAL and order.checkout_id is None
    assert order.number and order.region == "NY"  # "New York" as typed, kept as its code
    assert [e.kind for e in order.events] == [EventKind.TRIAL_REQUESTED]
    hold = db.session.scalar(select(SandboxPayment).where(SandboxPayment.payment_ref == box.hold_ref))
    assert hold.status == "authorized" and hold.amount_cents == policy.TRIAL_HOLD_CENTS
    assert box.hold_expires_at is not None and box.payment_method
    assert (box.card_brand, box.card_last4, box.card_funding) == ("visa", "4242", "credit")
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "trial_requested"))
    assert f"#{order.number}" in mail.text_body and "hold of $1 on your Visa ending 4242" in mail.text_body
    # The order lookup finds it like any order.
    assert order_service.find_order(BROOKLYN["email"].upper(), order.number.lower()) == order


def test_loading_the_return_address_twice_requests_once():
    box = draft_at_card()
    session_id = save_card(box)
    first = trial.complete_card_setup(session_id, get_gateway())
    db.session.commit()
    again = trial.complete_card_setup(session_id, get_gateway())
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.kind == OrderKind.TRIAL)) == 1
    holds = db.session.scalar(select(func.count()).select_from(SandboxPayment).where(
        SandboxPayment.mode == "card", SandboxPayment.amount_cents == policy.TRIAL_HOLD_CENTS))
    assert holds == 1


def test_a_prepaid_card_is_refused_with_why_and_the_draft_is_kept():
    box = draft_at_card()
    session_id = save_card(box, PREPAID_CARD)
    with pytest.raises(trial.CardRefused, match="prepaid"):
        trial.complete_card_setup(session_id, get_gateway())
    db.session.commit()
    assert box.state is TrialState.DRAFT and box.step == "card"
    assert "credit or debit card" in box.card_refusal
    assert box.answers["fit"]["size_halves"] == 17  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.kind == OrderKind.TRIAL)) == 0


def test_a_card_the_bank_declines_is_refused():
    box = draft_at_card()
    session_id = save_card(box, DECLINED_CARD)
    with pytest.raises(trial.CardRefused):
        trial.complete_card_setup(session_id, get_gateway())
    assert box.state is TrialState.DRAFT


def test_a_second_open_trial_for_the_same_customer_is_refused_at_the_address():
    requested_box(email="tess@example.com")
    box = trial.start_draft()
    trial.save_step(box, "fit", FIT)
    trial.save_step(box, "colours", COLOURS)
    with pytest.raises(trial.AnswersInvalid) as refused:
        trial.save_step(box, "address", {**BROOKLYN, "email": " TESS@Example.com "})
    assert "already have a trial box" in refused.value.errors["email"]


def test_two_tabs_cannot_open_two_trials():
    first, second = draft_at_card(), draft_at_card()
    first_session, second_session = save_card(first), save_card(second)
    trial.complete_card_setup(first_session, get_gateway())
    db.session.commit()
    with pytest.raises(trial.CardRefused, match="already have a trial box"):
        trial.complete_card_setup(second_session, get_gateway())


@pytest.mark.parametrize(("given", "field"), [
    ({**FIT, "size": "13"}, "size"),
    ({**FIT, "size": ""}, "size"),
    ({**FIT, "width": "X"}, "width"),
    ({**FIT, "heel_comfort": ""}, "heel_comfort"),
    ({**FIT, "foot_notes": ["webbed"]}, "foot_notes"),
    ({**FIT, "other_brands": "x" * 201}, "other_brands"),
])
def test_fit_answers_are_checked_field_by_field(given, field):
    box = trial.start_draft()
    with pytest.raises(trial.AnswersInvalid) as refused:
        trial.save_step(box, "fit", given)
    assert field in refused.value.errors
    assert box.answers["typed"]["size"] == given["size"]  # kept as typed for the form
    assert box.step == "fit"


def test_sizes_are_read_as_people_type_them():
    box = trial.start_draft()
    for typed in ("8 1/2", "8,5", "8½", " 8.5 "):
        trial.save_step(box, "fit", {**FIT, "size": typed})
        assert box.answers["fit"]["size_halves"] == 17


def test_colours_are_ranked_without_repeats():
    box = trial.start_draft()
    trial.save_step(box, "fit", FIT)
    with pytest.raises(trial.AnswersInvalid) as refused:
        trial.save_step(box, "colours", {**COLOURS, "colour_2": "black"})
    assert "already" in refused.value.errors["colour_2"]
    with pytest.raises(trial.AnswersInvalid) as refused:
        trial.save_step(box, "colours", {"colour_1": "", "condition": ""})
    assert set(refused.value.errors) == {"colour_1", "condition"}
    trial.save_step(box, "colours", COLOURS)
    assert box.answers["colours"] == ["black", "almond"]


def test_a_non_us_address_is_refused_with_the_international_options():
    box = trial.start_draft()
    trial.save_step(box, "fit", FIT)
    trial.save_step(box, "colours", COLOURS)
    with pytest.raises(trial.AnswersInvalid) as refused:
        trial.save_step(box, "address", {**BROOKLYN, "country": "GB", "region": "", "postal_code": "W1S 1JB"})
    assert "US addresses only" in refused.value.errors["country"]
    assert "duties" in refused.value.errors["country"]


def test_steps_are_answered_in_order():
    box = trial.start_draft()
    with pytest.raises(DomainError, match="in order"):
        trial.save_step(box, "address", BROOKLYN)


def test_trial_boxes_stay_out_of_the_purchase_queues_and_have_their_own_filter():
    from ally_web.services import orders as order_service
    from tests.trial_flow import delivered_box

    box = delivered_box()
    order = box.order
    assert order_service.order_status(order).code == "trial"
    for code in ("to_fulfil", "preparing", "delivered", "shipped", "made_to_order", "fitting"):
        assert order not in order_service.search_orders("", code, 1, per_page=500).items
    assert order_service.search_orders("", "trial", 1).items == [order]
    assert order_service.count_orders("trial") == 1
