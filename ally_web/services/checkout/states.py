"""The checkout's lifecycle: from "Pay" to a placed order, or back to the form.

A checkout is created when the shopper presses Pay (``paying``). The provider's
answer either places the order (claimed first as ``placing``, so that a return page,
a refresh and a webhook racing each other place it once) or opens the form again
with the reason (``open``). Nothing here goes on a timeline: until it is placed
there is no order to have one.
"""

from __future__ import annotations

from ally_web.core.lifecycle import Lifecycle, moves
from ally_web.models import CheckoutStatus as S

__all__ = ["CHECKOUT", "CheckoutStatus"]
CheckoutStatus = S

CHECKOUT = Lifecycle(
    name="checkout",
    states=S,
    initial=(S.PAYING,),
    attribute="status",
    moves=moves([
        (S.OPEN, S.PAYING, None),  # pressed Pay again after a failed payment
        (S.PAYING, S.PAYING, None),  # a new attempt replaces the last one
        (S.PAYING, S.OPEN, None),  # declined, cancelled, or it no longer matches
        (S.PAYING, S.PLACING, None),  # this request claims it
        (S.PLACING, S.OPEN, None),  # sold out while paying, or the capture failed
        (S.PLACING, S.PLACED, None),
    ]),
)
