"""Trial boxes for tests: a requested box made through the sign-up service (the same
questionnaire checks, the sandbox's hosted card page, the hold), without the pages."""

from __future__ import annotations

from ally_web.extensions import db
from ally_web.gateways.payments import get_gateway, sandbox_session
from ally_web.gateways.payments.sandbox import sandbox_save_card
from ally_web.models import TrialBox
from ally_web.services import trial

FIT = dict(size="8.5", width="M", other_brands="Sam Edelman 8.5", foot_notes=["wide_forefoot"], foot_other="",
           heel_comfort="mid")
COLOURS = dict(colour_1="black", colour_2="almond", colour_3="", condition="either")
BROOKLYN = dict(email="tess@example.com", name="Tess Ortiz", phone="7185550100", line1="70 Washington Street",
                line2="Apt 4", city="Brooklyn", region="New York", postal_code="11201", country="US")
GOOD_CARD = "4242424242424242"


def draft_at_card(email: str = BROOKLYN["email"], **address) -> TrialBox:
    box = trial.start_draft()
    trial.save_step(box, "fit", FIT)
    trial.save_step(box, "colours", COLOURS)
    trial.save_step(box, "address", {**BROOKLYN, "email": email, **address})
    db.session.commit()
    return box


def save_card(box: TrialBox, card: str = GOOD_CARD) -> str:
    """Open the card page and submit ``card`` there; returns the session id."""
    trial.start_card_setup(box, get_gateway(), "http://localhost/trial/card-return",
                           "http://localhost/trial/card")
    session_id = box.setup_session
    assert session_id is not None
    sandbox_save_card(sandbox_session(session_id), card)
    db.session.commit()
    return session_id


def requested_box(email: str = BROOKLYN["email"], card: str = GOOD_CARD) -> TrialBox:
    """A box in state ``requested``: answers, address, card saved and held, its order."""
    box = draft_at_card(email)
    session_id = save_card(box, card)
    box = trial.complete_card_setup(session_id, get_gateway())
    db.session.commit()
    return box
