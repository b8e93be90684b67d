"""The at-home trial: questionnaire and card check (``signup``), the window
(``window``), the customer's decisions (``decisions``), the money (``charges``), the
jobs at the end of the window (``endings``), the pairs coming back (``inspection``)
and closing (``closing``). A box is an order of kind ``trial`` (models/trials.py);
its lifecycle is ``states.TRIAL``."""

from ally_web.services.trial import questionnaire
from ally_web.services.trial.charges import (
    KIND_WORDS,
    charge_due,
    charge_for_payment,
    complete_payment,
    failed_charges,
    open_charges,
    release_hold,
    start_payment,
)
from ally_web.services.trial.closing import close_finished, close_if_finished
from ally_web.services.trial.decisions import (
    DecisionInvalid,
    ask_exchange,
    check_choices,
    decide,
    return_parcel,
    rounds_note,
)
from ally_web.services.trial.endings import expire_boxes, send_reminders
from ally_web.services.trial.inspection import coming_back, inspect, receive
from ally_web.services.trial.questionnaire import AnswersInvalid, size_choices
from ally_web.services.trial.signup import (
    CardRefused,
    answers_in_words,
    box_for_order,
    check_step,
    colour_choices,
    complete_card_setup,
    find_by_setup_session,
    find_draft,
    open_box_for,
    save_step,
    start_card_setup,
    start_draft,
    trial_style,
)
from ally_web.services.trial.states import OPEN_STATES, TRIAL
from ally_web.services.trial.window import Window, current_round, keep_price, kept_total, retail_total, window_of

__all__ = [
    "KIND_WORDS",
    "OPEN_STATES",
    "TRIAL",
    "AnswersInvalid",
    "CardRefused",
    "DecisionInvalid",
    "Window",
    "answers_in_words",
    "ask_exchange",
    "box_for_order",
    "charge_due",
    "charge_for_payment",
    "check_choices",
    "check_step",
    "close_finished",
    "close_if_finished",
    "colour_choices",
    "coming_back",
    "complete_card_setup",
    "complete_payment",
    "current_round",
    "decide",
    "expire_boxes",
    "failed_charges",
    "find_by_setup_session",
    "find_draft",
    "inspect",
    "keep_price",
    "kept_total",
    "open_box_for",
    "open_charges",
    "questionnaire",
    "receive",
    "release_hold",
    "retail_total",
    "return_parcel",
    "rounds_note",
    "save_step",
    "send_reminders",
    "size_choices",
    "start_card_setup",
    "start_draft",
    "start_payment",
    "trial_style",
    "window_of",
]
