"""The end of a trial: keep or return (and another size within 24 hours), the charge
made once, a declined charge retried and payable by link, reminders, expiry, the
pairs back inspected with damage fees, and closing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CARRIER, CUSTOMER, SYSTEM
from ally_web.core.errors import DomainError
from ally_web.core.formatting import money
from ally_web.extensions import db
from ally_web.gateways.payments import get_gateway, sandbox_session
from ally_web.gateways.payments.sandbox import sandbox_authorize
from ally_web.models import (
    EventKind,
    OutboxMessage,
    SandboxPayment,
    ShipmentPurpose,
    StockMovement,
    TrialChargeKind,
    TrialChargeState,
    TrialDecision,
    TrialState,
)
from ally_web.services import returns, trial
from tests.test_returns import photo
from tests.trial_flow import STAFF, delivered_box

DECLINES_LATER = "4000000000000341"  # saves and holds, declines off-session charges
RETAIL = 29500


def choose(box, *decisions):
    return {pair.id: d for pair, d in zip(box.current_pairs, decisions, strict=True)}


def charges(box, kind=None):
    return [c for c in box.charges if kind is None or c.kind is kind]


def mails(kind):
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def payments(mode="card"):
    return list(db.session.scalars(select(SandboxPayment).where(SandboxPayment.mode == mode,
                                                                SandboxPayment.amount_cents > 100)))


def test_the_window_reads_from_the_delivery_date(app):
    with clock.freeze(datetime(2026, 12, 7, 15, 0)):
        box = delivered_box()
        window = trial.window_of(box)
        assert str(window.last_day) == "2026-12-14" and window.ends_at.strftime("%H:%M:%S") == "23:59:59"
        assert str(window.charge_on) == "2026-12-15" and window.days_left == 8 and window.open
        assert window.exchange_open
    with clock.freeze(datetime(2026, 12, 8, 15, 1)):  # 24 hours and a minute after delivery
        window = trial.window_of(box)
        assert window.open and not window.exchange_open and window.days_left == 7
    with clock.freeze(datetime(2026, 12, 14, 23, 59, 59)):
        assert trial.window_of(box).open and trial.window_of(box).days_left == 1
    with clock.freeze(datetime(2026, 12, 15, 0, 0)):
        assert not trial.window_of(box).open


def test_keep_one_return_one_charges_the_kept_pair_once_and_releases_the_hold(app):
    box = delivered_box()  # a new black pair and an almond sample
    trial.decide(box, choose(box, "keep", "return"), CUSTOMER)
    db.session.commit()
    assert box.state is TrialState.DECIDED
    [charge] = charges(box)
    assert charge.kind is TrialChargeKind.KEPT and charge.amount_cents == RETAIL
    assert trial.return_parcel(box).purpose is ShipmentPurpose.RETURN
    assert trial.charge_due(clock.now()) == 1
    assert trial.charge_due(clock.now()) == 0  # a second run finds nothing to do
    assert charge.state is TrialChargeState.PAID
    [paid] = payments()
    assert paid.status == "captured" and paid.amount_cents == RETAIL
    hold = db.session.scalar(select(SandboxPayment).where(SandboxPayment.payment_ref == box.hold_ref))
    assert hold.status == "voided" and box.hold_released_at is not None
    assert mails("trial_charged") and "$295" in mails("trial_charged")[0].text_body


def test_a_kept_sample_costs_its_discounted_price(app):
    box = delivered_box()
    trial.decide(box, choose(box, "return", "keep"), CUSTOMER)
    sample = box.current_pairs[1]
    assert sample.keep_cents == RETAIL * (100 - policy.SAMPLE_PAIR_DISCOUNT_PERCENT) // 100 // 100 * 100
    assert charges(box)[0].amount_cents == sample.keep_cents


def test_returning_everything_charges_nothing_and_releases_the_hold_at_once(app):
    box = delivered_box()
    trial.decide(box, choose(box, "return", "return"), CUSTOMER)
    assert not charges(box) and box.hold_released_at is not None
    assert [e.kind for e in box.order.events][-2:] == [EventKind.TRIAL_DECIDED, EventKind.TRIAL_HOLD_RELEASED]


def test_every_pair_needs_a_choice_and_the_window_must_be_open(app):
    box = delivered_box()
    with pytest.raises(trial.DecisionInvalid) as invalid:
        trial.decide(box, {box.current_pairs[0].id: "keep"}, CUSTOMER)
    assert list(invalid.value.errors) == [f"pair-{box.current_pairs[1].id}"]
    with clock.freeze(clock.now() + timedelta(days=8)):
        with pytest.raises(DomainError, match="Decide|closed|ended|trial"):
            trial.decide(box, choose(box, "keep", "keep"), CUSTOMER)


def test_no_answer_by_the_end_charges_retail_for_everything_once(app):
    box = delivered_box()
    end = box.window_ends_at
    with clock.freeze(end - timedelta(seconds=1)):
        assert trial.expire_boxes(clock.now()) == 0
    after = end + timedelta(seconds=1)
    with clock.freeze(after):
        assert trial.expire_boxes(after) == 1
        assert trial.expire_boxes(after) == 0  # twice: still one
        db.session.refresh(box)
        assert box.state is TrialState.EXPIRED
        [charge] = charges(box)
        assert charge.kind is TrialChargeKind.EXPIRED and charge.amount_cents == 2 * RETAIL  # the sample at retail
        trial.charge_due(after)
        assert charge.state is TrialChargeState.PAID
        assert len(payments()) == 1
        with pytest.raises(DomainError, match="no longer accepted"):
            trial.decide(box, choose(box, "return", "return"), CUSTOMER)
        assert mails("trial_expired")


def test_a_crash_after_the_provider_charged_repeats_the_same_key_and_charges_once(app):
    box = delivered_box()
    trial.decide(box, choose(box, "keep", "return"), CUSTOMER)
    [charge] = charges(box)
    charge.state, charge.attempts, charge.claimed_at = TrialChargeState.CHARGING, 1, clock.now()
    db.session.commit()
    get_gateway().charge_saved(box.payment_method, charge.amount_cents, idempotency_key=charge.key)  # the lost call
    db.session.commit()
    assert trial.charge_due(clock.now()) == 0  # the claim is not stale yet: nobody touches it
    later = clock.now() + timedelta(minutes=11)
    assert trial.charge_due(later) == 1
    assert charge.state is TrialChargeState.PAID and len(payments()) == 1


def test_a_declined_charge_is_retried_then_left_to_staff_and_payable_by_link(app, client):
    box = delivered_box(card=DECLINES_LATER)
    trial.decide(box, choose(box, "keep", "return"), CUSTOMER)
    db.session.commit()
    now = clock.now()
    trial.charge_due(now)
    [charge] = charges(box)
    assert charge.state is TrialChargeState.FAILED and charge.next_attempt_at == now + timedelta(hours=24)
    assert len(mails("trial_charge_failed")) == 1
    assert trial.charge_due(now + timedelta(hours=23)) == 0 and charge.attempts == 1
    trial.charge_due(now + timedelta(hours=24))
    assert charge.attempts == 2 and charge.next_attempt_at == now + timedelta(hours=24 + 48)
    trial.charge_due(now + timedelta(hours=72))
    assert charge.attempts == 3 and charge.next_attempt_at is None  # staff follow up now
    assert trial.failed_charges() == [charge]
    assert len(mails("trial_charge_failed")) == 2  # the first decline and the last
    assert box.hold_released_at is None

    # The customer pays with another card on the provider's page.
    url = trial.start_payment(charge, get_gateway(), "http://localhost/trial/paid", "http://localhost/trial/paid")
    db.session.commit()
    sandbox_authorize(sandbox_session(charge.pay_session), "4242424242424242")
    db.session.commit()
    trial.complete_payment(charge.pay_session, get_gateway())
    db.session.commit()
    assert charge.state is TrialChargeState.PAID
    trial.complete_payment(charge.pay_session, get_gateway())  # the return page loaded twice
    captured = [p for p in payments() if p.status == "captured"]
    assert len(captured) == 1 and captured[0].amount_cents == RETAIL
    assert url and trial.failed_charges() == []


def test_paying_by_link_while_a_retry_holds_the_charge_voids_the_link_payment(app):
    box = delivered_box(card=DECLINES_LATER)
    trial.decide(box, choose(box, "keep", "return"), CUSTOMER)
    trial.charge_due(clock.now())
    [charge] = charges(box)
    trial.start_payment(charge, get_gateway(), "http://localhost/p", "http://localhost/p")
    sandbox_authorize(sandbox_session(charge.pay_session), "4242424242424242")
    charge.state = TrialChargeState.CHARGING  # a retry has just claimed it
    db.session.commit()
    trial.complete_payment(charge.pay_session, get_gateway())
    link_payment = db.session.scalar(select(SandboxPayment).where(SandboxPayment.session_id == charge.pay_session))
    assert link_payment.status == "voided" and charge.state is TrialChargeState.CHARGING


def test_reminders_go_48_and_24_hours_before_the_end_once_each(app):
    box = delivered_box()
    end = box.window_ends_at
    assert trial.send_reminders(end - timedelta(hours=49)) == 0
    assert trial.send_reminders(end - timedelta(hours=47)) == 1
    assert trial.send_reminders(end - timedelta(hours=46)) == 0
    assert trial.send_reminders(end - timedelta(hours=23)) == 1
    assert trial.send_reminders(end - timedelta(hours=2)) == 0
    [first, last] = mails("trial_reminder")
    assert "47 hours" in first.text_body and "23 hours" in last.text_body


def test_a_box_first_seen_in_its_last_day_gets_one_reminder(app):
    box = delivered_box()
    assert trial.send_reminders(box.window_ends_at - timedelta(hours=10)) == 1
    assert trial.send_reminders(box.window_ends_at - timedelta(hours=9)) == 0


def test_returned_pairs_are_inspected_good_goes_back_to_stock_damaged_pays_the_fee(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    box = delivered_box(pairs=(("black", 17, "M", "new"), ("black", 18, "M", "new")))
    trial.decide(box, choose(box, "return", "return"), CUSTOMER)
    db.session.commit()
    with pytest.raises(DomainError, match="receive"):
        trial.inspect(box, {}, STAFF)
    assert trial.receive(box, STAFF) == 2
    good, scuffed = box.current_pairs
    with pytest.raises(DomainError, match="what is damaged"):
        trial.inspect(box, {good.id: (True, ""), scuffed.id: (False, " ")}, STAFF)
    verdicts = {good.id: (True, ""), scuffed.id: (False, "Heel tip worn down, street grit")}
    with pytest.raises(DomainError, match="photos of the damage") as missing:
        trial.inspect(box, verdicts, STAFF)
    assert missing.value.field == f"photos-{scuffed.id}"
    before = db.session.scalar(select(func.count()).select_from(StockMovement))
    shot = returns.Upload("heel.jpg", photo())
    assert trial.inspect(box, verdicts, STAFF, photos={scuffed.id: [shot]}) == 1
    assert len(scuffed.photos) == 1 and not good.photos
    db.session.commit()
    moves = list(db.session.scalars(select(StockMovement).order_by(StockMovement.id.desc()).limit(
        db.session.scalar(select(func.count()).select_from(StockMovement)) - before)))
    assert [(m.reason, m.change) for m in moves] == [("trial_in", 1)]
    [fee] = charges(box, TrialChargeKind.DAMAGE)
    assert fee.amount_cents == policy.TRIAL_DAMAGE_FEE_CENTS and fee.reason == "Heel tip worn down, street grit"
    assert "Heel tip worn down" in mails("trial_inspected")[0].text_body
    assert box.state is TrialState.DECIDED  # the fee is not paid yet
    trial.charge_due(clock.now())
    assert fee.state is TrialChargeState.PAID
    assert trial.close_finished(clock.now()) == 1
    assert box.state is TrialState.CLOSED


def test_another_size_within_24_hours_sends_the_first_pairs_back(app):
    box = delivered_box()
    first, second = box.current_pairs
    trial.ask_exchange(box, {first.id: ("9", "M"), second.id: ("", "")}, "Toes touch the front", CUSTOMER)
    db.session.commit()
    assert box.state is TrialState.EXCHANGE_REQUESTED
    assert {p.decision for p in box.pairs} == {"return"}
    assert box.answers["exchange"]["asked"] == [{"pair_id": first.id, "size_halves": 18, "width": "M"}]
    assert trial.return_parcel(box) is not None and mails("trial_exchange")


def test_another_size_is_refused_after_24_hours_and_for_the_same_size(app):
    box = delivered_box()
    first = box.current_pairs[0]
    with pytest.raises(trial.DecisionInvalid) as invalid:
        trial.ask_exchange(box, {first.id: ("8.5", "M")}, "", CUSTOMER)
    assert "the size you have" in invalid.value.errors[f"pair-{first.id}"]
    with clock.freeze(clock.now() + timedelta(hours=24, minutes=1)):
        with pytest.raises(DomainError, match="24 hours"):
            trial.ask_exchange(box, {first.id: ("9", "M")}, "", CUSTOMER)
    assert box.state is TrialState.DELIVERED


def test_expiry_and_a_decision_racing_move_the_box_once(app):
    box = delivered_box()
    after = box.window_ends_at + timedelta(minutes=1)
    with clock.freeze(after):
        trial.expire_boxes(after)
        with pytest.raises(DomainError):
            trial.decide(box, choose(box, "return", "return"), SYSTEM)
    assert len(charges(box)) == 1


def test_a_kept_size_becomes_the_customers_size_and_the_page_offers_pairs_in_it(app, client):
    from ally_web.models import Customer
    from ally_web.services.orders import status_url

    box = delivered_box()  # a new Black Leather pair in US 8½ and an Almond sample in US 9
    new, sample = box.current_pairs
    trial.decide(box, choose(box, "return", "keep"), CUSTOMER)  # the sample is kept
    db.session.commit()
    customer = db.session.get(Customer, box.customer_id)
    assert (customer.size_halves, customer.width) == (18, "M")
    assert customer.size_confirmed_at is not None

    offers = trial.pair_offers(box)
    words = [offer.words for offer in offers]
    assert "A new pair instead of your Almond sample" in words
    assert offers[0].colour_slug == "almond" and (offers[0].size, offers[0].width) == ("9", "M")
    assert "Your favourite colour, Black Leather, in US 9" in words  # the first colour they ranked
    with client.application.test_request_context():
        page = client.get(status_url(box.order, external=False, endpoint="trial.box")).get_data(as_text=True)
    assert "Made for your size" in page and "colour=almond" in page and "A new pair instead of your Almond sample" in page


def test_sizes_that_differ_confirm_nothing_and_an_unanswered_box_offers_nothing(app):
    from ally_web.models import Customer

    box = delivered_box(email="two.sizes@example.com")  # US 8½ and US 9
    trial.decide(box, choose(box, "keep", "keep"), CUSTOMER)
    db.session.commit()
    customer = db.session.get(Customer, box.customer_id)
    assert customer.size_halves is None and trial.pair_offers(box) == []

    quiet = delivered_box(email="quiet@example.com")
    trial.expire_boxes(clock.now() + timedelta(days=9))
    db.session.commit()
    assert trial.pair_offers(quiet) == []


def test_pairs_never_handed_to_the_carrier_become_kept_and_are_charged_once(app):
    with clock.freeze(datetime(2026, 12, 7, 15, 0)):
        box = delivered_box()  # a new black pair and an almond sample
        trial.decide(box, choose(box, "keep", "return"), CUSTOMER)
        db.session.commit()
        sample = box.current_pairs[1]
        deadline = trial.send_back_by(box)
        assert deadline.strftime("%Y-%m-%d %H:%M:%S") == "2026-12-17 23:59:59"  # window's last day + 3
        assert "hand the parcel to the carrier by Dec 17, 2026, 11:59 PM EST" in mails("trial_decided")[0].text_body
    with clock.freeze(datetime(2026, 12, 17, 23, 59)):
        assert trial.charge_unreturned(clock.now()) == 0  # not yet
    with clock.freeze(datetime(2026, 12, 18, 0, 5)):
        late = clock.now()
    assert trial.charge_unreturned(late) == 1
    assert trial.charge_unreturned(late) == 0  # once
    db.session.expire_all()
    assert sample.decision is TrialDecision.KEEP and trial.send_back_by(box) is None
    unreturned = [c for c in charges(box) if c.slot == "unreturned"]
    assert [(c.kind, c.amount_cents) for c in unreturned] == [(TrialChargeKind.KEPT, sample.keep_cents)]
    assert box.order.events[-1].kind is EventKind.TRIAL_NOT_SENT_BACK
    [mail] = mails("trial_not_sent_back")
    assert "Dec 17, 2026, 11:59 PM EST" in mail.text_body and money(sample.keep_cents) in mail.text_body
    with pytest.raises(DomainError, match="on their way back"):
        trial.receive(box, STAFF)  # nothing to receive any more
    assert trial.charge_due(late) == 2  # the kept pair and the one never sent
    assert trial.close_finished(late) == 1


def test_a_return_parcel_the_carrier_scanned_is_not_charged(app):
    from ally_web.services.orders import record_scan

    with clock.freeze(datetime(2026, 12, 7, 15, 0)):
        box = delivered_box()
        trial.decide(box, choose(box, "return", "return"), CUSTOMER)
        db.session.commit()
    with clock.freeze(datetime(2026, 12, 16, 12, 0)):
        record_scan(trial.return_parcel(box), "in_transit", clock.now(), CARRIER)
        db.session.commit()
    assert trial.send_back_by(box) is None
    with clock.freeze(datetime(2026, 12, 25)):
        assert trial.charge_unreturned(clock.now()) == 0
    assert not charges(box) and {p.decision for p in box.pairs} == {TrialDecision.RETURN}
