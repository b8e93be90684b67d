"""Signing up for a trial box: the draft, the card, and the request.

The questionnaire is kept as a draft box (``TrialBox`` in state ``draft``) whose token
lives in the shopper's session, so going back, or coming back later from the same
browser, finds every answer. The last step sends the shopper to the payment
provider's hosted page in "save the card" mode (the shop never sees a card number).
When they come back, the shop asks the provider what happened (never the query
string) and:

- refuses a prepaid card (the trial's rule; checkout accepts them), saying why and
  what to use instead, and keeps the draft;
- places the hold the FAQ promises (``policy.TRIAL_HOLD_CENTS``) on the saved card,
  which checks that the card works; a declined hold is refused the same way;
- refuses a second open trial for the same customer (checked at the address step
  too, and again here because two tabs may race);
- otherwise opens the order (kind ``trial``, its own number, found by the order
  lookup) and moves the box to ``requested``, once, however many times the return
  address is loaded.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import CUSTOMER
from ally_web.core.emails import canonical_email
from ally_web.core.errors import DomainError, NotFound
from ally_web.extensions import db
from ally_web.gateways.payments import PaymentGateway, PaymentResult
from ally_web.models import Customer, Order, OrderKind, PaymentMode, Style, TrialBox, TrialState
from ally_web.services.lifecycle import transition
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import new_order_number, status_url
from ally_web.services.trial import questionnaire
from ally_web.services.trial.states import OPEN_STATES, TRIAL

PREPAID_REFUSED = (
    "This is a prepaid card, and we can't keep prepaid cards on file for the trial: a pair kept "
    "at the end is charged days later, when a prepaid balance may be gone. Please use a credit or "
    "debit card in your name. (Prepaid cards are welcome when you buy a pair outright.)"
)
HOLD_DECLINED = (
    "Your bank declined the small check we place on the card, so the trial could not start. "
    "Nothing was charged. Please try another credit or debit card."
)
ALREADY_OPEN = (
    "You already have a trial box on its way or at home. Once it is finished you can ask for "
    "another; meanwhile you can see it with the order lookup."
)


class CardRefused(DomainError):
    """The card came back from the provider but the trial cannot use it."""


def trial_style() -> Style | None:
    """The style that can be tried at home (the classic pump)."""
    return db.session.scalar(select(Style).where(Style.trial_eligible.is_(True), Style.hidden.is_(False))
                             .order_by(Style.position, Style.id).limit(1))


def colour_choices() -> dict[str, str]:
    """slug → name of the colours the trial style comes in."""
    style = trial_style()
    if style is None:
        return {}
    return {c.slug: c.name for c in style.colours if not c.hidden}


def find_draft(token: str | None) -> TrialBox | None:
    """The box behind a browser's draft token, if it is still a draft."""
    if not token:
        return None
    box = db.session.scalar(select(TrialBox).where(TrialBox.token == token[:43]))
    return box if box is not None and box.state is TrialState.DRAFT else None


def find_by_setup_session(session_id: str) -> TrialBox | None:
    return db.session.scalar(select(TrialBox).where(TrialBox.setup_session == session_id[:64]))


def box_for_order(order: Order) -> TrialBox | None:
    return db.session.scalar(select(TrialBox).where(TrialBox.order_id == order.id))


def start_draft() -> TrialBox:
    moment = clock.now()
    box = TrialBox(token=secrets.token_urlsafe(32), state=TrialState.DRAFT, step="fit", answers={},
                   created_at=moment, updated_at=moment)
    db.session.add(box)
    db.session.flush()
    return box


def save_step(box: TrialBox, step: str, given: Mapping[str, object]) -> str:
    """Check and keep one step's answers; returns the next step. Raises AnswersInvalid
    (the answers are kept as typed anyway, so the form shows them again)."""
    if box.state is not TrialState.DRAFT:
        raise DomainError("This questionnaire was sent already.")
    if not questionnaire.reachable(step, box.step) or step == "card":
        raise DomainError("Please answer the questions in order.")
    typed = {name: given.get(name) for name in questionnaire.STEP_FIELDS[step]}
    box.answers = {**box.answers, "typed": {**box.answers.get("typed", {}), **typed}}
    box.updated_at = clock.now()
    if step == "fit":
        box.answers = {**box.answers, "fit": questionnaire.check_fit(given)}
    elif step == "colours":
        box.answers = {**box.answers, **questionnaire.check_colours(given, colour_choices())}
    elif step == "address":
        email, address = questionnaire.check_address_step(given)
        if open_box_for(email) is not None:
            raise questionnaire.AnswersInvalid({"email": ALREADY_OPEN})
        box.email, box.email_canonical = email, canonical_email(email)
        for name in ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country"):
            setattr(box, name, getattr(address, name))
    following = questionnaire.step_after(step)
    if questionnaire.STEPS.index(following) > questionnaire.STEPS.index(box.step):
        box.step = following
    return following


