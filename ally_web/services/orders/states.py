"""The lifecycles of an order and its parts: the order, each parcel, each
made-to-order pair. Each table lists every allowed move and the timeline event it
records; ``ally_web.services.lifecycle.transition`` refuses anything else.

Shipments: a parcel's state is its most advanced carrier scan. A customs hold or a
delivery problem happens on the way, so those states and "in transit" move between
each other (and repeat, with a newer scan); nothing moves a parcel back from out for
delivery, and nothing leaves "delivered" (a newer delivery scan is recorded again,
and the delivery date stays the first one's).

Made-to-order pairs: a pair whose size is not known yet starts by waiting for its
fitting pair; one with a confirmed size goes straight into production (that first
state records no event here: the service that starts it records ``production_started``
with the due date through ``record_production_started``, as the move from
``fit_confirmed`` does). The fitting
pair ships, arrives (its delivery scan), the customer sends the fit result (and may
send it again until staff confirm it), staff confirm the size, which starts
production with its due date; the workshop marks the pair made, and it ships and
arrives like any parcel. None of it is skipped or done twice. The services of
``ally_web.services.made_to_order`` make these moves, and the parcels' own scans
make the ones a carrier reports (``fulfilment.py``, ``tracking.py``).
"""

from __future__ import annotations

from datetime import datetime

from ally_web.core.actors import Actor
from ally_web.core.lifecycle import Lifecycle, moves
from ally_web.models import EventKind as E
from ally_web.models import MadeToOrderState as M
from ally_web.models import Order, OrderLine
from ally_web.models import OrderState as O
from ally_web.models import ShipmentState as S
from ally_web.services.lifecycle import record_event

__all__ = ["MADE_TO_ORDER", "ORDER", "SHIPMENT"]

ORDER = Lifecycle(
    name="order",
    states=O,
    initial=(O.PLACED,),
    moves=moves([(O.PLACED, O.CANCELLED, E.CANCELLED)]),
)

_ON_THE_WAY = (S.IN_TRANSIT, S.HELD_AT_CUSTOMS, S.EXCEPTION)
SHIPMENT = Lifecycle(
    name="shipment",
    states=S,
    initial=(S.SHIPPED,),
    moves=moves([
        *((source, target, E(target)) for source in (S.SHIPPED, *_ON_THE_WAY) for target in _ON_THE_WAY),
        *((source, S.OUT_FOR_DELIVERY, E.OUT_FOR_DELIVERY) for source in (S.SHIPPED, *_ON_THE_WAY)),
        (S.OUT_FOR_DELIVERY, S.OUT_FOR_DELIVERY, E.OUT_FOR_DELIVERY),
        *((source, S.DELIVERED, E.DELIVERED) for source in (S.SHIPPED, *_ON_THE_WAY, S.OUT_FOR_DELIVERY)),
        (S.DELIVERED, S.DELIVERED, E.DELIVERED),  # a newer delivery scan (the date stays the first)
    ]),
)

MADE_TO_ORDER = Lifecycle(
    name="made-to-order pair",
    states=M,
    initial=(M.AWAITING_FITTING_PAIR, M.IN_PRODUCTION),
    attribute="mto_state",
    moves=moves([
        (M.AWAITING_FITTING_PAIR, M.FITTING_PAIR_SHIPPED, E.FITTING_PAIR_SHIPPED),
        (M.FITTING_PAIR_SHIPPED, M.FITTING_PAIR_DELIVERED, E.FITTING_PAIR_DELIVERED),
        (M.FITTING_PAIR_DELIVERED, M.FIT_SUBMITTED, E.FIT_SUBMITTED),
        (M.FIT_SUBMITTED, M.FIT_SUBMITTED, E.FIT_SUBMITTED),  # answers changed before staff confirm
        (M.FIT_SUBMITTED, M.FIT_CONFIRMED, E.FIT_CONFIRMED),
        (M.FIT_CONFIRMED, M.IN_PRODUCTION, E.PRODUCTION_STARTED),
        (M.IN_PRODUCTION, M.MADE, E.PAIR_MADE),
        # The parcel's own events ("shipped", "delivered") tell these two.
        (M.MADE, M.SHIPPED, None),
        (M.SHIPPED, M.DELIVERED, None),
    ]),
)


def record_production_started(order: Order, line: OrderLine, actor: Actor, at: datetime) -> None:
    """The timeline entry of a pair that starts in production (a known size at
    checkout, an exchange made to order): the one the move from ``fit_confirmed``
    records, with the line (flushed, so it has its id) and its ships-by date."""
    record_event(order, E.PRODUCTION_STARTED, actor, at, line_id=line.id,
                 ships_by=line.ships_by.isoformat() if line.ships_by else None)
