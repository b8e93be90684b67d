"""Checkout: from the cart to a paid order (the flow and why it is safe is written
at the top of ``flow.py``), the address rules, and the checkout's lifecycle
(``states.py``)."""

from ally_web.services.checkout.addresses import (
    Address,
    check_address,
    clean,
    normalized,
    region_choices,
    region_code,
)
from ally_web.services.checkout.flow import (
    CheckoutInput,
    CheckoutInvalid,
    CheckoutQuote,
    PaymentFailed,
    complete_checkout,
    find_checkout,
    quote_checkout,
    refund_after_failed_commit,
    return_shows_order,
    start_checkout,
)

__all__ = [
    "Address",
    "CheckoutInput",
    "CheckoutInvalid",
    "CheckoutQuote",
    "PaymentFailed",
    "check_address",
    "clean",
    "complete_checkout",
    "find_checkout",
    "normalized",
    "quote_checkout",
    "refund_after_failed_commit",
    "region_choices",
    "region_code",
    "return_shows_order",
    "start_checkout",
]
