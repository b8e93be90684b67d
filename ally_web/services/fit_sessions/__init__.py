"""The 15-minute video fit session of an at-home trial box: the staff calendar, the
free slots, booking (once the box has arrived), moving and cancelling, and the
calendar invitation each change emails.

For the trial's pages: ``fit_session_for(order)`` is the booked session or None, and
``fit_session_url(order)`` the page where the customer books or changes it.
"""

from ally_web.services.fit_sessions.booking import (
    NOT_A_TRIAL,
    NOT_ARRIVED,
    TRIAL_OVER,
    FitSessionPage,
    SlotTaken,
    active_booking,
    book,
    box_for,
    cancel,
    fit_session_for,
    page_for,
    reschedule,
)
from ally_web.services.fit_sessions.invitation import CANCEL, REQUEST, ics
from ally_web.services.fit_sessions.links import fit_session_url
from ally_web.services.fit_sessions.schedule import (
    DayHours,
    add_exception,
    bookings_on,
    exceptions_from,
    remove_exception,
    save_weekly_hours,
    set_video_link,
    upcoming_bookings,
    video_link,
    weekly_hours,
)
from ally_web.services.fit_sessions.slots import (
    WEEKDAYS,
    DaySlots,
    Schedule,
    Slot,
    booking_window,
    by_day,
    day_words,
    free_slots,
    load_schedule,
    parse_key,
    time_words,
)
from ally_web.services.fit_sessions.states import FIT_SESSION

__all__ = [
    "CANCEL",
    "FIT_SESSION",
    "NOT_ARRIVED",
    "NOT_A_TRIAL",
    "REQUEST",
    "TRIAL_OVER",
    "WEEKDAYS",
    "DayHours",
    "DaySlots",
    "FitSessionPage",
    "Schedule",
    "Slot",
    "SlotTaken",
    "active_booking",
    "add_exception",
    "book",
    "booking_window",
    "bookings_on",
    "box_for",
    "by_day",
    "cancel",
    "day_words",
    "exceptions_from",
    "fit_session_for",
    "fit_session_url",
    "free_slots",
    "ics",
    "load_schedule",
    "page_for",
    "parse_key",
    "remove_exception",
    "reschedule",
    "save_weekly_hours",
    "set_video_link",
    "time_words",
    "upcoming_bookings",
    "video_link",
    "weekly_hours",
]
