"""Made-to-order after the order: the fitting pair on loan, the fit result, the
stylist's confirmation, production and its due date, notices that move it, the
reminders, and the order's status all along."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CARRIER, CUSTOMER, Actor
from ally_web.core.errors import DomainError
from ally_web.core.lifecycle import IllegalTransition
from ally_web.extensions import db
from ally_web.jobs import run_jobs
from ally_web.models import (
    Colour,
    Customer,
    EventKind,
    LeadTimeNotice,
    MadeToOrderPath,
    MadeToOrderState,
    Order,
    OrderLine,
    OutboxMessage,
    ScanKind,
    ShipmentPurpose,
    Variant,
)
from ally_web.services import made_to_order as mto
from ally_web.services import orders as order_service
from tests.factories import make_order, sold_out_variant

STYLIST = Actor.staff(None, "Sam Rivera")
FITS = {"toes": "snug", "heel_gap": "none", "width": "right", "toe_box": "right", "heel_slip": "none",
        "arch": "right", "comfort": "comfortable"}


def answers(left=None, right=None, **sizes) -> mto.FitAnswers:
    return mto.FitAnswers(answers={"left": {**FITS, **(left or {})}, "right": {**FITS, **(right or {})}}, **sizes)


def fitting_order(email="fit@example.com") -> tuple[Order, OrderLine]:
    order = make_order(email=email, lines=[(sold_out_variant(offset=2), 1, True)])
    return order, order.lines[0]


def ship_fitting(line, number="1Z999AA10000000101", back="1Z999AA10000000102"):
    with current_app.test_request_context():
        return mto.ship_fitting_pair(line, "UPS", number, back, STYLIST)


def deliver(shipment, at=None):
    with current_app.test_request_context():
        order_service.record_scan(shipment, ScanKind.DELIVERED, at or clock.now(), CARRIER)


def emails(kind) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def kinds(order) -> list[str]:
    return [str(e.kind) for e in order.events]


# --- The whole path ---------------------------------------------------------------------


def test_fitting_pair_fit_result_confirmation_production_and_delivery(app):
    order, line = fitting_order()
    assert line.mto_state is MadeToOrderState.AWAITING_FITTING_PAIR
    assert order_service.order_status(order).code == "fitting"

    outbound = ship_fitting(line)
    assert line.mto_state is MadeToOrderState.FITTING_PAIR_SHIPPED
    assert outbound.purpose is ShipmentPurpose.FITTING_PAIR
    assert line.fitting_return.purpose is ShipmentPurpose.FITTING_RETURN
    assert order.parcels == []  # a loaner is not the order's parcel
    shipped = emails("fitting_pair_shipped")
    assert len(shipped) == 1 and "/fit-result/" in shipped[0].text_body
    assert "1Z999AA10000000102" in shipped[0].text_body  # the return label's number

    deliver(outbound)
    assert line.mto_state is MadeToOrderState.FITTING_PAIR_DELIVERED
    assert emails("order_delivered") == []  # the fitting pair's arrival is not the order's

    result = mto.submit_fit_result(line, answers(left={"toes": "pressed"}), CUSTOMER)
    assert (result.suggested_size_halves, result.chosen_size_halves) == (line.size_halves + 1,) * 2
    assert "half a size up" in result.suggestion_reason
    assert line.mto_state is MadeToOrderState.FIT_SUBMITTED
    assert order_service.order_status(order).code == "fitting"

    with clock.freeze(datetime(2026, 12, 11, 10, 0)):
        with current_app.test_request_context():
            due = mto.confirm_fit(line, result.chosen_size_halves, result.chosen_width, "", STYLIST)
    # Dec 11 + 14 = Fri Dec 25 (Christmas): ships by Mon Dec 28.
    assert due.ships_by == date(2026, 12, 28) and line.ships_by == date(2026, 12, 28)
    assert line.mto_state is MadeToOrderState.IN_PRODUCTION
    assert line.size_halves == result.chosen_size_halves  # made in the confirmed size
    customer = db.session.get(Customer, order.customer_id)
    assert (customer.size_halves, customer.width) == (line.size_halves, line.width)
    assert order_service.order_status(order).code == "made_to_order"
    assert len(emails("fit_confirmed")) == 1 and "December 28" in emails("fit_confirmed")[0].text_body

    mto.mark_made(line, STYLIST)
    assert order_service.lines_to_fulfil(order) == [line]
    with current_app.test_request_context():
        parcel = order_service.ship_ready_pairs(order, "FedEx", "123456789012", STYLIST)
    assert line.mto_state is MadeToOrderState.SHIPPED
    assert "custom pair is finished" in emails("order_shipped")[0].text_body
    deliver(parcel)
    assert line.mto_state is MadeToOrderState.DELIVERED
    assert order_service.order_status(order).code == "delivered"
    for kind in ("fitting_pair_shipped", "fitting_pair_delivered", "fit_submitted", "fit_confirmed",
                 "production_started", "pair_made", "shipped", "delivered"):
        assert kind in kinds(order), kind


def test_no_step_is_skipped_or_repeated(app):
    order, line = fitting_order()
    with pytest.raises(DomainError, match="not left the studio"):
        mto.submit_fit_result(line, answers(), CUSTOMER)
    with pytest.raises(DomainError, match="not sent a fit result"):
        mto.confirm_fit(line, line.size_halves, line.width, "", STYLIST)
    with pytest.raises(IllegalTransition):
        mto.mark_made(line, STYLIST)
    ship_fitting(line)
    with pytest.raises(DomainError, match="already been sent"):
        ship_fitting(line, "1Z999AA10000000201", "1Z999AA10000000202")
    with pytest.raises(DomainError, match="not sent a fit result"):
        mto.confirm_fit(line, line.size_halves, line.width, "", STYLIST)
    mto.submit_fit_result(line, answers(), CUSTOMER)
    mto.confirm_fit(line, line.size_halves, line.width, "", STYLIST)
    with pytest.raises(DomainError, match="already confirmed"):
        mto.submit_fit_result(line, answers(), CUSTOMER)
    with pytest.raises(DomainError, match="already confirmed"):
        mto.confirm_fit(line, line.size_halves, line.width, "", STYLIST)
    mto.mark_made(line, STYLIST)
    with pytest.raises(IllegalTransition):
        mto.mark_made(line, STYLIST)


def test_sending_the_fit_result_first_says_the_fitting_pair_arrived(app):
    order, line = fitting_order()
    outbound = ship_fitting(line)
    mto.submit_fit_result(line, answers(), CUSTOMER)
    assert outbound.delivered_at is not None and line.mto_state is MadeToOrderState.FIT_SUBMITTED
    assert kinds(order).index("fitting_pair_delivered") < kinds(order).index("fit_submitted")
    deliver(outbound)  # the carrier's scan, later: nothing moves back
    assert line.mto_state is MadeToOrderState.FIT_SUBMITTED


def test_a_fit_result_can_be_changed_until_confirmed_and_is_kept_once(app):
    order, line = fitting_order()
    ship_fitting(line)
    mto.submit_fit_result(line, answers(), CUSTOMER)
    mto.submit_fit_result(line, answers(right={"width": "tight"}), CUSTOMER)
    results = db.session.scalars(select(OrderLine).where(OrderLine.id == line.id)).one().fit_result
    widths = list(policy.WIDTHS)
    wider = widths[min(widths.index(line.width) + 1, len(widths) - 1)]
    assert results.suggested_width == wider and results.answers["right"]["width"] == "tight"
    events = [e for e in order.events if e.kind is EventKind.FIT_SUBMITTED]
    assert [e.params["changed"] for e in events] == [False, True]


def test_answers_sent_again_keep_the_earlier_ones_in_the_fit_profile(app):
    from ally_web.models import FitResultRevision, TrialBox
    from ally_web.services import trial

    order, line = fitting_order()
    ship_fitting(line)
    with clock.freeze(datetime(2026, 11, 27, 9, 0)):
        first = mto.submit_fit_result(line, answers(left={"toes": "pressed"}), CUSTOMER)
    asked_first = (first.chosen_size_halves, first.chosen_width)
    with clock.freeze(datetime(2026, 11, 28, 9, 0)):
        mto.submit_fit_result(line, answers(chosen_size="11", chosen_reason="My boots are 11."), CUSTOMER)
    with clock.freeze(datetime(2026, 11, 29, 9, 0)):
        latest = mto.submit_fit_result(line, answers(), CUSTOMER)
    db.session.commit()

    kept = db.session.scalars(select(FitResultRevision).order_by(FitResultRevision.id)).all()
    assert [(r.answers["left"]["toes"], (r.chosen_size_halves, r.chosen_width), r.chosen_reason) for r in kept] == [
        ("pressed", asked_first, ""), ("snug", (22, line.width), "My boots are 11.")]
    assert [(r.sent_at.day, r.replaced_at.day) for r in kept] == [(27, 28), (28, 29)]
    assert {r.customer_id for r in kept} == {order.customer_id}
    assert latest.answers["left"]["toes"] == "snug" and latest.chosen_size_halves == line.size_halves

    (then, _) = mto.earlier_answers(latest)
    assert then.changes == ("Left foot, where do your toes sit when you stand? Pressed against the front",)
    profile = trial.fit_profile(TrialBox(customer_id=order.customer_id))
    assert [fit.at.day for fit in profile.fits] == [27, 28, 29]  # the two earlier sendings, then the latest
    assert profile.fits[1].size.startswith(f"asked {mto.size_label(22, line.width)}, changed Nov 29, 2026")
    assert "My boots are 11." in profile.fits[1].notes

    mto.confirm_fit(line, line.size_halves, line.width, "", STYLIST)
    with pytest.raises(DomainError, match="already confirmed"):
        mto.submit_fit_result(line, answers(left={"toes": "lots"}), CUSTOMER)
    assert db.session.scalar(select(func.count()).select_from(FitResultRevision)) == 2  # nothing after confirming


def test_incomplete_answers_and_another_size_without_a_reason_are_refused(app):
    order, line = fitting_order()
    ship_fitting(line)
    partial = mto.FitAnswers(answers={"left": {"toes": "snug"}, "right": {}})
    with pytest.raises(mto.FitResultInvalid) as refused:
        mto.submit_fit_result(line, partial, CUSTOMER)
    assert "left_heel_gap" in refused.value.errors and "left_toes" not in refused.value.errors
    with pytest.raises(mto.FitResultInvalid) as refused:
        mto.submit_fit_result(line, answers(chosen_size="11", card_size="huge"), CUSTOMER)
    assert set(refused.value.errors) == {"chosen_reason", "card_size"}
    result = mto.submit_fit_result(line, answers(chosen_size="11", chosen_reason="I wear 11 in boots."), CUSTOMER)
    assert result.chosen_size_halves == 22 and result.suggested_size_halves == line.size_halves


def same_size_in_another_style(line: OrderLine, size_halves: int | None = None, width: str | None = None) -> Variant:
    """A variant of another style in ``line``'s size (or the one given), sold out."""
    variant = db.session.scalars(select(Variant).join(Colour).where(
        Colour.style_id != db.session.get_one(Variant, line.variant_id).colour.style_id,
        Variant.size_halves == (size_halves or line.size_halves), Variant.width == (width or line.width))
        .order_by(Variant.id)).first()
    assert variant is not None
    variant.stock = 0
    db.session.commit()
    return variant


