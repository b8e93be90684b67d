"""The at-home trial: questionnaire, card check, curation, the window, decisions,
charges and inspection (a box is an order of kind ``trial``; models/trials.py)."""

from ally_web.services.trial.states import OPEN_STATES, TRIAL

__all__ = ["OPEN_STATES", "TRIAL"]
