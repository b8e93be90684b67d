"""Staff handle a return: review a damaged pair, receive the parcel, inspect each
pair, and refund what is accepted.

A pair is accepted, or refused as worn with a note the customer reads. An accepted
exchange adds the new pair to the order at no charge (``exchanges.py``). The refund is
each accepted pair's price and its share of the sales tax; shipping and duties only
when the pair was faulty and ``policy.REFUND_SHIPPING_WHEN_FAULTY`` is set. Accepted
pairs go back on the shelf (in-stock pairs; a made-to-order pair is checked by the
workshop first). One refund per request, with one idempotency key, so a repeated
click or a retry never refunds twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ally_web import policy
from ally_web.core.actors import CARRIER, SYSTEM, Actor
from ally_web.core.errors import DomainError
from ally_web.core.formatting import card
from ally_web.core.lifecycle import ChangedMeanwhile
from ally_web.extensions import db
from ally_web.gateways.payments import PaymentError, get_gateway
from ally_web.models import (
    EventKind,
    MovementReason,
    ReturnAction,
    ReturnItem,
    ReturnReason,
    ReturnRequest,
    ReturnState,
    Shipment,
    ShipmentScan,
)
from ally_web.services.catalog import lock_stock, put_back
from ally_web.services.lifecycle import record_event, transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url
from ally_web.services.returns.exchanges import send_replacement
from ally_web.services.returns.requests import approve, release_holds, stock_touched
from ally_web.services.returns.states import RETURN

MAX_NOTE_LENGTH = 500


def list_requests(states: tuple[ReturnState, ...] | None = None) -> list[ReturnRequest]:
    query = select(ReturnRequest).options(selectinload(ReturnRequest.items), selectinload(ReturnRequest.order))
    if states:
        query = query.where(ReturnRequest.state.in_(states))
    return list(db.session.scalars(query.order_by(ReturnRequest.created_at.desc(), ReturnRequest.id.desc())))


def get_request(request_id: int) -> ReturnRequest | None:
    return db.session.get(ReturnRequest, request_id)


def review(request: ReturnRequest, approved: bool, reason: str, actor: Actor) -> None:
    """A damaged or faulty pair, looked at: approve (the label follows) or refuse."""
    if request.state is not ReturnState.IN_REVIEW:
        raise DomainError("This return is not waiting for a review.")
    if approved:
        approve(request, actor)
        return
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Please say why: the customer's email quotes it.", field="reason")
    request.refused_reason = reason[:MAX_NOTE_LENGTH]
    release_holds(request, actor, "Exchange refused at review")
    transition(request, RETURN, ReturnState.REFUSED, actor=actor, order=request.order, return_id=request.id,
               reason=request.refused_reason)
    _email(request, "return_refused", "We can't take back your pairs")


def mark_received(request: ReturnRequest, actor: Actor) -> None:
    """The parcel is at the studio."""
    transition(request, RETURN, ReturnState.RECEIVED, actor=actor, order=request.order, return_id=request.id)
    _email(request, "return_received", "Your return has arrived")


def _email(request: ReturnRequest, template: str, subject: str) -> None:
    order = request.order
    enqueue_email(to=order.email, subject=f"{subject} (order #{order.number})", template=template, kind=template,
                  order_id=order.id, order=order, request=request, status_url=status_url(order))


@dataclass(frozen=True)
class Decision:
    accepted: bool
    note: str = ""


def refund_for(item: ReturnItem) -> int:
    line = item.line
    tax = round(line.sales_tax_cents * item.quantity / line.quantity) if line.quantity else 0
    return line.unit_price_cents * item.quantity + tax


def inspect(request: ReturnRequest, decisions: Mapping[int, Decision], actor: Actor) -> int:
    """Each pair sent back, accepted or refused as worn; then the refund and the
    email. Returns the cents refunded. Raises DomainError naming ``item-<id>``."""
    if request.state is not ReturnState.RECEIVED:
        raise DomainError("Record the parcel as received first.")
    items = [i for i in request.items if i.action is not ReturnAction.FEEDBACK]
    for item in items:
        decision = decisions.get(item.id)
        if decision is None:
            raise DomainError("Please accept or refuse every pair.", field=f"item-{item.id}")
        if not decision.accepted and not (decision.note or "").strip():
            raise DomainError("Please say what shows the pair was worn: the customer reads it.",
                              field=f"item-{item.id}")
    order = request.order
    refund = 0
    faulty = False
    for item in items:
        decision = decisions[item.id]
        item.accepted = decision.accepted
        item.inspection_note = (decision.note or "").strip()[:MAX_NOTE_LENGTH]
        item.refund_cents = refund_for(item) if decision.accepted and item.action is ReturnAction.RETURN else 0
        refund += item.refund_cents
        faulty = faulty or (decision.accepted and item.reason is ReturnReason.DAMAGED)
    lock_stock(stock_touched(items))  # replacements out, holds released, pairs back: one lock order
    replacements = [send_replacement(i, actor) for i in items if i.accepted and i.action is ReturnAction.EXCHANGE]
    release_holds(request, actor, "Exchange refused at inspection", [i for i in items if not i.accepted])
    if faulty and policy.REFUND_SHIPPING_WHEN_FAULTY:
        refund += order.shipping_cents + order.duties_cents + order.taxes_cents
    transition(request, RETURN, ReturnState.INSPECTED, actor=actor, order=order, return_id=request.id,
               accepted=sum(i.quantity for i in items if i.accepted),
               refused=sum(i.quantity for i in items if not i.accepted))
    if refund:
        try:
            result = get_gateway().refund(order.payment_ref, refund, idempotency_key=f"return:{request.token}:refund")
        except PaymentError as error:
            raise DomainError(f"The refund did not go through ({error.message}); nothing was recorded. "
                              "Please try again or check the payment provider.") from error
        record_event(order, EventKind.REFUNDED, actor, amount_cents=refund, card_brand=order.card_brand,
                     card_last4=order.card_last4, provider_status=result.status, return_id=request.id)
    put_back(((i.line.variant_id, i.quantity) for i in items if i.accepted and not i.line.made_to_order),
             reason=MovementReason.RETURNED, actor=actor, note=f"Return for order #{order.number}")
    transition(request, RETURN, ReturnState.CLOSED, actor=actor, order=order, return_id=request.id)
    db.session.flush()
    enqueue_email(to=order.email, subject=f"Your ALLY return for order #{order.number} is done",
                  template="return_inspected", kind="return_inspected", order_id=order.id, order=order,
                  request=request, items=items, refund_cents=refund, replacements=replacements,
                  card=card(order.card_brand, order.card_last4) if order.card_last4 else "the original payment",
                  status_url=status_url(order))
    return refund


def follow_return_parcels(now) -> int:
    """A job: a prepaid label the carrier has scanned puts its request in transit.
    (The scans come from the tracking webhook, which knows parcels, not returns.)"""
    waiting = db.session.scalars(
        select(ReturnRequest).join(Shipment, Shipment.id == ReturnRequest.shipment_id)
        .where(ReturnRequest.state == ReturnState.LABEL_ISSUED,
               select(ShipmentScan.id).where(ShipmentScan.shipment_id == Shipment.id).exists())
    ).all()
    moved = 0
    for request in waiting:
        try:
            transition(request, RETURN, ReturnState.IN_TRANSIT, actor=CARRIER, order=request.order,
                       return_id=request.id, carrier=request.shipment.carrier,  # type: ignore[union-attr]
                       tracking_number=request.shipment.tracking_number)  # type: ignore[union-attr]
        except ChangedMeanwhile:
            continue  # another runner, or staff marking it received, got there first
        moved += 1
    return moved


def chase_missing_parcels(now) -> int:
    """A job: a return holding a new pair whose parcel has not come is reminded once,
    ``policy.EXCHANGE_HOLD_REMINDER_DAYS`` before the hold ends; at the end the pair
    goes back on the shelf (the return itself stays open). Returns actions taken."""
    waiting = db.session.scalars(
        select(ReturnRequest).join(ReturnItem, ReturnItem.request_id == ReturnRequest.id)
        .where(ReturnItem.reserved.is_(True),
               ReturnRequest.state.in_((ReturnState.LABEL_ISSUED, ReturnState.AWAITING_TRACKING)))
        .distinct()
    ).all()
    done = 0
    hold = timedelta(days=policy.EXCHANGE_HOLD_DAYS)
    ending = [request for request in waiting if now >= request.created_at + hold]
    lock_stock(set().union(*(stock_touched([i for i in r.items if i.reserved]) for r in ending)))
    for request in waiting:
        ends = request.created_at + hold
        if now >= ends:
            if release_holds(request, SYSTEM, "Exchange hold ended: no parcel"):
                _email(request, "exchange_hold_released", "We've released the pair we held for you")
                done += 1
        elif now >= ends - timedelta(days=policy.EXCHANGE_HOLD_REMINDER_DAYS) and request.reminded_at is None:
            claimed = db.session.execute(
                update(ReturnRequest).where(ReturnRequest.id == request.id, ReturnRequest.reminded_at.is_(None))
                .values(reminded_at=now).execution_options(synchronize_session=False))
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                _email(request, "exchange_hold_reminder", "Your exchange is waiting for your parcel")
                done += 1
    return done
