"""What the customer's order status page shows: where each parcel is, what they can
do now (or why not), the lead-time notice that concerns them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ally_web import policy
from ally_web.core import clock
from ally_web.core.formatting import long_day
from ally_web.gateways.carriers import get_carrier
from ally_web.models import EventKind, MadeToOrderPath, Order, PaymentMode, Shipment, ShipmentPurpose
from ally_web.models import MadeToOrderState as M
from ally_web.services.catalog import NoticeCard, upcoming_notices
from ally_web.services.orders import tracking
from ally_web.services.orders.line_progress import LineProgress, line_progress
from ally_web.services.orders.status import OrderStatus, order_status
from ally_web.services.pricing import LocalEstimate, calendar, international_returns_note
from ally_web.services.pricing.installments import Installment, InstallmentsAfterRefunds, installments_after_refunds


@dataclass(frozen=True)
class ShipmentView:
    shipment: Shipment
    state: tracking.ShipmentProgress
    tracking_url: str
    moving: bool  # on its way and not yet delivered: the page keeps refreshing

    @property
    def title(self) -> str:
        return {ShipmentPurpose.FITTING_PAIR: f"Fitting pair ({self.shipment.carrier})",
                ShipmentPurpose.FITTING_RETURN: f"Fitting pair's return ({self.shipment.carrier})",
                ShipmentPurpose.RETURN: f"Your return ({self.shipment.carrier})",
                ShipmentPurpose.SENT_BACK: f"Pairs we couldn't accept, on their way back ({self.shipment.carrier})",
                }.get(self.shipment.purpose, f"{self.shipment.carrier} parcel")


@dataclass(frozen=True)
class Action:
    """Something the customer can do about this order now, or why not. ``page`` names
    the page that does it (opened with the same signed link)."""

    title: str
    detail: str
    available: bool
    page: str | None = None
    page_words: str = ""


@dataclass(frozen=True)
class StatusView:
    state: OrderStatus
    shipments: tuple[ShipmentView, ...]
    moving: bool
    notices: tuple[NoticeCard, ...]  # the lead-time notices counted in this order's made-to-order dates
    actions: tuple[Action, ...]
    returns_note: str | None = None  # abroad: return shipping is the customer's, with tracking
    installments: tuple[Installment, ...] = ()  # paid in installments: first one paid, then the rest
    installment_plan: InstallmentsAfterRefunds | None = None  # the same, with what refunds changed
    local_total: LocalEstimate | None = None  # the total in the shopper's currency, as estimated at checkout
    progress: dict[int, LineProgress] = field(default_factory=dict)  # order line id → where it is now


def _return_action(order: Order, today) -> Action:
    title = "Return or exchange"
    delivered = [s.delivered_at for s in order.parcels if s.delivered_at]
    if not delivered:
        return Action(title, f"Once your order is delivered you have {policy.RETURN_WINDOW_DAYS} days "
                             "to return or exchange unworn pairs.", False)
    # Each parcel's pairs have their own window, from that parcel's delivery day.
    delivery_days = sorted({clock.to_store_time(moment).date() for moment in delivered})
    last_days = {day: calendar.return_window_closes_at(day).date() for day in delivery_days}
    still_open = [day for day in delivery_days if last_days[day] >= today]
    if not still_open:
        latest = last_days[delivery_days[-1]]
        return Action(title, f"The {policy.RETURN_WINDOW_DAYS}-day return window closed on {long_day(latest)}.", False)
    if len(delivery_days) > 1:
        windows = "; ".join(f"until {long_day(last_days[day])} for the pairs delivered {long_day(day)}"
                            for day in still_open)
        return Action(title, f"Unworn pairs can be returned within {policy.RETURN_WINDOW_DAYS} days of their "
                             f"delivery: {windows}.", True, "exchange.new", "Start a return, or tell us how they fit")
    last_day = last_days[delivery_days[0]]
    days_left = (last_day - today).days
    when = "today is the last day"
    if days_left:
        when = f"{days_left} day{'s' if days_left != 1 else ''} left, until {long_day(last_day)}"
    return Action(title, f"Unworn pairs can be returned: {when}.", True, "exchange.new",
                  "Start a return, or tell us how they fit")


def _fit_action(order: Order) -> Action | None:
    fitting = [line for line in order.lines if line.mto_path is MadeToOrderPath.FITTING_FIRST]
    if not fitting or order.cancelled:
        return None
    title = "Confirm your fit"
    states = {line.mto_state for line in fitting}
    if states & {M.FITTING_PAIR_SHIPPED, M.FITTING_PAIR_DELIVERED}:
        return Action(title, "Try your fitting pair on a carpet and tell us how it fits, foot by foot; we suggest "
                             "a size from your answers. Then send the pair back with the prepaid label from its box.",
                      True, "fit.show", "Tell us how it fits")
    if M.FIT_SUBMITTED in states:
        return Action(title, "Your fit result is with our stylists. You can still change it until they confirm "
                             "your size.", True, "fit.show", "See or change your answers")
    if M.AWAITING_FITTING_PAIR in states:
        return Action(title, "When your fitting pair arrives, try it on and tell us how it fits; we'll email you "
                             "the link when it ships.", False)
    return Action(title, "Your fit is confirmed and your size is on file, so your next made-to-order pair in "
                         "that size and width skips the fitting pair.", False, "fit.show", "See your fit")


def installment_plan(order: Order) -> InstallmentsAfterRefunds | None:
    """For an order paid in installments, the provider's schedule from the day it was
    placed (the first payment taken with the order, the others collected on their
    dates), with every refund applied the provider's way: off the payments still to
    come, the last first, any more back to the card. None for an order paid in full."""
    if order.payment_mode is not PaymentMode.INSTALLMENTS:
        return None
    placed_on = clock.to_store_time(order.placed_at).date()
    refunds = [(clock.to_store_time(e.at).date(), int((e.params or {}).get("amount_cents", 0)))
               for e in order.events if e.kind is EventKind.REFUNDED]
    return installments_after_refunds(order.total_cents, placed_on, refunds)


def order_installments(order: Order) -> tuple[Installment, ...]:
    """The payments of an installment order as they stand now; empty when paid in full."""
    plan = installment_plan(order)
    return tuple(plan.schedule) if plan else ()


def order_local_total(order: Order) -> LocalEstimate | None:
    """The estimate in the shopper's currency that checkout showed (kept with the quote)."""
    return LocalEstimate.from_dict((order.quote or {}).get("local_total"))


