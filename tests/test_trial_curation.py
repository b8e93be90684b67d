"""The fitting team's side of the at-home trial: the queue, the pairs chosen (new off
the shelf, samples from the studio), the checklist before "box ready", cancelling
with the card hold voided, shipping with its return label, and the delivery scan
(staff or webhook) opening the 7-day window."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CARRIER, Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.gateways.carriers import webhooks as tracking_webhooks
from ally_web.jobs import run_jobs
from ally_web.models import (
    Colour,
    Customer,
    EventKind,
    MovementReason,
    Order,
    OrderState,
    OutboxMessage,
    SandboxPayment,
    ScanKind,
    StockMovement,
    Style,
    TrialBox,
    TrialCondition,
    TrialState,
    Variant,
)
from ally_web.services import catalog, trial
from ally_web.services import orders as order_service
from ally_web.services.pricing.calendar import store_tz
from tests.trial_flow import requested_box

STYLIST = Actor.staff(None, "Sam Rivera")
ALL_CHECKS = set(trial.CHECKLIST)
SIZE, WIDTH = 17, "M"  # the questionnaire's US 8½ Medium (tests/trial_flow.py)

pytestmark = pytest.mark.usefixtures("app")


def shelf(colour: str, halves: int = SIZE, width: str = WIDTH, pairs: int = 2) -> Variant:
    """The classic pump in ``colour`` with exactly ``pairs`` on the shelf (through the ledger)."""
    variant = db.session.scalar(select(Variant).join(Colour).join(Style).where(
        Style.slug == "classic-pump", Colour.slug == colour, Variant.size_halves == halves, Variant.width == width))
    catalog.count_stock(variant.id, pairs, variant.stock, "test shelf", STYLIST, audit=False)
    db.session.commit()
    return variant


def emails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def curated(email: str = "tess@example.com", *, sample: bool = True) -> TrialBox:
    """A box with a new black pair and (by default) an almond sample, checked and ready."""
    shelf("black")
    box = requested_box(email=email)
    trial.add_pair(box, "black", SIZE, WIDTH, "new", STYLIST)
    if sample:
        trial.add_pair(box, "almond", SIZE, WIDTH, "sample", STYLIST)
    for pair in box.pairs:
        trial.set_checklist(box, pair.id, ALL_CHECKS, STYLIST)
    trial.box_ready(box, STYLIST)
    db.session.commit()
    return box


def shipped(email: str = "tess@example.com", number: str = "1Z999AA10123456784") -> TrialBox:
    box = curated(email)
    with current_app.test_request_context():
        trial.ship(box, "UPS", number, STYLIST)
    db.session.commit()
    return box


# --- The queue -------------------------------------------------------------------------


def test_the_queue_lists_requested_boxes_oldest_first_with_the_answers_in_words():
    with clock.freeze(datetime(2026, 11, 24, 9, 0)):
        older = requested_box(email="first@example.com")
    newer = requested_box(email="second@example.com")
    rows = trial.queue()
    assert [row.box.id for row in rows] == [older.id, newer.id]
    assert rows[0].asked == "8½ Medium" and not rows[0].exchange and rows[0].pairs_chosen == 0
    words = dict(trial.answers_for_staff(older))
    assert words["Usual size"] == "8½ Medium"
    assert words["About their feet"] == "Wide across the front"
    assert words["Colours, favourite first"] == "1. Black Leather; 2. Almond"
    assert words["New or sample"].startswith("Either")


def test_the_queue_says_when_each_box_must_ship_and_marks_late_ones():
    with clock.freeze(datetime(2026, 11, 16, 9, 0)):  # a Monday morning: counts from that day
        late = requested_box(email="late@example.com")
    with clock.freeze(datetime(2026, 11, 25, 9, 0)):  # the day before Thanksgiving
        fresh = requested_box(email="fresh@example.com")
        rows = {row.box.id: row for row in trial.queue()}
    assert str(rows[late.id].ships_by) == "2026-11-19" and rows[late.id].late  # 3 business days later
    assert str(rows[fresh.id].ships_by) == "2026-12-01" and not rows[fresh.id].late  # Thanksgiving skipped


def test_a_box_leaves_the_queue_once_ready_and_comes_back_when_reopened():
    box = curated()
    assert box.id not in [row.box.id for row in trial.queue()]
    trial.reopen(box, STYLIST)
    assert box.state is TrialState.REQUESTED
    assert box.id in [row.box.id for row in trial.queue()]


def test_the_stock_grid_shows_the_sizes_around_theirs_in_the_chosen_colour():
    shelf("almond", pairs=3)
    shelf("almond", halves=SIZE + 1, pairs=0)
    box = requested_box()
    grid = trial.stock_around(box, "almond")
    assert grid.colour.slug == "almond" and grid.asked == (SIZE, WIDTH)
    assert grid.sizes == [15, 16, 17, 18, 19]
    assert grid.count(SIZE, WIDTH) == 3 and grid.count(SIZE + 1, WIDTH) == 0
    assert trial.stock_around(box).colour.slug == "black"  # their favourite by default
    in_their_size = {row.colour.slug: row.in_their_size for row in trial.colours_in_their_size(box)}
    assert in_their_size["almond"] == 3
    assert list(in_their_size)[:2] == ["black", "almond"]  # ranked first


def test_the_fit_profile_shows_the_confirmed_size_and_what_they_said_returning_pairs():
    from tests.test_returns import ask, delivered_order

    order = delivered_order(email="tess@example.com")
    ask(order, reason="too_small", note="Tight across the toes")
    box = requested_box(email="Tess@example.com")
    assert box.customer_id == order.customer_id  # the same customer, whatever the case typed
    customer = db.session.get(Customer, box.customer_id)
    customer.size_halves, customer.width = 18, "W"
    profile = trial.fit_profile(box)
    assert profile.confirmed_size == "9 Wide" and profile.fits == []
    [returned] = profile.returns
    assert (returned.order_number, returned.action, returned.reason) == (order.number, "return", "Too small")
    assert returned.note == "Tight across the toes"


# --- Choosing pairs --------------------------------------------------------------------


def test_a_new_pair_is_a_line_at_the_current_price_and_comes_off_the_shelf_with_the_ledger():
    variant = shelf("black", pairs=2)
    box = requested_box()
    pair = trial.add_pair(box, "black", SIZE, WIDTH, "new", STYLIST)
    db.session.commit()
    line = pair.line
    assert (line.unit_price_cents, line.quantity, line.made_to_order) == (29500, 1, False)
    assert line.order_id == box.order_id and line.variant_id == variant.id
    assert line.ships_from is not None and line.arrives_by is not None
    assert (pair.round, pair.condition, pair.retail_cents, pair.keep_cents) == (1, TrialCondition.NEW, 29500, 29500)
    db.session.refresh(variant)
    assert variant.stock == 1 and catalog.ledger_explains(variant.id)
    last = db.session.scalars(select(StockMovement).where(StockMovement.variant_id == variant.id)
                              .order_by(StockMovement.id.desc())).first()
    assert (last.reason, last.change) == (MovementReason.TRIAL_OUT, -1)
    order = db.session.get(Order, box.order_id)
    assert (order.subtotal_cents, order.total_cents) == (29500, 0)


def test_removing_a_new_pair_puts_it_back_on_the_shelf():
    variant = shelf("black", pairs=1)
    box = requested_box()
    pair = trial.add_pair(box, "black", SIZE, WIDTH, "new", STYLIST)
    trial.remove_pair(box, pair.id, STYLIST)
    db.session.commit()
    db.session.refresh(variant)
    assert variant.stock == 1 and catalog.ledger_explains(variant.id)
    reasons = db.session.scalars(select(StockMovement.reason).where(StockMovement.variant_id == variant.id)
                                 .order_by(StockMovement.id)).all()
    assert reasons[-2:] == [MovementReason.TRIAL_OUT, MovementReason.TRIAL_IN]
    assert box.pairs == [] and db.session.get(Order, box.order_id).lines == []
    assert db.session.get(Order, box.order_id).subtotal_cents == 0


def test_a_sample_costs_its_discount_rounded_down_and_moves_no_stock():
    variant = shelf("almond", pairs=0)
    box = requested_box()
    pair = trial.add_pair(box, "almond", SIZE, WIDTH, "sample", STYLIST)
    assert policy.SAMPLE_PAIR_DISCOUNT_PERCENT == 30
    assert (pair.retail_cents, pair.keep_cents) == (29500, 20600)  # $206.50, rounded down to $206
    db.session.refresh(variant)
    assert variant.stock == 0
    assert trial.keep_cents_for(29999, TrialCondition.SAMPLE) == 20900  # $209.99 → $209
    assert trial.keep_cents_for(29999, TrialCondition.NEW) == 29999


def test_at_most_two_pairs_a_round():
    shelf("black")
    shelf("cherry")
    box = requested_box()
    trial.add_pair(box, "black", SIZE, WIDTH, "new", STYLIST)
    trial.add_pair(box, "almond", SIZE, WIDTH, "sample", STYLIST)
    with pytest.raises(DomainError, match="at most 2 pairs"):
        trial.add_pair(box, "cherry", SIZE, WIDTH, "new", STYLIST)
    assert len(box.pairs) == 2


def test_refusals_name_their_field():
    shelf("cherry", pairs=0)
    box = requested_box()
    assert db.session.scalar(select(Colour.id).join(Style).where(Style.slug == "strap-heel", Colour.slug == "silver"))
    cases = [
        (("mauve", SIZE, WIDTH, "new"), "colour"),
        (("silver", SIZE, WIDTH, "new"), "colour"),  # the strap heel's: classic pumps only
        (("black", None, WIDTH, "new"), "size"),
        (("black", SIZE, "X", "new"), "width"),
        (("black", SIZE, WIDTH, "worn"), "condition"),
        (("cherry", SIZE, WIDTH, "new"), "size"),  # none on the shelf
    ]
    for args, field in cases:
        with pytest.raises(DomainError) as refused:
            trial.add_pair(box, *args, STYLIST)
        assert refused.value.field == field, args
    assert "sample from the studio" in str(refused.value)
    assert box.pairs == []


def test_no_sample_for_a_customer_who_asked_for_new_pairs():
    box = requested_box()
    box.answers = {**box.answers, "condition": "new"}
    with pytest.raises(DomainError, match="new pairs only") as refused:
        trial.add_pair(box, "almond", SIZE, WIDTH, "sample", STYLIST)
    assert refused.value.field == "condition"


# --- The checklist and box ready -------------------------------------------------------


def test_box_ready_is_refused_until_every_pair_has_its_checklist_done():
    shelf("black")
    box = requested_box()
    with pytest.raises(DomainError, match="at least one pair"):
        trial.box_ready(box, STYLIST)
    new = trial.add_pair(box, "black", SIZE, WIDTH, "new", STYLIST)
    sample = trial.add_pair(box, "almond", SIZE, WIDTH, "sample", STYLIST)
    trial.set_checklist(box, new.id, ALL_CHECKS, STYLIST)
    trial.set_checklist(box, sample.id, {"lining_cleaned"}, STYLIST)
    with pytest.raises(DomainError) as refused:
        trial.box_ready(box, STYLIST)
    assert "Almond, US 8½ Medium (sample) (condition photographed, sole protectors on)" in refused.value.message
    assert "Black" not in refused.value.message
    trial.set_checklist(box, sample.id, ALL_CHECKS, STYLIST)
    trial.box_ready(box, STYLIST)
    assert box.state is TrialState.CURATED
    assert db.session.get(Order, box.order_id).events[-1].kind is EventKind.TRIAL_CURATED
    with pytest.raises(DomainError, match="Reopen"):
        trial.add_pair(box, "black", SIZE + 1, WIDTH, "sample", STYLIST)


# --- Cancelling ------------------------------------------------------------------------


def test_cancelling_puts_new_pairs_back_voids_the_hold_once_and_emails_the_customer():
    box = curated()
    variant = db.session.get(Variant, box.pairs[0].line.variant_id)
    on_shelf = variant.stock
    with current_app.test_request_context():
        trial.cancel(box, "  Out of the   sizes you need ", STYLIST)
    db.session.commit()
    assert box.state is TrialState.CANCELLED and box.hold_released_at is not None
    order = db.session.get(Order, box.order_id)
    assert order.state is OrderState.CANCELLED
    hold = db.session.scalar(select(SandboxPayment).where(SandboxPayment.payment_ref == box.hold_ref))
    assert hold.status == "voided"
    db.session.refresh(variant)
    assert variant.stock == on_shelf + 1 and catalog.ledger_explains(variant.id)
    [mail] = emails("trial_cancelled")
    assert "Reason: Out of the sizes you need" in mail.text_body and "$1 hold" in mail.text_body
    with pytest.raises(DomainError, match="can no longer be cancelled"):
        trial.cancel(box, "again", STYLIST)
    assert not trial.release_hold(box, STYLIST)  # once
    kinds = [e.kind for e in order.events]
    assert kinds.count(EventKind.TRIAL_HOLD_RELEASED) == 1 and EventKind.TRIAL_CANCELLED in kinds
    assert trial.open_box_for("tess@example.com") is None  # free to ask again


def test_a_hold_that_lapsed_is_recorded_as_released():
    box = requested_box()
    with clock.freeze(clock.now() + timedelta(days=8)):
        with current_app.test_request_context():
            trial.cancel(box, "Customer asked", STYLIST)
    order = db.session.get(Order, box.order_id)
    released = next(e for e in order.events if e.kind is EventKind.TRIAL_HOLD_RELEASED)
    assert released.params["lapsed"] is True and box.hold_released_at is not None


def test_a_cancel_needs_a_reason():
    box = requested_box()
    with pytest.raises(DomainError) as refused:
        trial.cancel(box, "   ", STYLIST)
    assert refused.value.field == "reason" and box.state is TrialState.REQUESTED


# --- Shipping --------------------------------------------------------------------------


def test_shipping_a_ready_box_makes_its_parcel_and_return_label_and_emails_the_customer():
    box = shipped()
    assert box.state is TrialState.SHIPPED
    shipment = trial.box_shipment(box)
    assert (shipment.carrier, shipment.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert sorted(line.id for line in shipment.lines) == sorted(p.line.id for p in box.pairs)
    label = trial.return_label(box)
    assert label.carrier == "UPS" and label.tracking_number.startswith("1Z") and label.round == 1
    assert label.tracking_number != shipment.tracking_number
    assert trial.return_label_pdf(box).startswith(b"%PDF")
    assert trial.shipping_label_pdf(box).startswith(b"%PDF")
    [mail] = emails("trial_shipped")
    body = mail.text_body
    assert "Black Leather, US 8½ Medium (new): a new pair, $295" in body
    assert "Almond, US 8½ Medium (sample): an almost-new sample, cleaned; $206 if you keep it" in body
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in body
    assert "start the day the box is delivered" in body and label.tracking_number in body
    # The orders page neither ships nor cancels a trial box.
    order = db.session.get(Order, box.order_id)
    assert order_service.lines_to_fulfil(order) == []


def test_only_a_ready_box_ships_and_the_number_is_checked_like_an_order():
    box = curated()
    with pytest.raises(DomainError) as refused:
        trial.ship(box, "UPS", "12345", STYLIST)
    assert refused.value.field == "tracking_number"
    with pytest.raises(DomainError) as refused:
        trial.ship(box, "DHL", "1Z999AA10123456784", STYLIST)
    assert refused.value.field == "carrier"
    trial.reopen(box, STYLIST)
    with pytest.raises(DomainError, match="marked ready"):
        trial.ship(box, "UPS", "1Z999AA10123456784", STYLIST)


# --- Delivery opens the window ---------------------------------------------------------

MONDAY_DEC_7 = datetime(2026, 12, 7, 14, 30, tzinfo=store_tz())


def test_a_staff_delivery_scan_opens_the_window_to_the_end_of_delivery_plus_seven():
    box = shipped()
    with clock.freeze(MONDAY_DEC_7 + timedelta(hours=3)):
        with current_app.test_request_context():
            order_service.record_scan(trial.box_shipment(box), ScanKind.DELIVERED, MONDAY_DEC_7, STYLIST)
            assert trial.sync_box(box)
    db.session.commit()
    assert box.state is TrialState.DELIVERED
    assert box.delivered_at == MONDAY_DEC_7  # the scan's time, not when we noticed
    assert box.window_ends_at == datetime(2026, 12, 14, 23, 59, 59, tzinfo=store_tz())
    assert box.exchange_until == MONDAY_DEC_7 + timedelta(hours=24)
    db.session.expire_all()  # as the database gives it back (in UTC): still Monday the 14th in New York
    assert trial.last_day(db.session.get(TrialBox, box.id)).isoformat() == "2026-12-14"
    [mail] = emails("trial_window_open")
    assert "The last day to decide is Monday, December 14, 2026" in mail.text_body
    assert emails("order_delivered") == []  # the trial's email says it
    event = db.session.get(Order, box.order_id).events[-1]
    assert event.kind is EventKind.TRIAL_WINDOW_OPENED and event.params["last_day"] == "2026-12-14"


def post_scan(client, status: str, number: str, at: datetime, event_id: str):
    import json

    body = json.dumps({"event_id": event_id, "carrier": "UPS", "tracking_number": number, "status": status,
                       "occurred_at": at.isoformat(), "location": "Brooklyn, NY"}).encode()
    signature = tracking_webhooks.signature(body, current_app.config["TRACKING_WEBHOOK_SECRET"])
    return client.post("/webhooks/tracking", data=body,
                       headers={tracking_webhooks.SIGNATURE_HEADER: signature, "Content-Type": "application/json"})


def test_the_carrier_webhook_and_the_job_open_the_window_once(client):
    box = shipped()
    assert post_scan(client, "delivered", "1Z999AA10123456784", MONDAY_DEC_7, "evt-1").status_code == 200
    db.session.expire_all()
    assert db.session.get(TrialBox, box.id).state is TrialState.SHIPPED  # until the job (or a page) looks
    with clock.freeze(MONDAY_DEC_7 + timedelta(minutes=5)):
        assert trial.open_windows(clock.now()) == 1
        db.session.commit()
        assert trial.open_windows(clock.now()) == 0
        report = run_jobs()
    assert report.ok, report.errors
    box = db.session.get(TrialBox, box.id)
    assert box.state is TrialState.DELIVERED
    assert box.window_ends_at == datetime(2026, 12, 14, 23, 59, 59, tzinfo=store_tz())
    assert len(emails("trial_window_open")) == 1
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.id == box.order_id)) == 1


def test_open_windows_is_a_registered_job_and_two_runs_email_once():
    from ally_web.jobs import JOBS

    assert ("trial windows", trial.open_windows) in JOBS
    box = shipped()
    with current_app.test_request_context():
        order_service.record_scan(trial.box_shipment(box), ScanKind.DELIVERED, MONDAY_DEC_7, CARRIER)
    db.session.commit()
    with clock.freeze(MONDAY_DEC_7 + timedelta(hours=1)):
        first, second = run_jobs(), run_jobs()
    assert first.results["trial windows"] == 1 and second.results["trial windows"] == 0
    assert len(emails("trial_window_open")) == 1


def test_a_box_in_transit_stays_shipped():
    box = shipped()
    with current_app.test_request_context():
        order_service.record_scan(trial.box_shipment(box), ScanKind.IN_TRANSIT, clock.now(), CARRIER)
    assert not trial.sync_box(box) and trial.open_windows(clock.now()) == 0
    assert box.state is TrialState.SHIPPED and box.window_ends_at is None



def test_a_size_exchange_is_a_second_round_curated_and_shipped_the_same_way():
    from ally_web.core.actors import CUSTOMER
    from ally_web.services.lifecycle import transition

    box = shipped()
    with current_app.test_request_context():
        order_service.record_scan(trial.box_shipment(box), ScanKind.DELIVERED, MONDAY_DEC_7, CARRIER)
        trial.sync_box(box)
    first_exchange_until = box.exchange_until
    # The customer asks for another size (their side of the trial moves the box).
    transition(box, trial.TRIAL, TrialState.EXCHANGE_REQUESTED, actor=CUSTOMER, order=box.order)
    db.session.commit()
    [row] = [row for row in trial.queue() if row.box.id == box.id]
    assert row.exchange and row.pairs_chosen == 0 and trial.current_round(box) == 2
    shelf("black", halves=SIZE + 1)
    pair = trial.add_pair(box, "black", SIZE + 1, WIDTH, "new", STYLIST)
    assert pair.round == 2 and db.session.get(Order, box.order_id).subtotal_cents == 29500
    trial.set_checklist(box, pair.id, ALL_CHECKS, STYLIST)
    trial.box_ready(box, STYLIST)
    trial.reopen(box, STYLIST)
    assert box.state is TrialState.EXCHANGE_REQUESTED  # still the exchange round
    trial.box_ready(box, STYLIST)
    with current_app.test_request_context():
        trial.ship(box, "UPS", "1Z999AA10123456785", STYLIST)
        second = trial.box_shipment(box)
        assert [line.id for line in second.lines] == [pair.line.id]
        assert trial.return_label(box).round == 2
        later = MONDAY_DEC_7 + timedelta(days=2)
        order_service.record_scan(second, ScanKind.DELIVERED, later, CARRIER)
        assert trial.sync_box(box)
    assert box.delivered_at == later
    assert box.window_ends_at == datetime(2026, 12, 16, 23, 59, 59, tzinfo=store_tz())
    assert box.exchange_until == first_exchange_until  # no second exchange
    assert [p.round for p in trial.round_pairs(box)] == [2]
