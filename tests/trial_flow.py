"""Trial boxes for tests: a requested box made through the sign-up service (the same
questionnaire checks, the sandbox's hosted card page, the hold), without the pages."""

from __future__ import annotations

from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CARRIER, Actor
from ally_web.extensions import db
from ally_web.gateways.payments import get_gateway, sandbox_session
from ally_web.gateways.payments.sandbox import sandbox_save_card
from ally_web.models import (
    Colour,
    OrderLine,
    Shipment,
    ShipmentPurpose,
    Style,
    TrialBox,
    TrialCondition,
    TrialPair,
    TrialState,
    Variant,
)
from ally_web.services import trial
from ally_web.services.lifecycle import transition
from ally_web.services.pricing import calendar
from ally_web.services.trial import TRIAL

STAFF = Actor.staff(None, "Sam Rivera")

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


def delivered_box(email: str = BROOKLYN["email"], card: str = GOOD_CARD, pairs=(("black", 17, "M", "new"),
                  ("almond", 18, "M", "sample")), delivered_at=None) -> TrialBox:
    """A box whose pairs were delivered (its window open): built with the models and
    the lifecycle table, as the staff's curation and the carrier's scan leave it."""
    box = requested_box(email, card)
    order = box.order
    moment = delivered_at or clock.now()
    for colour, size_halves, width, condition in pairs:
        variant = db.session.scalar(select(Variant).join(Colour).join(Style).where(
            Style.slug == "classic-pump", Colour.slug == colour, Variant.size_halves == size_halves,
            Variant.width == width))
        retail = variant.colour.style.price_cents
        line = OrderLine(variant_id=variant.id, sku=variant.sku, style_name=variant.colour.style.name,
                         colour_name=variant.colour.name, size_halves=size_halves, width=width,
                         unit_price_cents=retail, quantity=1)
        order.lines.append(line)
        db.session.flush()
        keep = retail if condition == "new" else retail * (100 - policy.SAMPLE_PAIR_DISCOUNT_PERCENT) // 100 // 100 * 100
        box.pairs.append(TrialPair(order_line_id=line.id, round=1, condition=TrialCondition(condition),
                                   retail_cents=retail, keep_cents=keep, lining_cleaned=True,
                                   condition_photographed=True, sole_protectors_on=True))
    transition(box, TRIAL, TrialState.CURATED, actor=STAFF, order=order, pairs=len(pairs), round=1)
    parcel = Shipment(order=order, carrier="UPS", tracking_number=f"1Z{box.id:016d}", shipped_at=moment,
                      purpose=ShipmentPurpose.PAIRS, delivered_at=moment)
    db.session.add(parcel)
    for line in order.lines:
        line.shipment = parcel
    transition(box, TRIAL, TrialState.SHIPPED, actor=STAFF, order=order, pairs=len(pairs), round=1,
               carrier=parcel.carrier, tracking_number=parcel.tracking_number)
    transition(box, TRIAL, TrialState.DELIVERED, actor=CARRIER, order=order)
    box.delivered_at = moment
    box.window_ends_at = calendar.trial_window_closes_at(clock.to_store_time(moment).date())
    box.exchange_until = calendar.trial_size_exchange_closes_at(moment)
    db.session.commit()
    return box