def check_step(step: str, given: Mapping[str, object]) -> dict[str, str]:
    """Every field error of one step as typed, saving nothing (the live form)."""
    try:
        if step == "fit":
            questionnaire.check_fit(given)
        elif step == "colours":
            questionnaire.check_colours(given, colour_choices())
        elif step == "address":
            questionnaire.check_address_step(given)
    except questionnaire.AnswersInvalid as invalid:
        return invalid.errors
    return {}


def answers_in_words(box: TrialBox) -> list[tuple[str, str]]:
    """(question, answer) for the review before the card, and for staff."""
    return questionnaire.in_words(box.answers, colour_choices())


def open_box_for(email: str) -> TrialBox | None:
    """The customer's trial still under way, if any (one at a time)."""
    return db.session.scalar(select(TrialBox).where(
        TrialBox.email_canonical == canonical_email(email), TrialBox.state.in_(OPEN_STATES)).limit(1))


def start_card_setup(box: TrialBox, gateway: PaymentGateway, return_url: str, cancel_url: str) -> str:
    """Open the provider's page that saves a card; returns where to send the shopper."""
    if box.state is not TrialState.DRAFT or box.step != "card":
        raise DomainError("Please finish the questions first.")
    session = gateway.create_session(
        amount_cents=0, currency=policy.CURRENCY, mode="setup", description="ALLY at-home trial: card on file",
        return_url=return_url, cancel_url=cancel_url,
        idempotency_key=f"trial:{box.token}:setup:{secrets.token_hex(8)}", metadata={"trial": box.token})
    box.setup_session = session.id
    box.card_refusal = ""
    box.updated_at = clock.now()
    return session.url


def complete_card_setup(session_id: str, gateway: PaymentGateway) -> TrialBox:
    """The shopper is back from the provider's page: check the card, hold, request.

    Idempotent: a second load of the return address finds the box already requested;
    two loads at the same moment hold the same card once (one idempotency key) and
    the slower one gets ChangedMeanwhile (the caller rolls back and shows the box).
    Raises NotFound (unknown session) or CardRefused (the draft keeps the reason).
    """
    box = find_by_setup_session(session_id)
    if box is None:
        raise NotFound("We could not find that card check.")
    if box.state is not TrialState.DRAFT:
        return box
    result = gateway.retrieve(session_id)
    if result.status != "saved" or result.saved_method is None:
        if result.status == "open":
            raise CardRefused("Your card is not saved yet. Please finish on the card page.")
        return _refuse(box, result.failure_message or "Your card could not be saved. Please try another card.")
    if policy.TRIAL_REFUSES_PREPAID_CARDS and result.card_funding == "prepaid":
        return _refuse(box, PREPAID_REFUSED)
    if open_box_for(box.email) is not None:
        return _refuse(box, ALREADY_OPEN)
    hold = gateway.authorize_saved(result.payment_method or "", policy.TRIAL_HOLD_CENTS,
                                   idempotency_key=f"trial:{box.token}:hold:{session_id}",
                                   description="ALLY at-home trial: card check")
    if hold.status != "authorized":
        return _refuse(box, HOLD_DECLINED)
    return _request(box, result, hold)


def _refuse(box: TrialBox, message: str) -> TrialBox:
    box.card_refusal = message
    box.setup_session = None
    box.updated_at = clock.now()
    raise CardRefused(message)


def _customer_for(box: TrialBox, moment: datetime) -> Customer:
    customer = db.session.scalar(select(Customer).where(Customer.email_canonical == box.email_canonical))
    if customer is None:
        customer = Customer(email=box.email, email_canonical=box.email_canonical, name=box.name,
                            phone=box.phone or None, created_at=moment)
        db.session.add(customer)
        db.session.flush()
    return customer


def _request(box: TrialBox, card: PaymentResult, hold: PaymentResult) -> TrialBox:
    moment = clock.now()
    customer = _customer_for(box, moment)
    order = Order(
        kind=OrderKind.TRIAL, number=new_order_number(), token=secrets.token_urlsafe(32), checkout_id=None,
        customer_id=customer.id, email=box.email, email_canonical=box.email_canonical,
        shipping_method="trial", payment_provider="", payment_ref="", payment_mode=PaymentMode.CARD,
        card_brand=card.card_brand or "", card_last4=card.card_last4 or "", card_funding=card.card_funding or "",
        placed_at=moment, quote={},
    )
    for name in ("name", "phone", "line1", "line2", "city", "region", "postal_code", "country"):
        setattr(order, name, getattr(box, name))
    db.session.add(order)
    db.session.flush()
    transition(box, TRIAL, TrialState.REQUESTED, actor=CUSTOMER, order=order, at=moment)
    box.order_id = order.id
    box.customer_id = customer.id
    box.payment_method = card.payment_method
    box.card_brand, box.card_last4 = order.card_brand, order.card_last4
    box.card_funding = order.card_funding
    box.card_refusal = ""
    box.hold_ref, box.hold_cents, box.hold_expires_at = hold.payment_ref, hold.amount_cents, hold.expires_at
    box.updated_at = moment
    enqueue_email(to=order.email, subject=f"Your ALLY trial box #{order.number}", template="trial_requested",
                  kind="trial_requested", order_id=order.id, order=order, box=box, status_url=status_url(order))
    db.session.flush()
    return box
