"""Moving an object through its lifecycle, and writing the order's timeline.

``transition`` is the one way a state changes. It asks the lifecycle's table
(``ally_web.core.lifecycle``) whether the move is allowed, sets the state with a
conditional UPDATE (``… WHERE state = <the state we read>``) so that of two requests
racing, exactly one moves the object and the other is told it changed meanwhile, and
appends the timeline event the table names, with its parameters and actor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, inspect, update
from sqlalchemy.orm.attributes import set_committed_value

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.lifecycle import ChangedMeanwhile, Lifecycle
from ally_web.extensions import db
from ally_web.models import EventKind, Order, OrderEvent


def record_event(order: Order, kind: EventKind | str, actor: Actor, at: datetime | None = None,
                 **params: Any) -> OrderEvent:
    """Append one entry to the order's timeline (no words: those are made on display)."""
    event = OrderEvent(kind=EventKind(kind), at=at or clock.now(), params=params)
    event.actor = actor
    order.events.append(event)
    return event


def transition(subject: Any, lifecycle: Lifecycle, target: Any, *, actor: Actor,
               order: Order | None = None, at: datetime | None = None, **params: Any) -> OrderEvent | None:
    """Move ``subject`` to ``target``; returns the timeline event it appended, if any.

    Raises ``IllegalTransition`` (the table has no such move) or ``ChangedMeanwhile``
    (another request moved it first). ``order`` is the timeline the event goes on;
    lifecycles whose moves record no event (the checkout) need none. Flushes nothing
    itself beyond the conditional UPDATE; never commits.
    """
    attribute = lifecycle.attribute
    source = getattr(subject, attribute)
    kind = lifecycle.event_for(source, target)
    state = inspect(subject)
    if state.persistent:
        model = type(subject)
        moved: CursorResult = db.session.execute(  # type: ignore[assignment]
            update(model)
            .where(model.id == subject.id, getattr(model, attribute) == source)
            .values({attribute: target})
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:
            raise ChangedMeanwhile(f"This {lifecycle.name} changed meanwhile; nothing was changed. "
                                   "Reload the page to see it as it is now.")
        set_committed_value(subject, attribute, target)
    else:
        setattr(subject, attribute, target)
    if kind is None:
        return None
    if order is None:
        raise ValueError(f"the {lifecycle.name} move {source} → {target} records an event: pass its order")
    return record_event(order, kind, actor, at, **params)
