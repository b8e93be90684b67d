"""The customer's decisions during the window: keep or return each pair, or, within
24 hours of delivery, another size.

Deciding is once and for the whole box: every pair of the current round is kept or
returned. The kept pairs become one final charge (a sample at its discounted price),
made by the jobs moments later on the saved card; the returned pairs get the prepaid
return label (the one in the box, also downloadable) and are tracked like any parcel.
Nothing kept: nothing is charged and the card's hold is released at once. A kept
size becomes the customer's ALLY size (``after_keep``).

Another size is offered only until ``policy.TRIAL_SIZE_EXCHANGE_HOURS`` after the
delivery scan, once per box: the customer says which size and width they want for
each pair (or for the box); the first pairs go back with the label, the fitting team
chooses the new ones, and the window opens again, in full, on the new pairs' delivery.
"""

from __future__ import annotations

from collections.abc import Mapping

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.core.formatting import size
from ally_web.extensions import db
from ally_web.gateways.carriers import get_carrier
from ally_web.models import (
    Shipment,
    ShipmentPurpose,
    TrialBox,
    TrialChargeKind,
    TrialDecision,
    TrialState,
)
from ally_web.services.catalog import parse_size
from ally_web.services.lifecycle import transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url
from ally_web.services.trial.after_keep import remember_size
from ally_web.services.trial.charges import add_charge, release_hold
from ally_web.services.trial.dispatch import return_label, return_parcel
from ally_web.services.trial.states import TRIAL
from ally_web.services.trial.unreturned import send_back_by
from ally_web.services.trial.window import current_round, keep_price, window_of

MAX_NOTE = 500
KEEP, RETURN = TrialDecision.KEEP.value, TrialDecision.RETURN.value


