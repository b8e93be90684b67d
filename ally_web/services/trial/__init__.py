"""The at-home trial: questionnaire, card check, curation, the window, decisions,
charges and inspection (a box is an order of kind ``trial``; models/trials.py)."""

from ally_web.services.trial import questionnaire
from ally_web.services.trial.questionnaire import AnswersInvalid
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

__all__ = [
    "OPEN_STATES",
    "TRIAL",
    "AnswersInvalid",
    "CardRefused",
    "answers_in_words",
    "check_step",
    "box_for_order",
    "colour_choices",
    "complete_card_setup",
    "find_by_setup_session",
    "find_draft",
    "open_box_for",
    "questionnaire",
    "save_step",
    "start_card_setup",
    "start_draft",
    "trial_style",
]
