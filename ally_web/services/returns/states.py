"""The lifecycle of a return or exchange request.

A request is made, then approved at once, or first reviewed by staff when a pair is
damaged or faulty (photos) and approved or refused there. Approved, it gets a prepaid
label (US) or waits for the customer's own tracking number (abroad); the parcel moves
it in transit and received; staff inspect every pair (accepted, or refused as worn);
then it closes with the refund, the replacement or the made-to-order pair. A request
that is only fit feedback closes at once.
"""

from __future__ import annotations

from ally_web.core.lifecycle import Lifecycle, moves
from ally_web.models import EventKind as E
from ally_web.models import ReturnState as R

__all__ = ["RETURN"]

RETURN = Lifecycle(
    name="return",
    states=R,
    initial=(R.REQUESTED,),
    moves=moves([
        (R.REQUESTED, R.IN_REVIEW, E.RETURN_IN_REVIEW),
        (R.REQUESTED, R.APPROVED, E.RETURN_APPROVED),
        (R.REQUESTED, R.CLOSED, E.RETURN_CLOSED),  # fit feedback only: nothing comes back
        (R.IN_REVIEW, R.APPROVED, E.RETURN_APPROVED),
        (R.IN_REVIEW, R.REFUSED, E.RETURN_REFUSED),
        (R.APPROVED, R.LABEL_ISSUED, E.RETURN_LABEL_ISSUED),
        (R.APPROVED, R.AWAITING_TRACKING, None),
        (R.LABEL_ISSUED, R.IN_TRANSIT, E.RETURN_IN_TRANSIT),
        (R.AWAITING_TRACKING, R.IN_TRANSIT, E.RETURN_IN_TRANSIT),
        (R.LABEL_ISSUED, R.RECEIVED, E.RETURN_RECEIVED),  # no scan on the way: it simply arrived
        (R.IN_TRANSIT, R.RECEIVED, E.RETURN_RECEIVED),
        (R.RECEIVED, R.INSPECTED, E.RETURN_INSPECTED),
        (R.INSPECTED, R.CLOSED, E.RETURN_CLOSED),
    ]),
)
