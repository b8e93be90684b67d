"""Where each pair of an order is, and its next date, in the customer's words; the
status page and the staff order page both show it.

A made-to-order pair is never called "being made" before its fit is confirmed: until
then it is the fitting pair's story (being prepared, on its way, waiting for the fit
result, the result with a stylist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ally_web import policy
from ally_web.core import clock
from ally_web.core.formatting import day, size
from ally_web.models import MadeToOrderState, OrderLine
from ally_web.services.pricing import calendar

M = MadeToOrderState


@dataclass(frozen=True)
class LineProgress:
    step: str
    detail: str
    next_date: date | None = None  # the next date the customer can expect something


def _range(start: date | None, end: date | None) -> str:
    if not start or not end:
        return ""
    return day(start) if start == end else f"{day(start)} – {day(end)}"


def line_progress(line: OrderLine) -> LineProgress:
    shipment = line.shipment
    if shipment is not None:
        if shipment.delivered_at:
            return LineProgress("Delivered", f"Delivered {day(clock.to_store_time(shipment.delivered_at).date())}.")
        shipped_on = clock.to_store_time(shipment.shipped_at).date()
        return LineProgress("Shipped", f"Left our studio {day(shipped_on)} with {shipment.carrier}.", line.arrives_by)
    if not line.made_to_order:
        return LineProgress("Preparing", f"In stock: ships {_range(line.ships_from, line.ships_by)}, "
                                         f"arrives {_range(line.arrives_from, line.arrives_by)}.", line.ships_by)
    state = line.mto_state
    if state is M.AWAITING_FITTING_PAIR:
        return LineProgress("Fitting pair being prepared",
                            f"Black fitting heels in your size, with a measurement kit and a prepaid return label, "
                            f"leave our studio {_range(line.fitting_ships_from, line.fitting_ships_by)}.",
                            line.fitting_ships_by)
    if state is M.FITTING_PAIR_SHIPPED:
        fitting = line.fitting_shipment
        expected = None
        sent = ""
        if fitting is not None:
            shipped_on = clock.to_store_time(fitting.shipped_at).date()
            expected = calendar.add_business_days(shipped_on, policy.IN_STOCK_TRANSIT.high)
            sent = f"Sent {day(shipped_on)} with {fitting.carrier}, expected by {day(expected)}. "
        return LineProgress("Fitting pair on its way", f"{sent}When it arrives, try it on and tell us how it fits.",
                            expected)
    if state is M.FITTING_PAIR_DELIVERED:
        return LineProgress("Waiting for your fit result",
                            "Your fitting pair arrived. Tell us how it fits, then send it back with the prepaid "
                            "label; we start your pair once a stylist confirms your size.")
    if state is M.FIT_SUBMITTED:
        result = line.fit_result
        asked = f" (you asked for US {size(result.chosen_size_halves)} {policy.WIDTHS[result.chosen_width]})" \
            if result else ""
        return LineProgress("Fit result with our stylists",
                            f"A stylist is reading your answers{asked}. We'll email your confirmed size and the "
                            f"date your pair ships; it is made within {policy.MADE_TO_ORDER_PRODUCTION_DAYS} days "
                            "of that.")
    if state in (M.FIT_CONFIRMED, M.IN_PRODUCTION):
        arrives = f", arrives {_range(line.arrives_from, line.arrives_by)}" if line.arrives_by else ""
        return LineProgress("Being made", f"Ships by {day(line.ships_by)}{arrives}." if line.ships_by else
                            "In our workshop.", line.ships_by)
    if state is M.MADE:
        return LineProgress("Made, being packed", f"Finished in our workshop; ships by {day(line.ships_by)}."
                            if line.ships_by else "Finished in our workshop; ships shortly.", line.ships_by)
    return LineProgress("On its way", "")
