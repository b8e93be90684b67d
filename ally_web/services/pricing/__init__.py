"""Pricing and promises: counting business days and delivery dates (``calendar``),
shipping options (``shipping``), duties and taxes abroad (``landed_cost``) and who
may pay in installments (``installments``)."""

from ally_web.services.pricing import calendar, currency, installments, landed_cost, sales_tax, shipping
from ally_web.services.pricing.currency import LocalEstimate, local_estimate
from ally_web.services.pricing.installments import InstallmentOffer, installment_offer
from ally_web.services.pricing.sales_tax import SalesTaxQuote
from ally_web.services.pricing.shipping import (
    ShippingOption,
    country_choices,
    international_returns_note,
    shipping_option,
    shipping_options,
)

__all__ = [
    "InstallmentOffer",
    "ShippingOption",
    "LocalEstimate",
    "SalesTaxQuote",
    "calendar",
    "currency",
    "country_choices",
    "installment_offer",
    "installments",
    "international_returns_note",
    "landed_cost",
    "local_estimate",
    "sales_tax",
    "shipping",
    "shipping_option",
    "shipping_options",
]