def status_view(order: Order) -> StatusView:
    today = clock.now().date()
    plan = installment_plan(order)
    shipments = []
    for shipment in order.shipments:
        if shipment.purpose in (ShipmentPurpose.FITTING_RETURN, ShipmentPurpose.RETURN) and not shipment.scans:
            continue  # a return label not used yet: shown with the fit or the return, not as a parcel
        state = tracking.shipment_progress(shipment)
        url = get_carrier(shipment.carrier).tracking_url(shipment.tracking_number)
        shipments.append(ShipmentView(shipment, state, url, shipment.delivered_at is None))
    actions = [_return_action(order, today)]
    fit = _fit_action(order)
    if fit:
        actions.append(fit)
    notices: tuple[NoticeCard, ...] = ()
    if any(line.made_to_order for line in order.lines):
        # The notices the pairs' dates counted: those overlapping each production period
        # (from the order day until production starts).
        starts = {line.production_started_on or calendar.order_day(order.placed_at)
                  for line in order.lines if line.made_to_order}
        seen: dict[str, NoticeCard] = {}
        candidates = upcoming_notices(min(starts))  # read once: the later starts need a subset
        for start in sorted(starts):
            for notice in calendar.made_to_order_notices(start, candidates):
                seen.setdefault(notice.title, notice)
        notices = tuple(seen.values())
    return StatusView(
        state=order_status(order),
        shipments=tuple(shipments),
        moving=any(s.moving for s in shipments),
        notices=notices,
        local_total=order_local_total(order),
        installments=tuple(plan.schedule) if plan else (),
        installment_plan=plan,
        returns_note=international_returns_note(order.country),
        actions=tuple(actions),
        progress={line.id: line_progress(line) for line in order.lines},
    )
