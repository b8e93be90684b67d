"""Pairs refused at inspection (worn) go back to the customer.

The customer keeps what they paid for a pair we could not take back, so the studio
boxes it and ships it to the order's address at the brand's cost, like any parcel:
staff choose the carrier, enter the tracking number (checked in the carrier's format
and not used before), print the 4×6 label from the order's page, and the customer is
emailed the tracking link. The parcel is tracked like any other (its scans reach the
timeline); its delivery changes nothing else: the return window is the first
delivery's.

The request itself is already closed (refund or replacement done); this parcel is
its last step, and the returns queue keeps it in view until it leaves.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.gateways.carriers import get_carrier
from ally_web.models import (
    EventKind,
    ReturnAction,
    ReturnItem,
    ReturnRequest,
    ReturnState,
    Shipment,
    ShipmentPurpose,
)
from ally_web.services.lifecycle import record_event
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url, unused_tracking_number


def refused_items(request: ReturnRequest) -> list[ReturnItem]:
    """The pairs inspection refused (worn): they belong to the customer still."""
    return [i for i in request.items if i.action is not ReturnAction.FEEDBACK and i.accepted is False]


def waiting_to_send_back(request: ReturnRequest) -> bool:
    return request.sent_back is None and bool(refused_items(request))


def requests_to_send_back() -> list[ReturnRequest]:
    """Inspected requests whose refused pairs are still at the studio, oldest first."""
    refused = exists().where(ReturnItem.request_id == ReturnRequest.id, ReturnItem.accepted.is_(False),
                             ReturnItem.action != ReturnAction.FEEDBACK)
    return list(db.session.scalars(
        select(ReturnRequest).options(selectinload(ReturnRequest.items), selectinload(ReturnRequest.order))
        .where(ReturnRequest.state.in_((ReturnState.INSPECTED, ReturnState.CLOSED)),
               ReturnRequest.sent_back_id.is_(None), refused)
        .order_by(ReturnRequest.created_at, ReturnRequest.id)
    ))


def send_back(request: ReturnRequest, carrier_name: str, tracking_number: str, actor: Actor) -> Shipment:
    """Ship the refused pairs back to the customer. Raises DomainError: nothing to
    send (no field), unknown carrier ("carrier"), a number not in the carrier's
    format or already used ("tracking_number")."""
    pairs = sum(i.quantity for i in refused_items(request))
    if request.state not in (ReturnState.INSPECTED, ReturnState.CLOSED) or not pairs:
        raise DomainError("Only pairs refused at inspection are sent back.")
    if request.sent_back is not None:
        raise DomainError(f"These pairs were sent back already ({request.sent_back.carrier} "
                          f"{request.sent_back.tracking_number}).")
    carrier, number = unused_tracking_number(carrier_name, tracking_number)
    order = request.order
    moment = clock.now()
    request.sent_back = Shipment(order=order, carrier=carrier, tracking_number=number, shipped_at=moment,
                                 purpose=ShipmentPurpose.SENT_BACK)
    record_event(order, EventKind.RETURN_SENT_BACK, actor, moment, return_id=request.id, pairs=pairs,
                 carrier=carrier, tracking_number=number)
    db.session.flush()
    enqueue_email(to=order.email, subject=f"Your pairs are on their way back to you (order #{order.number})",
                  template="return_sent_back", kind="return_sent_back", order_id=order.id, order=order,
                  request=request, items=refused_items(request), shipment=request.sent_back,
                  tracking_url=get_carrier(carrier).tracking_url(number), status_url=status_url(order))
    return request.sent_back
