"""The lifecycle of an at-home trial box.

The shopper fills in the questionnaire (a draft), saves a card on the provider's page
and the box is requested; the fitting team chooses the pairs and ticks the checklist
(curated) and ships it; the delivery scan opens the 7-day window. Within 24 hours of
delivery the customer may ask for another size: the new pairs are curated and shipped
and the window opens again on their delivery. The customer then decides per pair
(keep or return), or says nothing and the box expires at the end of the window (every
pair is charged). When the returned pairs are inspected and the charges are paid, the
box closes. Before it ships, a box can be cancelled.
"""

from __future__ import annotations

from ally_web.core.lifecycle import Lifecycle, moves
from ally_web.models import EventKind as E
from ally_web.models import TrialState as T

__all__ = ["TRIAL", "OPEN_STATES"]

TRIAL = Lifecycle(
    name="trial box",
    states=T,
    initial=(T.DRAFT,),
    moves=moves([
        (T.DRAFT, T.REQUESTED, E.TRIAL_REQUESTED),
        (T.REQUESTED, T.CURATED, E.TRIAL_CURATED),
        (T.REQUESTED, T.CANCELLED, E.TRIAL_CANCELLED),
        (T.CURATED, T.REQUESTED, None),  # staff reopen the box to change a pair
        (T.CURATED, T.SHIPPED, E.TRIAL_SHIPPED),
        (T.CURATED, T.CANCELLED, E.TRIAL_CANCELLED),
        (T.SHIPPED, T.DELIVERED, E.TRIAL_WINDOW_OPENED),
        (T.DELIVERED, T.EXCHANGE_REQUESTED, E.TRIAL_EXCHANGE_REQUESTED),
        (T.EXCHANGE_REQUESTED, T.CURATED, E.TRIAL_CURATED),
        (T.CURATED, T.EXCHANGE_REQUESTED, None),  # staff reopen the second round
        (T.DELIVERED, T.DECIDED, E.TRIAL_DECIDED),
        (T.DELIVERED, T.EXPIRED, E.TRIAL_EXPIRED),
        (T.DECIDED, T.CLOSED, E.TRIAL_CLOSED),
        (T.EXPIRED, T.CLOSED, E.TRIAL_CLOSED),
    ]),
)

# A customer has at most one of these at a time.
OPEN_STATES = (T.REQUESTED, T.CURATED, T.SHIPPED, T.DELIVERED, T.EXCHANGE_REQUESTED)
