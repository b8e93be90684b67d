"""SQLAlchemy models, one module per aggregate."""

from ally_web.models.cache_versions import CacheVersion
from ally_web.models.catalog import Colour, LeadTimeNotice, Style, Variant
from ally_web.models.customers import Customer
from ally_web.models.orders import (
    Checkout,
    CheckoutStatus,
    EventKind,
    MadeToOrderPath,
    MadeToOrderState,
    Order,
    OrderEvent,
    OrderLine,
    OrderState,
    PaymentMode,
    ScanKind,
    Shipment,
    ShipmentScan,
    ShipmentState,
)
from ally_web.models.outbox import OutboxMessage, OutboxStatus
from ally_web.models.payments import SandboxIdempotencyKey, SandboxPayment, SandboxPaymentMethod
from ally_web.models.staff import Staff, StaffRole, StaffSession

__all__ = [
    "CacheVersion",
    "Checkout",
    "CheckoutStatus",
    "EventKind",
    "MadeToOrderPath",
    "MadeToOrderState",
    "OrderState",
    "PaymentMode",
    "ScanKind",
    "ShipmentState",
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
