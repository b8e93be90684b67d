"""The lifecycle of a fit session booking.

A booking is made for a slot; the customer may move it to another slot (a reschedule
keeps the booking, its invitation's UID and bumps its SEQUENCE) or cancel it, which
frees the slot. Nothing goes on the order's timeline: the invitation email is the
record the customer keeps.
"""

from __future__ import annotations

from ally_web.core.lifecycle import Lifecycle, moves
from ally_web.models import FitSessionState as S

__all__ = ["FIT_SESSION"]

FIT_SESSION = Lifecycle(
    name="fit session",
    states=S,
    initial=(S.BOOKED,),
    moves=moves([
        (S.BOOKED, S.CANCELLED, None),
    ]),
)
