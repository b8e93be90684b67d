"""The words of the order timeline, made when a page or an email shows an event.

Events are stored as a kind with parameters (``models.OrderEvent``); this module is
the one place that turns them into sentences, so the wording can change without
touching a row. An event migrated from the old prose timeline keeps its sentence in
``params["note"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from ally_web import policy
from ally_web.core.formatting import card, long_day, money, size
from ally_web.models import EventKind, OrderEvent

Params = Mapping[str, Any]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _card(params: Params) -> str:
    return card(params.get("card_brand"), params.get("card_last4"))


def _paid(params: Params) -> str:
    if params.get("mode") == "installments":
        count = params.get("installments") or policy.INSTALLMENT_COUNT
        return f"In {count} installments through the pay-later provider."
    words = _card(params)
    return f"{words[0].upper()}{words[1:]}."


def _shipped(params: Params) -> str:
    if not params.get("carrier"):
        return ""
    pairs = _plural(int(params.get("pairs", 0)), "pair")
    return f"{pairs} by {params['carrier']}, tracking {params.get('tracking_number')}."


# Scans of a fitting pair's parcels say which parcel (params["parcel"]).
_PARCELS = {"fitting_pair": "Fitting pair", "fitting_return": "Fitting pair on its way back",
            "return": "Your return", "sent_back": "Your pairs coming back to you"}


def _scan(params: Params) -> str:
    where = f", {params['location']}" if params.get("location") else ""
    parcel = f"{_PARCELS[params['parcel']]}: " if params.get("parcel") in _PARCELS else ""
    return f"{parcel}{params.get('carrier')} {params.get('tracking_number')}{where}"


def _size(params: Params) -> str:
    halves, width = params.get("size_halves"), params.get("width")
    if not isinstance(halves, int):
        return ""
    return f"US {size(halves)} {policy.WIDTHS.get(str(width), '')}".rstrip()


def _fit_submitted(params: Params) -> str:
    asked = _size(params)
    sent = "Fit result changed" if params.get("changed") else "Fit result sent"
    return f"{sent}: asked for {asked}." if asked else f"{sent}."


def _fit_confirmed(params: Params) -> str:
    confirmed = _size(params)
    ordered = _size({"size_halves": params.get("ordered_size_halves"), "width": params.get("ordered_width")})
    if not confirmed:
        return ""
    if ordered and ordered != confirmed:
        return f"Made in {confirmed} (ordered in {ordered})."
    return f"Made in {confirmed}."


def _due_date_moved(params: Params) -> str:
    due, previous = params.get("ships_by"), params.get("previous")
    because = f" because of {params['notice']}" if params.get("notice") else ""
    was = f" (was {long_day(_date(previous))})" if previous else ""
    return f"Now ships by {long_day(_date(due))}{was}{because}." if due else ""


def _reminder(params: Params) -> str:
    return {"fit_result": "We asked how the fitting pair fits.",
            "fitting_return": "We asked for the fitting pair back."}.get(str(params.get("about")), "")


def _refunded(params: Params) -> str:
    to = _card(params) if params.get("card_last4") else "the original payment"
    status = f" ({params['provider_status']})" if params.get("provider_status") else ""
    return f"{_amount(params)} refunded to {to}{status}."


def _production(params: Params) -> str:
    due = params.get("ships_by")
    return f"Ships by {long_day(_date(due))}." if due else ""


def _date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _return_requested(params: Params) -> str:
    if params.get("feedback_only"):
        return "Fit feedback, thank you."
    return f"{_plural(int(params.get('pairs', 0)), 'pair')} to send back."


def _amount(params: Params) -> str:
    return money(int(params.get("amount_cents", 0)))


_CHARGE_WORDS = {"kept": "the pairs kept", "expired": "every pair in the box", "damage": "a damage fee"}


def _trial_decided(params: Params) -> str:
    kept, returned = int(params.get("kept", 0)), int(params.get("returned", 0))
    words = [f"keeping {_plural(kept, 'pair')}" if kept else "keeping none",
             f"sending back {_plural(returned, 'pair')}" if returned else ""]
    amount = f", {_amount(params)} to pay" if kept else ""
    return f"{', '.join(w for w in words if w).capitalize()}{amount}."


def _trial_expired(params: Params) -> str:
    return (f"No answer by the last day: {_plural(int(params.get('pairs', 0)), 'pair')} charged at retail, "
            f"{_amount(params)}.")


def _trial_not_sent_back(params: Params) -> str:
    return (f"{_plural(int(params.get('pairs', 0)), 'pair')} to send back never reached the carrier: "
            f"kept, {_amount(params)}.")


def _trial_charged(params: Params) -> str:
    what = _CHARGE_WORDS.get(str(params.get("charge")), "the trial")
    return f"{_amount(params)} for {what}, {_card(params)}."


def _trial_charge_failed(params: Params) -> str:
    what = _CHARGE_WORDS.get(str(params.get("charge")), "the trial")
    then = " We'll try again, or pay by the link in your email." if params.get("retry") else ""
    return f"{_amount(params)} for {what} was declined.{then}"


def _trial_inspected(params: Params) -> str:
    if params.get("accepted"):
        return "Back in the condition it left in. Thank you."
    return f"Damage fee: {params.get('note', '')}"
def _trial_curated(params: Params) -> str:
    pairs = _plural(int(params.get("pairs", 0)), "pair")
    return f"{pairs} chosen and checked." if int(params.get("round", 1)) < 2 else f"{pairs} in another size."


def _trial_shipped(params: Params) -> str:
    back = f"; prepaid return label {params['return_tracking_number']}" if params.get("return_tracking_number") else ""
    shipped = _shipped(params)
    return f"{shipped[:-1]}{back}." if shipped else ""


def _trial_window(params: Params) -> str:
    last = params.get("last_day")
    return f"The last day to decide is {long_day(_date(last))}." if last else ""


def _hold_released(params: Params) -> str:
    how = "lapsed on its own" if params.get("lapsed") else "is cancelled"
    return f"The {_amount(params)} card check {how}."


_DETAILS: dict[EventKind, Callable[[Params], str]] = {
    EventKind.PAID: _paid,
    EventKind.SHIPPED: _shipped,
    EventKind.IN_TRANSIT: _scan,
    EventKind.OUT_FOR_DELIVERY: _scan,
    EventKind.HELD_AT_CUSTOMS: _scan,
    EventKind.EXCEPTION: _scan,
    EventKind.DELIVERED: _scan,
    EventKind.CANCELLED: lambda params: str(params.get("reason", "")),
    EventKind.REFUNDED: _refunded,
    EventKind.FITTING_PAIR_SHIPPED: _scan,
    EventKind.FITTING_PAIR_RETURNED: _scan,
    EventKind.FIT_SUBMITTED: _fit_submitted,
    EventKind.FIT_CONFIRMED: _fit_confirmed,
    EventKind.PRODUCTION_STARTED: _production,
    EventKind.DUE_DATE_MOVED: _due_date_moved,
    EventKind.REMINDER_SENT: _reminder,
    EventKind.RETURN_REQUESTED: _return_requested,
    EventKind.RETURN_LABEL_ISSUED: _scan,
    EventKind.RETURN_IN_TRANSIT: _scan,
    EventKind.RETURN_REFUSED: lambda params: str(params.get("reason", "")),
    EventKind.TRIAL_EXCHANGE_REQUESTED: lambda params: f"Asked for {', '.join(params.get('sizes') or [])}.",
    EventKind.TRIAL_DECIDED: _trial_decided,
    EventKind.TRIAL_EXPIRED: _trial_expired,
    EventKind.TRIAL_CHARGED: _trial_charged,
    EventKind.TRIAL_CHARGE_FAILED: _trial_charge_failed,
    EventKind.TRIAL_PAIR_INSPECTED: _trial_inspected,
    EventKind.TRIAL_NOT_SENT_BACK: _trial_not_sent_back,
    EventKind.TRIAL_CURATED: _trial_curated,
    EventKind.TRIAL_SHIPPED: _trial_shipped,
    EventKind.TRIAL_WINDOW_OPENED: _trial_window,
    EventKind.TRIAL_CANCELLED: lambda params: str(params.get("reason", "")),
    EventKind.TRIAL_HOLD_RELEASED: _hold_released,
    EventKind.RETURN_SENT_BACK: _shipped,
}

_TITLES = {
    EventKind.RETURN_REQUESTED: "Return requested",
    EventKind.RETURN_IN_REVIEW: "Return in review",
    EventKind.RETURN_APPROVED: "Return approved",
    EventKind.RETURN_REFUSED: "Return refused",
    EventKind.RETURN_LABEL_ISSUED: "Return label issued",
    EventKind.RETURN_IN_TRANSIT: "Return on its way",
    EventKind.RETURN_RECEIVED: "Return received",
    EventKind.RETURN_INSPECTED: "Return inspected",
    EventKind.RETURN_CLOSED: "Return done",
    EventKind.RETURN_SENT_BACK: "Pairs not accepted, sent back to you",
    EventKind.FITTING_PAIR_RETURNED: "Fitting pair back at the studio",
    EventKind.PAIR_MADE: "Pair made, waiting for its box",
    EventKind.DUE_DATE_MOVED: "New ship-by date",
    EventKind.REMINDER_SENT: "Reminder sent",
    EventKind.PRODUCTION_STARTED: "In production",
    EventKind.TRIAL_REQUESTED: "Trial box requested",
    EventKind.TRIAL_EXCHANGE_REQUESTED: "Another size asked for",
    EventKind.TRIAL_DECIDED: "Your choice is in",
    EventKind.TRIAL_EXPIRED: "Trial ended",
    EventKind.TRIAL_CLOSED: "Trial complete",
    EventKind.TRIAL_HOLD_RELEASED: "Card hold released",
    EventKind.TRIAL_CHARGED: "Charged",
    EventKind.TRIAL_CHARGE_FAILED: "Payment declined",
    EventKind.TRIAL_PAIR_INSPECTED: "Pair inspected",
    EventKind.TRIAL_NOT_SENT_BACK: "Not sent back",
    EventKind.TRIAL_CURATED: "Trial box ready",
    EventKind.TRIAL_SHIPPED: "Trial box shipped",
    EventKind.TRIAL_WINDOW_OPENED: "Trial box delivered: the window is open",
    EventKind.TRIAL_CANCELLED: "Trial cancelled",
}


def event_title(event: OrderEvent) -> str:
    """"Out for delivery", "Fitting pair shipped"…"""
    return _TITLES.get(event.kind) or str(event.kind).replace("_", " ").capitalize()


def event_detail(event: OrderEvent) -> str:
    """The sentence after the title, or "" when the title says it all."""
    params = event.params or {}
    if "note" in params:  # worded before events were data
        return str(params["note"])
    detail = _DETAILS.get(event.kind)
    return detail(params) if detail else ""


def event_text(event: OrderEvent) -> str:
    """Title and detail: "Shipped: 1 pair by UPS, tracking 1Z…"."""
    detail = event_detail(event)
    return f"{event_title(event)}: {detail}" if detail else event_title(event)