class DecisionInvalid(DomainError):
    """Some pairs need a choice: ``errors`` maps ``pair-<id>`` to why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def check_choices(box: TrialBox, choices: Mapping[int, str]) -> dict[str, str]:
    errors = {}
    for pair in box.current_pairs:
        if choices.get(pair.id) not in (KEEP, RETURN):
            errors[f"pair-{pair.id}"] = "Please choose keep or send back for this pair."
    return errors


def decide(box: TrialBox, choices: Mapping[int, str], actor: Actor) -> None:
    """Keep or return every pair of the box; schedules the charge and the return.
    Raises DecisionInvalid, or DomainError once the window has closed."""
    window = window_of(box)
    if window is None or not window.open:
        raise DomainError(_closed_reason(box))
    errors = check_choices(box, choices)
    if errors:
        raise DecisionInvalid(errors)
    order = box.order
    assert order is not None
    moment = clock.now()
    pairs = box.current_pairs
    for pair in pairs:
        pair.decision = TrialDecision(choices[pair.id])
    kept = [p for p in pairs if p.decision is TrialDecision.KEEP]
    returned = [p for p in pairs if p.decision is TrialDecision.RETURN]
    amount = sum(keep_price(p) for p in kept)
    transition(box, TRIAL, TrialState.DECIDED, actor=actor, order=order, at=moment,
               kept=len(kept), returned=len(returned), amount_cents=amount)
    box.decided_at = moment
    if kept:
        add_charge(box, TrialChargeKind.KEPT, amount)
        remember_size(box)
    else:
        release_hold(box, actor)
    if returned:
        open_return_parcel(box)
    db.session.flush()
    enqueue_email(to=order.email, subject=f"Your ALLY trial #{order.number}: your choice is in",
                  template="trial_decided", kind="trial_decided", order_id=order.id, order=order, box=box,
                  kept=kept, returned=returned, amount_cents=amount, send_back_by=send_back_by(box),
                  status_url=status_url(order))


def open_return_parcel(box: TrialBox) -> Shipment:
    """The prepaid return parcel of a box, one per box: it carries the number of
    the label that travelled in the box, so the customer's printed label and the
    one on this page are the same parcel."""
    order = box.order
    assert order is not None
    existing = return_parcel(box)
    if existing is not None:
        return existing
    label = return_label(box)
    if label is not None:
        carrier_name, number = label.carrier, label.tracking_number
    else:  # a box shipped before labels were recorded with it
        carrier = get_carrier(policy.RETURN_LABEL_CARRIER)
        carrier_name, number = carrier.name, carrier.issue_tracking_number()
    parcel = Shipment(order=order, carrier=carrier_name, tracking_number=number,
                      shipped_at=clock.now(), purpose=ShipmentPurpose.RETURN)
    db.session.add(parcel)
    return parcel


def ask_exchange(box: TrialBox, wishes: Mapping[int, tuple[str, str]], note: str, actor: Actor) -> None:
    """Another size, within the exchange hours: ``wishes`` maps a pair's id to the
    (size, width) wanted instead. Raises DecisionInvalid or DomainError."""
    window = window_of(box)
    if window is None or not window.exchange_open:
        raise DomainError(
            f"Another size can be asked for within {policy.TRIAL_SIZE_EXCHANGE_HOURS} hours of delivery, once. "
            "Your window to keep or return the pairs is still open below.")
    errors: dict[str, str] = {}
    asked: list[dict[str, int | str]] = []
    for pair in box.current_pairs:
        wanted_size, wanted_width = wishes.get(pair.id, ("", ""))
        if not wanted_size and not wanted_width:
            continue
        halves = parse_size(wanted_size) if wanted_size else pair.line.size_halves
        width = wanted_width or pair.line.width
        if halves is None:
            errors[f"pair-{pair.id}"] = "Please choose a size from 5 to 12."
        elif width not in policy.WIDTHS:
            errors[f"pair-{pair.id}"] = "Please choose a width from the list."
        elif (halves, width) == (pair.line.size_halves, pair.line.width):
            errors[f"pair-{pair.id}"] = "That is the size you have; choose another or leave it empty."
        else:
            asked.append({"pair_id": pair.id, "size_halves": halves, "width": width})
    if errors:
        raise DecisionInvalid(errors)
    if not asked:
        raise DecisionInvalid({f"pair-{box.current_pairs[0].id}": "Please choose the size you would like instead."})
    note = " ".join((note or "").split())[:MAX_NOTE]
    order = box.order
    assert order is not None
    for pair in box.current_pairs:
        pair.decision = TrialDecision.RETURN  # the first pairs go back with the label
    box.answers = {**box.answers, "exchange": {"asked": asked, "note": note, "at": clock.now().isoformat()}}
    transition(box, TRIAL, TrialState.EXCHANGE_REQUESTED, actor=actor, order=order,
               sizes=[f"{size(int(a['size_halves']))} {policy.WIDTHS[str(a['width'])]}" for a in asked])
    open_return_parcel(box)
    db.session.flush()
    enqueue_email(to=order.email, subject=f"Your ALLY trial #{order.number}: another size is coming",
                  template="trial_exchange", kind="trial_exchange", order_id=order.id, order=order, box=box,
                  asked=asked, status_url=status_url(order))


def _closed_reason(box: TrialBox) -> str:
    if box.state is TrialState.DECIDED:
        return "You have already told us what you keep; your choice is below."
    if box.state is TrialState.EXPIRED:
        return ("Your trial ended without an answer, so every pair was charged as the trial's rules say; "
                "returns are no longer accepted.")
    if box.state is TrialState.EXCHANGE_REQUESTED:
        return "Your new sizes are on their way; you decide once they arrive."
    if box.delivered_at is None:
        return "Your window opens the day your box is delivered."
    return "This trial is closed."


def rounds_note(box: TrialBox) -> str:
    """How the window runs after a size exchange, in words (the trial page shows it)."""
    if current_round(box) > 1:
        return (f"Your new sizes get the full {policy.TRIAL_WINDOW_DAYS} days, counted from the day they arrive; "
                "please send the first pairs back with the prepaid label.")
    return ""
