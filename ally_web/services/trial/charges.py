"""Money at the end of a trial: charged once, never lost.

What is owed is a ``TrialCharge`` row (the final charge: the kept pairs, or every
pair on expiry; or a damage fee per pair), written in the same transaction as the
decision, expiry or inspection that makes it due. The jobs charge it off-session on
the saved card:

1. claim the row (``services.claims.claim``: row locks on PostgreSQL) and fix the
   attempt's idempotency key (``trial:<box>:<slot>:<attempt>``), committed *before*
   the provider is called;
2. call ``charge_saved`` with that key;
3. record the answer and commit.

A runner that dies between 1 and 3 leaves the row "charging"; once the claim is stale
another run repeats the call *with the same key*, and the provider answers with the
first result instead of charging again. Two runners never hold the same row.

A decline is a state, not a loss: the charge becomes "failed", the customer is
emailed a link to pay on the provider's hosted page (the trial page), the jobs try
the card again after each decline (``policy.TRIAL_CHARGE_RETRY_HOURS``), each try
with a new key, and after the last one the charge waits in the staff queue. Paying
by the link claims the row the same way a retry does (a compare-and-set from
"failed"): if a retry holds it or has succeeded, the link's authorization is voided
instead of captured, so the customer is never charged twice.

The card's hold (the check at sign-up) is voided once nothing more can be charged
for the box, or lapses on its own.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, or_, select, update

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CUSTOMER, SYSTEM, Actor
from ally_web.core.errors import DomainError, NotFound
from ally_web.core.formatting import card
from ally_web.extensions import db
from ally_web.gateways.payments import PaymentError, PaymentGateway, PaymentResult, get_gateway
from ally_web.models import (
    EventKind,
    TrialBox,
    TrialCharge,
    TrialChargeKind,
    TrialChargeState,
    TrialPair,
)
from ally_web.services.audit import record_audit
from ally_web.services.claims import claim
from ally_web.services.lifecycle import record_event
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url

log = logging.getLogger(__name__)

CLAIM_STALE = timedelta(minutes=10)
KIND_WORDS = {
    TrialChargeKind.KEPT: "the pairs you kept",
    TrialChargeKind.EXPIRED: "every pair in your trial box (no answer by the last day)",
    TrialChargeKind.DAMAGE: "a damage fee",
}


def add_charge(box: TrialBox, kind: TrialChargeKind, amount_cents: int, *, pair: TrialPair | None = None,
               reason: str = "", slot: str | None = None) -> TrialCharge:
    """Owe ``amount_cents`` on the box: due now, charged by the next jobs run. The
    slot (one charge each per box) is "final", a damage fee's "damage:<pair>", or
    the one given."""
    slot = slot or (f"damage:{pair.id}" if pair is not None else "final")
    charge = TrialCharge(box=box, kind=kind, slot=slot, pair_id=pair.id if pair is not None else None,
                         amount_cents=amount_cents, state=TrialChargeState.DUE, reason=reason, attempts=0,
                         created_at=clock.now())
    db.session.add(charge)
    db.session.flush()
    return charge


def _due(now: datetime):
    return or_(
        TrialCharge.state == TrialChargeState.DUE,
        (TrialCharge.state == TrialChargeState.FAILED) & (TrialCharge.next_attempt_at <= now),
    )


def charge_due(now: datetime, gateway: PaymentGateway | None = None, batch: int = 50) -> int:
    """A job: charge what is due and retry what is due again. Returns charges made."""
    gateway = gateway or get_gateway()
    paid = 0
    for _ in range(batch):
        stale = now - CLAIM_STALE
        # A crashed attempt first: the same key again (the provider answers as before).
        ids = claim(TrialCharge, TrialCharge.state == TrialChargeState.CHARGING, TrialCharge.claimed_at < stale,
                    order_by=[TrialCharge.id], stamp={"claimed_at": now})
        if not ids:
            ids = claim(TrialCharge, _due(now), order_by=[TrialCharge.id],
                        stamp={"state": TrialChargeState.CHARGING, "claimed_at": now,
                               "attempts": TrialCharge.attempts + 1})
        if not ids:
            break
        charge = db.session.get_one(TrialCharge, ids[0], populate_existing=True)
        paid += _attempt(charge, gateway, now)
        db.session.commit()
    return paid


def _attempt(charge: TrialCharge, gateway: PaymentGateway, now: datetime) -> int:
    box = charge.box
    order = box.order
    assert order is not None and box.payment_method
    try:
        result = gateway.charge_saved(box.payment_method, charge.amount_cents, idempotency_key=charge.key,
                                      description=f"ALLY trial #{order.number}: {KIND_WORDS[charge.kind]}")
    except PaymentError as error:  # a refused call (not a decline): staff look at it
        log.error("Trial charge %s refused by the provider: %s", charge.id, error.message)
        _declined(charge, "card_declined", now, retry=False)
        return 0
    if result.status == "captured":
        _paid(charge, result, now)
        return 1
    _declined(charge, result.failure_code or "card_declined", now)
    return 0


def _paid(charge: TrialCharge, result: PaymentResult, now: datetime, actor: Actor = SYSTEM) -> None:
    box = charge.box
    order = box.order
    assert order is not None
    charge.state = TrialChargeState.PAID
    charge.payment_ref = result.payment_ref
    charge.paid_at = now
    charge.failure_code = None
    charge.next_attempt_at = None
    charge.claimed_at = None
    record_event(order, EventKind.TRIAL_CHARGED, actor, now, charge=str(charge.kind), amount_cents=charge.amount_cents,
                 card_brand=result.card_brand or box.card_brand, card_last4=result.card_last4 or box.card_last4)
    enqueue_email(to=order.email, subject=f"Your ALLY trial #{order.number}: receipt", template="trial_charged",
                  kind="trial_charged", order_id=order.id, order=order, box=box, charge=charge,
                  what=KIND_WORDS[charge.kind], card=card(result.card_brand or box.card_brand,
                                                          result.card_last4 or box.card_last4),
                  status_url=status_url(order))
    if not open_charges(box, excluding=charge):
        release_hold(box, actor)


def _declined(charge: TrialCharge, code: str, now: datetime, retry: bool = True) -> None:
    box = charge.box
    order = box.order
    assert order is not None
    first_failure = charge.state is not TrialChargeState.FAILED and charge.failure_code is None
    charge.state = TrialChargeState.FAILED
    charge.failure_code = code
    charge.claimed_at = None
    charge.next_attempt_at = next_attempt(charge, now) if retry else None
    record_event(order, EventKind.TRIAL_CHARGE_FAILED, SYSTEM, now, charge=str(charge.kind),
                 amount_cents=charge.amount_cents, failure_code=code, retry=charge.next_attempt_at is not None)
    if first_failure or charge.next_attempt_at is None:
        enqueue_email(to=order.email, subject=f"Your ALLY trial #{order.number}: the payment did not go through",
                      template="trial_charge_failed", kind="trial_charge_failed", order_id=order.id, order=order,
                      box=box, charge=charge, what=KIND_WORDS[charge.kind], status_url=status_url(order))


def next_attempt(charge: TrialCharge, now: datetime) -> datetime | None:
    """When the card is tried again after this declined attempt, or None: staff follow up."""
    retries = policy.TRIAL_CHARGE_RETRY_HOURS
    done = charge.attempts - 1  # retries made so far (the first attempt is not one)
    return now + timedelta(hours=retries[done]) if done < len(retries) else None


def open_charges(box: TrialBox, excluding: TrialCharge | None = None) -> list[TrialCharge]:
    return [c for c in box.charges if c is not excluding and c.state is not TrialChargeState.PAID]


def failed_charges() -> list[TrialCharge]:
    """The staff queue: declined charges, oldest first (those with no retry left first)."""
    return list(db.session.scalars(
        select(TrialCharge).where(TrialCharge.state == TrialChargeState.FAILED)
        .order_by(TrialCharge.next_attempt_at.is_not(None), TrialCharge.created_at)))


def retry_now(charge_id: int, actor: Actor) -> TrialCharge:
    """Staff, after a word with the customer: try a declined charge again at the next
    jobs run (with a new key, like any retry). Refused if it is no longer declined."""
    moved = db.session.execute(
        update(TrialCharge).where(TrialCharge.id == charge_id, TrialCharge.state == TrialChargeState.FAILED)
        .values(next_attempt_at=clock.now()))
    charge = db.session.get(TrialCharge, charge_id, populate_existing=True)
    if charge is None:
        raise NotFound("No such trial charge.")
    if cast(CursorResult, moved).rowcount != 1:
        raise DomainError("This charge is no longer declined (paid meanwhile, or being tried); nothing was changed.")
    order = charge.box.order
    record_audit(actor, "trial.charge_retry", f"Trial #{order.number if order else charge.box_id}",
                 {"charge_id": charge.id, "amount_cents": charge.amount_cents})
    return charge


def release_hold(box: TrialBox, actor: Actor = SYSTEM) -> bool:
    """Void the sign-up hold, once (key ``trial:<box>:hold:void``); a hold that
    lapsed on its own is recorded as released all the same. False if there was
    nothing to release, or if the provider refused the void (logged; the box keeps
    its hold and the closing job tries again)."""
    if box.hold_ref is None or box.hold_released_at is not None:
        return False
    lapsed = False
    try:
        get_gateway().void(box.hold_ref, idempotency_key=f"trial:{box.id}:hold:void")
    except PaymentError as error:
        if error.code != "authorization_expired":
            log.warning("Could not void the hold of trial box %s: %s", box.id, error.message)
            return False
        lapsed = True
    box.hold_released_at = clock.now()
    if box.order is not None:
        record_event(box.order, EventKind.TRIAL_HOLD_RELEASED, actor, box.hold_released_at,
                     amount_cents=box.hold_cents, lapsed=lapsed)
    return True


# --- Paying by the link, after a decline ------------------------------------------------


def start_payment(charge: TrialCharge, gateway: PaymentGateway, return_url: str, cancel_url: str) -> str:
    """The customer pays a declined charge on the provider's hosted page."""
    if charge.state is not TrialChargeState.FAILED:
        raise DomainError("There is nothing to pay on this trial right now.")
    order = charge.box.order
    assert order is not None
    session = gateway.create_session(
        amount_cents=charge.amount_cents, currency=policy.CURRENCY, mode="card",
        description=f"ALLY trial #{order.number}: {KIND_WORDS[charge.kind]}", return_url=return_url,
        cancel_url=cancel_url, idempotency_key=f"{charge.key}:link:{clock.now().timestamp():.0f}",
        metadata={"trial_charge": charge.id})
    charge.pay_session = session.id
    return session.url


