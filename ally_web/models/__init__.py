"""SQLAlchemy models, one module per aggregate."""

from ally_web.models.audit import AuditEntry
from ally_web.models.cache_versions import CacheVersion
from ally_web.models.catalog import (
    CatalogVersion,
    Colour,
    LeadTimeNotice,
    MovementReason,
    StockMovement,
    Style,
    Variant,
)
from ally_web.models.customers import Customer
from ally_web.models.fit import FitResult
from ally_web.models.orders import (
    Checkout,
    CheckoutStatus,
    EventKind,
    MadeToOrderPath,
    MadeToOrderState,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderState,
    PaymentMode,
    ScanKind,
    Shipment,
    ShipmentPurpose,
    ShipmentScan,
    ShipmentState,
)
from ally_web.models.outbox import OutboxMessage, OutboxStatus
from ally_web.models.payments import SandboxIdempotencyKey, SandboxPayment, SandboxPaymentMethod
from ally_web.models.returns import ReturnAction, ReturnItem, ReturnPhoto, ReturnReason, ReturnRequest, ReturnState
from ally_web.models.staff import Staff, StaffRole, StaffSession
from ally_web.models.trials import (
    TrialBox,
    TrialCharge,
    TrialChargeKind,
    TrialChargeState,
    TrialCondition,
    TrialDecision,
    TrialPair,
    TrialState,
)

__all__ = [
    "AuditEntry",
    "CatalogVersion",
    "MovementReason",
    "StockMovement",
    "CacheVersion",
    "Checkout",
    "CheckoutStatus",
    "EventKind",
    "MadeToOrderPath",
    "MadeToOrderState",
    "OrderKind",
    "OrderState",
    "TrialBox",
    "TrialCharge",
    "TrialChargeKind",
    "TrialChargeState",
    "TrialCondition",
    "TrialDecision",
    "TrialPair",
    "TrialState",
    "PaymentMode",
    "ScanKind",
    "ShipmentState",
    "Colour",
    "Customer",
    "FitResult",
    "LeadTimeNotice",
    "Order",
    "OutboxMessage",
    "OutboxStatus",
    "OrderEvent",
    "OrderLine",
    "ReturnAction",
    "ReturnItem",
    "ReturnPhoto",
    "ReturnReason",
    "ReturnRequest",
    "ReturnState",
    "SandboxIdempotencyKey",
    "SandboxPayment",
    "SandboxPaymentMethod",
    "Shipment",
    "ShipmentPurpose",
    "ShipmentScan",
    "Staff",
    "StaffRole",
    "StaffSession",
    "Style",
    "Variant",
]
