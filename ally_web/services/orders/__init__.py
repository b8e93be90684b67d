"""Orders: numbers, signed links, lookup, the derived status (with its SQL filter),
the status page, fulfilment, carrier tracking and cancellation.

The lifecycles of an order, its parcels and its made-to-order pairs are in
``states.py``.
"""

from ally_web.services.orders.cancellation import MAX_REASON_LENGTH, cancel_order
from ally_web.services.orders.fingerprint import OrderFingerprint, order_fingerprint
from ally_web.services.orders.fulfilment import (
    label_pdf,
    lines_to_fulfil,
    mark_delivered,
    order_page_url,
    prepaid_return_label,
    ready_to_ship,
    ship_ready_pairs,
    tracking_url,
    unused_tracking_number,
)
from ally_web.services.orders.line_progress import LineProgress, line_progress
from ally_web.services.orders.links import (
    EMAIL,
    LOOKUP,
    LinkExpired,
    fingerprint_from_link,
    order_from_link,
    status_url,
)
from ally_web.services.orders.lookup import NOT_FOUND, find_order
from ally_web.services.orders.numbers import new_order_number, normalize_order_number
from ally_web.services.orders.queries import (
    MAX_QUERY_LENGTH,
    count_orders,
    find_by_token,
    get_order,
    get_shipment,
    parse_page,
    search_orders,
)
from ally_web.services.orders.status import (
    STATUS_FILTERS,
    OrderStatus,
    order_status,
    parse_status,
)
from ally_web.services.orders.status_page import order_installments, order_local_total, status_view
from ally_web.services.orders.tracking import (
    SCAN_KINDS,
    find_shipment,
    parse_event,
    record_scan,
    scan_event_known,
    shipment_progress,
)

__all__ = [
    "EMAIL",
    "LOOKUP",
    "MAX_QUERY_LENGTH",
    "MAX_REASON_LENGTH",
    "NOT_FOUND",
    "SCAN_KINDS",
    "STATUS_FILTERS",
    "LineProgress",
    "LinkExpired",
    "OrderFingerprint",
    "OrderStatus",
    "cancel_order",
    "count_orders",
    "find_by_token",
    "find_order",
    "find_shipment",
    "fingerprint_from_link",
    "get_order",
    "get_shipment",
    "label_pdf",
    "line_progress",
    "lines_to_fulfil",
    "prepaid_return_label",
    "ready_to_ship",
    "ship_ready_pairs",
    "unused_tracking_number",
    "mark_delivered",
    "new_order_number",
    "normalize_order_number",
    "order_from_link",
    "order_fingerprint",
    "order_installments",
    "order_local_total",
    "order_page_url",
    "order_status",
    "parse_event",
    "parse_page",
    "parse_status",
    "record_scan",
    "scan_event_known",
    "search_orders",
    "shipment_progress",
    "status_url",
    "status_view",
    "tracking_url",
]
