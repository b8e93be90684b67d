"""A customer's request at /exchange: which pairs go back (for a refund or another
size), why, how they fit, and the conditions they confirm.

Every choice is checked by ``rules.py`` first. A request that sends nothing back (fit
feedback only) closes at once. Otherwise it is approved, unless a pair is damaged or
faulty: then it comes with photos (``photos.py``) and staff review it first. Approved
in the US, it gets a prepaid label on ``policy.RETURN_LABEL_CARRIER``; abroad the
customer ships at their own cost and tells us the carrier and tracking number. Either
way the parcel is tracked like any other (``Shipment`` with purpose "return").
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.core.tokens import could_be_token
from ally_web.extensions import db
from ally_web.gateways.carriers import ALLY_STUDIO, Address, LabelRequest, get_carrier
from ally_web.models import (
    EventKind,
    MovementReason,
    Order,
    ReturnAction,
    ReturnItem,
    ReturnReason,
    ReturnRequest,
    ReturnState,
    Shipment,
    ShipmentPurpose,
    Variant,
)
from ally_web.services.catalog import lock_stock, put_back, take_stock
from ally_web.services.lifecycle import record_event, transition
from ally_web.services.media import CleanImage
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url, unused_tracking_number
from ally_web.services.returns.exchanges import exchange_variant, parse_option
from ally_web.services.returns.photos import CHOOSE_AGAIN, Upload, check_photos, keep_photos
from ally_web.services.returns.rules import Choice, check_choices
from ally_web.services.returns.states import RETURN

REASONS = {
    ReturnReason.TOO_SMALL: "Too small",
    ReturnReason.TOO_BIG: "Too big",
    ReturnReason.TOO_NARROW: "Too narrow",
    ReturnReason.TOO_WIDE: "Too wide",
    ReturnReason.HEEL_SLIPS: "My heel slips",
    ReturnReason.PINCHES_TOE: "Pinches at the toe",
    ReturnReason.NOT_AS_PICTURED: "Not as pictured",
    ReturnReason.CHANGED_MIND: "I changed my mind",
    ReturnReason.DAMAGED: "Damaged or faulty",
}
CONDITIONS = {
    "box": "They go back in the box they came in.",
    "protectors": "The sole protectors are still on.",
    "carpet": "I only tried them on carpet.",
}
MAX_NOTE_LENGTH = 500


class RequestInvalid(DomainError):
    """``errors`` maps each form field (e.g. ``reason-12``) to its message."""

    def __init__(self, errors: dict[str, str], message: str = "Please look at the marked choices."):
        super().__init__(message)
        self.errors = errors


@dataclass
class ItemInput:
    line_id: int
    action: str  # "", "return", "exchange", "feedback"
    quantity: int = 1
    reason: str = ""
    note: str = ""
    exchange: str = ""  # "17-M": the size (in halves) and width wanted instead
    photos: list[Upload] = field(default_factory=list)  # needed when damaged or faulty


@dataclass
class RequestInput:
    items: list[ItemInput] = field(default_factory=list)
    conditions: set[str] = field(default_factory=set)


Parsed = tuple[list[tuple[ItemInput, ReturnAction, ReturnReason | None]], dict[int, list[CleanImage]],
               dict[str, str]]


def _parse(given: RequestInput) -> Parsed:
    """The pairs chosen, the cleaned photos of damaged ones by line id, and the
    errors by field."""
    errors: dict[str, str] = {}
    chosen = []
    photos: dict[int, list[CleanImage]] = {}
    for item in given.items:
        if not item.action:
            continue
        try:
            action = ReturnAction(item.action)
        except ValueError:
            errors[f"action-{item.line_id}"] = "Please choose a return, an exchange or feedback."
            continue
        reason = None
        if item.reason:
            try:
                reason = ReturnReason(item.reason)
            except ValueError:
                errors[f"reason-{item.line_id}"] = "Please choose a reason from the list."
        if action is not ReturnAction.FEEDBACK and reason is None and f"reason-{item.line_id}" not in errors:
            errors[f"reason-{item.line_id}"] = "Please tell us why it goes back."
        if len(item.note or "") > MAX_NOTE_LENGTH:
            errors[f"note-{item.line_id}"] = f"Please keep this under {MAX_NOTE_LENGTH} characters."
        if reason is ReturnReason.DAMAGED and action is not ReturnAction.FEEDBACK:
            cleaned, problem = check_photos(item.photos)
            if problem:
                errors[f"photos-{item.line_id}"] = problem
            else:
                photos[item.line_id] = cleaned
        chosen.append((item, action, reason))
    return chosen, photos, errors


def _ask_photos_again(given: RequestInput, errors: dict[str, str]) -> None:
    """The form goes back for corrections: the files chosen cannot come with it."""
    for item in given.items:
        if item.photos and f"photos-{item.line_id}" not in errors:
            errors[f"photos-{item.line_id}"] = CHOOSE_AGAIN


def create_request(order: Order, given: RequestInput, actor: Actor) -> ReturnRequest:
    """Check and keep a request for ``order``; returns it approved (label issued, or
    waiting for the customer's tracking), in review, or closed (feedback only).
    Raises RequestInvalid with a message per field."""
    chosen, photos, errors = _parse(given)
    if not chosen and not errors:
        _ask_photos_again(given, errors)
        raise RequestInvalid(errors, "Please choose at least one pair: to return, exchange, or just tell us how it "
                                     "fits.")
    refused = check_choices(order, [Choice(i.line_id, i.quantity, a) for i, a, _ in chosen])
    for line_id, why in refused.items():
        errors[f"action-{line_id}"] = why
    sends_back = [c for c in chosen if c[1] is not ReturnAction.FEEDBACK]
    if sends_back:
        missing = set(CONDITIONS) - set(given.conditions)
        if missing:
            errors["conditions"] = ("Please confirm each condition: unworn pairs go back in their box, with the "
                                    "sole protectors on, tried on carpet only.")
    wanted: dict[int, tuple[int, str]] = {}
    lines = {line.id: line for line in order.lines}
    for item, action, _ in chosen:
        if action is not ReturnAction.EXCHANGE or item.line_id not in lines:
            continue
        parsed = parse_option(item.exchange)
        if parsed is None or exchange_variant(lines[item.line_id], *parsed) is None \
                or parsed == (lines[item.line_id].size_halves, lines[item.line_id].width):
            errors[f"exchange-{item.line_id}"] = "Please choose the size you want instead, from the list."
        else:
            wanted[item.line_id] = parsed
    if errors:
        _ask_photos_again(given, errors)
        raise RequestInvalid(errors)

    moment = clock.now()
    request = ReturnRequest(order=order, token=secrets.token_urlsafe(32), created_at=moment, items=[
        ReturnItem(order_line_id=item.line_id, quantity=item.quantity, action=action, reason=reason,
                   note=(item.note or "").strip(),
                   exchange_size_halves=wanted[item.line_id][0] if item.line_id in wanted else None,
                   exchange_width=wanted[item.line_id][1] if item.line_id in wanted else None)
        for item, action, reason in chosen
    ])
    for kept in request.items:
        keep_photos(kept, photos.get(kept.order_line_id, []), moment)
    db.session.add(request)
    transition(request, RETURN, ReturnState.REQUESTED, actor=actor)
    db.session.flush()
    hold_replacements(request, actor)
    pairs = sum(i.quantity for i, a, _ in sends_back)
    record_event(order, EventKind.RETURN_REQUESTED, actor, moment, return_id=request.id, pairs=pairs,
                 feedback_only=not sends_back)
    if not sends_back:
        transition(request, RETURN, ReturnState.CLOSED, actor=actor, order=order, return_id=request.id)
    elif any(r is ReturnReason.DAMAGED for _, _, r in sends_back):
        transition(request, RETURN, ReturnState.IN_REVIEW, actor=actor, order=order, return_id=request.id)
    else:
        approve(request, actor)
    _email_request(request)
    return request


def _exchange_variants(items: list[ReturnItem]) -> list[tuple[ReturnItem, Variant]]:
    """Each exchange's replacement variant (those still offered)."""
    found = []
    for item in items:
        if item.action is ReturnAction.EXCHANGE and item.exchange_size_halves is not None:
            variant = exchange_variant(item.line, item.exchange_size_halves, item.exchange_width or "")
            if variant is not None:
                found.append((item, variant))
    return found


def stock_touched(items: list[ReturnItem]) -> set[int]:
    """The variants a return's items may move: the pairs sent back and their
    replacements (for ``lock_stock`` before moving several of them)."""
    return {item.line.variant_id for item in items} | {variant.id for _, variant in _exchange_variants(items)}


def _replacements(items: list[ReturnItem]) -> list[tuple[ReturnItem, Variant]]:
    """The replacements in variant-id order, their rows locked: the order every stock
    writer takes them in."""
    found = sorted(_exchange_variants(items), key=lambda pair: pair[1].id)
    lock_stock(variant.id for _, variant in found)
    return found


def hold_replacements(request: ReturnRequest, actor: Actor) -> None:
    """Take each exchange's new pair off the shelf now, when it is in stock, so it
    cannot sell out while the return travels (released if the return is refused or
    never comes: ``handling.py``)."""
    for item, variant in _replacements(list(request.items)):
        if variant.stock < item.quantity:
            continue  # made to order once the return is accepted
        _, short = take_stock([(variant.id, item.quantity)], actor=actor, reason=MovementReason.EXCHANGE_OUT,
                              note=f"Held for an exchange on order #{request.order.number}")
        item.reserved = short is None


def release_holds(request: ReturnRequest, actor: Actor, why: str, items: list[ReturnItem] | None = None) -> int:
    """Put held new pairs (of ``items``, or the whole request) back on the shelf;
    returns how many pairs."""
    held = [item for item in (request.items if items is None else items) if item.reserved]
    released = 0
    for item, variant in _replacements(held):
        put_back([(variant.id, item.quantity)], reason=MovementReason.EXCHANGE_IN, actor=actor,
                 note=f"{why} (order #{request.order.number})")
        released += item.quantity
    for item in held:
        item.reserved = False
    return released


def approve(request: ReturnRequest, actor: Actor) -> None:
    """Approve, then issue the prepaid label (US) or wait for the customer's tracking."""
    order = request.order
    transition(request, RETURN, ReturnState.APPROVED, actor=actor, order=order, return_id=request.id)
    if order.international:
        transition(request, RETURN, ReturnState.AWAITING_TRACKING, actor=actor, order=order)
        return
    carrier = get_carrier(policy.RETURN_LABEL_CARRIER)
    number = carrier.issue_tracking_number()
    request.shipment = Shipment(order=order, carrier=carrier.name, tracking_number=number, shipped_at=clock.now(),
                                purpose=ShipmentPurpose.RETURN)
    transition(request, RETURN, ReturnState.LABEL_ISSUED, actor=actor, order=order, return_id=request.id,
               carrier=carrier.name, tracking_number=number)
    db.session.flush()


def add_tracking(request: ReturnRequest, carrier_name: str, tracking_number: str, actor: Actor) -> Shipment:
    """Abroad: the customer's own parcel, tracked from now on. Raises DomainError
    ("carrier", "tracking_number")."""
    if request.state is not ReturnState.AWAITING_TRACKING:
        raise DomainError("This return is not waiting for a tracking number.")
    carrier, number = unused_tracking_number(carrier_name, tracking_number)
    order = request.order
    request.shipment = Shipment(order=order, carrier=carrier, tracking_number=number, shipped_at=clock.now(),
                                purpose=ShipmentPurpose.RETURN)
    transition(request, RETURN, ReturnState.IN_TRANSIT, actor=actor, order=order, return_id=request.id,
               carrier=carrier, tracking_number=number)
    db.session.flush()
    return request.shipment


def label_pdf(request: ReturnRequest) -> bytes:
    """The 4×6 prepaid label, from the customer to the studio."""
    shipment = request.shipment
    if shipment is None or request.order.international:
        raise DomainError("This return has no prepaid label.")
    order = request.order
    carrier = get_carrier(shipment.carrier)
    pairs = sum(i.quantity for i in request.items if i.action is not ReturnAction.FEEDBACK)
    return carrier.make_label(LabelRequest(
        carrier=carrier.name, tracking_number=shipment.tracking_number, service="Ground (prepaid return)",
        ship_to=ALLY_STUDIO,
        ship_from=Address(name=order.name, lines=tuple(x for x in (order.line1, order.line2) if x), city=order.city,
                          region=order.region, postal_code=order.postal_code, country_code=order.country,
                          phone=order.phone),
        order_number=order.number, reference=f"Return of {pairs} pair{'s' if pairs != 1 else ''}",
    ))


def find_request(token: str) -> ReturnRequest | None:
    if not could_be_token(token):
        return None
    return db.session.scalar(select(ReturnRequest).where(ReturnRequest.token == token))


def request_url(request: ReturnRequest) -> str:
    return url_for("exchange.request_page", token=request.token, _external=True)


def _email_request(request: ReturnRequest) -> None:
    order = request.order
    enqueue_email(to=order.email, subject=f"Your ALLY return for order #{order.number}",
                  template="return_requested", kind="return_requested", order_id=order.id,
                  order=order, request=request, request_url=request_url(request), status_url=status_url(order),
                  reasons=REASONS)