def confirmed(line: OrderLine) -> None:
    ship_fitting(line)
    mto.submit_fit_result(line, answers(), CUSTOMER)
    mto.confirm_fit(line, line.size_halves, line.width, "", STYLIST)
    db.session.commit()


def test_a_known_size_skips_the_fitting_pair_on_the_next_order_in_any_style(app):
    order, line = fitting_order()
    confirmed(line)
    again = make_order(email="FIT@example.com", lines=[(same_size_in_another_style(line), 1, True)])
    assert again.lines[0].mto_path is MadeToOrderPath.SIZE_KNOWN
    assert again.lines[0].mto_state is MadeToOrderState.IN_PRODUCTION
    assert again.lines[0].production_started_on is not None
    assert order_service.order_status(again).code == "made_to_order"


@pytest.mark.parametrize("change", ["longer", "wider"])
def test_a_known_size_does_not_skip_the_fitting_pair_of_another_size_or_width(app, change):
    order, line = fitting_order()
    confirmed(line)
    other_width = next(w for w in policy.WIDTHS if w != line.width)
    halves = line.size_halves + 1 if change == "longer" else line.size_halves
    width = line.width if change == "longer" else other_width
    again = make_order(email="fit@example.com", lines=[(same_size_in_another_style(line, halves, width), 1, True)])
    ordered = again.lines[0]
    assert ordered.mto_path is MadeToOrderPath.FITTING_FIRST
    assert ordered.mto_state is MadeToOrderState.AWAITING_FITTING_PAIR
    assert ordered.production_started_on is None and ordered.fitting_ships_by is not None
    assert "production_started" not in kinds(again)
    customer = db.session.get_one(Customer, again.customer_id)
    assert (customer.size_halves, customer.width) == (line.size_halves, line.width)  # the size on file stays


