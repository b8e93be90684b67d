"""SQLAlchemy models, one module per aggregate."""

from ally_web.models.catalog import Colour, LeadTimeNotice, Style, Variant
from ally_web.models.customers import Customer
from ally_web.models.orders import (
    Checkout,
    Order,
    OrderEvent,
    OrderLine,
    Shipment,
    ShipmentScan,
)
from ally_web.models.outbox import OutboxMessage, OutboxStatus
from ally_web.models.payments import SandboxIdempotencyKey, SandboxPayment, SandboxPaymentMethod
from ally_web.models.staff import Staff, StaffRole, StaffSession

__all__ = [
    "Checkout",
    "Colour",
    "Customer",
    "LeadTimeNotice",
    "Order",
    "OutboxMessage",
    "OutboxStatus",
    "OrderEvent",
    "OrderLine",
    "SandboxIdempotencyKey",
    "SandboxPayment",
    "SandboxPaymentMethod",
    "Shipment",
    "ShipmentScan",
    "Staff",
    "StaffRole",
    "StaffSession",
    "Style",
    "Variant",
]