def charge_for_payment(session_id: str) -> TrialCharge | None:
    return db.session.scalar(select(TrialCharge).where(TrialCharge.pay_session == session_id[:64]))


def complete_payment(session_id: str, gateway: PaymentGateway) -> TrialCharge:
    """Back from the hosted page: capture it, unless the charge was paid meanwhile
    (then the new authorization is voided). Raises NotFound or DomainError."""
    charge = charge_for_payment(session_id)
    if charge is None:
        raise NotFound("We could not find that payment.")
    result = gateway.retrieve(session_id)
    if result.status != "authorized" or result.payment_ref is None:
        if charge.state is TrialChargeState.PAID:
            return charge
        raise DomainError(result.failure_message or "Your payment is not finished yet.")
    key = f"trial:{charge.box_id}:{charge.slot}:link:{result.payment_ref}"
    now = clock.now()
    taken: CursorResult = db.session.execute(  # type: ignore[assignment]
        update(TrialCharge).where(TrialCharge.id == charge.id, TrialCharge.state == TrialChargeState.FAILED)
        .values(state=TrialChargeState.CHARGING, claimed_at=now).execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # paid meanwhile, or a retry is charging the card right now
        gateway.void(result.payment_ref, idempotency_key=f"{key}:void")
        db.session.refresh(charge)
        return charge
    db.session.refresh(charge)
    captured = gateway.capture(result.payment_ref, charge.amount_cents, idempotency_key=f"{key}:capture")
    _paid(charge, captured, now, actor=CUSTOMER)
    return charge
