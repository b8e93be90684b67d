"""When a trial is over: every pair sent back has been inspected and every charge
is paid. The box then closes and the card's hold, if still live, is released."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ally_web.core.actors import SYSTEM, Actor
from ally_web.core.lifecycle import ChangedMeanwhile
from ally_web.extensions import db
from ally_web.models import TrialBox, TrialChargeState, TrialDecision, TrialState
from ally_web.services.lifecycle import transition
from ally_web.services.trial.charges import release_hold
from ally_web.services.trial.states import TRIAL

ENDED = (TrialState.DECIDED, TrialState.EXPIRED)


def finished(box: TrialBox) -> bool:
    if box.state not in ENDED:
        return False
    waiting = [p for p in box.pairs if p.decision is TrialDecision.RETURN and p.accepted is None]
    unpaid = [c for c in box.charges if c.state is not TrialChargeState.PAID]
    return not waiting and not unpaid


def close_if_finished(box: TrialBox, actor: Actor = SYSTEM) -> bool:
    """Close the box when nothing is left to receive, inspect or charge."""
    if not finished(box):
        return False
    try:
        transition(box, TRIAL, TrialState.CLOSED, actor=actor, order=box.order)
    except ChangedMeanwhile:
        return False
    release_hold(box, actor)
    return True


def close_finished(now: datetime) -> int:
    """A job: close the boxes whose last charge was paid or last pair inspected."""
    closed = 0
    for box in db.session.scalars(select(TrialBox).where(TrialBox.state.in_(ENDED))):
        if close_if_finished(box):
            closed += 1
            db.session.commit()
    return closed