def test_staff_may_adjust_the_size_only_to_one_the_colour_is_made_in(app):
    order, line = fitting_order()
    ship_fitting(line)
    mto.submit_fit_result(line, answers(), CUSTOMER)
    with pytest.raises(DomainError) as refused:
        mto.confirm_fit(line, 99, line.width, "", STYLIST)
    assert refused.value.field == "size"
    ordered_sku = line.sku
    mto.confirm_fit(line, line.size_halves + 1, "W", "Wide forefoot, checked on video.", STYLIST)
    assert line.sku != ordered_sku and line.width == "W"
    assert line.fit_result.staff_note == "Wide forefoot, checked on video."


# --- Notices move due dates ---------------------------------------------------------------


def test_a_new_notice_moves_pairs_in_production_and_tells_their_customers(app):
    order, line = fitting_order()
    ship_fitting(line)
    mto.submit_fit_result(line, answers(), CUSTOMER)
    with clock.freeze(datetime(2027, 6, 1, 10, 0)):
        with current_app.test_request_context():
            mto.confirm_fit(line, line.size_halves, line.width, "", STYLIST)
            assert line.ships_by == date(2027, 6, 15) and line.notice_title is None  # Jun 1 + 14
            notice, moved = mto.save_notice(None, mto.NoticeInput(
                "Summer break", "Our workshop closes for a week in June.", 5, date(2027, 6, 10), date(2027, 6, 20)),
                Actor.staff(None, "Alex Admin"))
    # Jun 1 + 14 = Jun 15, overlaps the notice → + 5 = Sun Jun 20 → Mon Jun 21.
    assert moved == 1 and line.ships_by == date(2027, 6, 21) and line.notice_title == "Summer break"
    moved_email = emails("due_date_moved")
    assert len(moved_email) == 1 and "June 21" in moved_email[0].text_body
    assert "June 15" in moved_email[0].text_body
    with current_app.test_request_context():
        _, again = mto.save_notice(notice, mto.NoticeInput(notice.title, notice.message, 5, notice.starts_on,
                                                            notice.ends_on), Actor.staff(None, "Alex Admin"))
    assert again == 0 and len(emails("due_date_moved")) == 1  # nothing moved, nobody told twice


def test_notice_input_is_checked_field_by_field(app):
    with pytest.raises(mto.NoticeInvalid) as refused:
        mto.save_notice(None, mto.NoticeInput("", "", 0, date(2027, 2, 1), date(2027, 1, 1)), STYLIST)
    assert set(refused.value.errors) == {"title", "message", "extra_days", "ends_on"}
    assert db.session.scalar(select(LeadTimeNotice).where(LeadTimeNotice.title == "")) is None


# --- Loaners and reminders ----------------------------------------------------------------


def test_reminders_for_the_fit_result_and_the_loaner_go_once(app):
    order, line = fitting_order()
    outbound = ship_fitting(line)
    delivered = clock.now()
    deliver(outbound, delivered)
    db.session.commit()
    run_jobs(now=delivered + timedelta(days=2))
    assert emails("fit_result_reminder") == []
    run_jobs(now=delivered + timedelta(days=3, hours=1))
    run_jobs(now=delivered + timedelta(days=4))
    assert len(emails("fit_result_reminder")) == 1
    assert emails("fitting_return_reminder") == []

    out = mto.fitting_pairs_out(delivered + timedelta(days=11))
    assert [(l.line.id, l.overdue) for l in out] == [(line.id, True)]
    run_jobs(now=delivered + timedelta(days=11))
    run_jobs(now=delivered + timedelta(days=12))
    assert len(emails("fitting_return_reminder")) == 1

    deliver(line.fitting_return, delivered + timedelta(days=13))
    assert mto.fitting_pairs_out(delivered + timedelta(days=14)) == []
    assert "fitting_pair_returned" in kinds(order)


def test_no_reminder_once_the_fit_result_is_in(app):
    order, line = fitting_order()
    outbound = ship_fitting(line)
    deliver(outbound)
    mto.submit_fit_result(line, answers(), CUSTOMER)
    db.session.commit()
    run_jobs(now=clock.now() + timedelta(days=5))
    assert emails("fit_result_reminder") == []


def test_staff_lists(app):
    order, line = fitting_order()
    assert line in mto.awaiting_fitting_pairs()
    ship_fitting(line)
    mto.submit_fit_result(line, answers(), CUSTOMER)
    assert [r.line for r in mto.fit_queue()] == [line]
    mto.confirm_fit(line, line.size_halves, line.width, "", STYLIST)
    assert mto.fit_queue() == []
    late_day = line.ships_by + timedelta(days=1)
    rows = mto.production_board(late_day)
    assert [(r.line, r.late) for r in rows] == [(line, True)]
    mto.mark_made(line, STYLIST)
    assert [(r.line, r.late) for r in mto.production_board(late_day)] == [(line, False)]


@pytest.mark.parametrize("typed", ["8 1/2", "8-1/2", "8,5", "8½", " 8.5 "])
def test_the_card_reading_accepts_how_people_write_half_sizes(app, typed):
    order, line = fitting_order()
    ship_fitting(line)
    result = mto.submit_fit_result(line, answers(card_size=typed), CUSTOMER)
    assert result.card_size_halves == 17


@pytest.mark.parametrize("hour", [0, 23])
def test_a_fitting_pair_is_overdue_from_the_threshold_day_for_the_board_and_the_reminder_alike(app, hour):
    """Delivered on Mon Dec 7 (at any hour): not overdue through Wed Dec 16, overdue
    and reminded on Thu Dec 17, the tenth store day after delivery."""
    assert policy.FITTING_PAIR_OVERDUE_DAYS == 10
    order, line = fitting_order()
    outbound = ship_fitting(line)
    deliver(outbound, clock.to_store_time(datetime(2026, 12, 7, hour, 30)))
    db.session.commit()

    def overdue(at: datetime) -> bool:
        (loaner,) = mto.fitting_pairs_out(clock.to_store_time(at))
        return loaner.overdue

    day_before = datetime(2026, 12, 16, 23, 59)
    assert not overdue(day_before)
    run_jobs(now=clock.to_store_time(day_before))
    assert emails("fitting_return_reminder") == []
    threshold_day = datetime(2026, 12, 17, 0, 1)
    assert overdue(threshold_day)
    run_jobs(now=clock.to_store_time(threshold_day))
    assert len(emails("fitting_return_reminder")) == 1
