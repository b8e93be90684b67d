"""The fit result: what a customer tells us about their fitting pair, at /fit-result.

One result per made-to-order pair. It can be sent once the fitting pair is on its
way (sending it says the pair arrived, if no delivery scan said so first), and sent
again to change it until staff confirm the size. Every answer is kept with the
customer: the latest in ``FitResult``, each one it replaced in ``FitResultRevision``
(their fit profile keeps what they said first, too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.core.formatting import size
from ally_web.extensions import db
from ally_web.models import FitResult, FitResultRevision, MadeToOrderPath, MadeToOrderState, Order, OrderLine, ScanKind
from ally_web.models.fit import SENT_ANSWERS
from ally_web.services.catalog import parse_size
from ally_web.services.lifecycle import transition
from ally_web.services.made_to_order.fit_questions import (
    FEET,
    QUESTIONS,
    Suggestion,
    answer_words,
    missing_answers,
    size_label,
    suggest_size,
)
from ally_web.services.orders import record_scan
from ally_web.services.orders.states import MADE_TO_ORDER

MAX_REASON_LENGTH = 500
# Where a pair must be for its fit result to be sent (or changed).
OPEN_FOR_RESULT = (MadeToOrderState.FITTING_PAIR_SHIPPED, MadeToOrderState.FITTING_PAIR_DELIVERED,
                   MadeToOrderState.FIT_SUBMITTED)


class FitResultInvalid(DomainError):
    """Answers missing or not ours: ``errors`` maps each form field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Some answers are missing. They are marked below; what you chose is kept.")
        self.errors = errors


@dataclass
class FitAnswers:
    """What the form sent, as typed (nothing here is trusted yet). Sizes are text
    ("8", "8.5", "8½"); an empty chosen size or width means "as suggested"."""

    answers: dict[str, dict[str, str]] = field(default_factory=dict)  # foot → question → value
    card_size: str = ""
    card_width: str = ""
    chosen_size: str = ""
    chosen_width: str = ""
    chosen_reason: str = ""


@dataclass(frozen=True)
class _Sizes:
    card_size: int | None
    card_width: str | None
    chosen_size: int | None  # None: as suggested
    chosen_width: str | None


def _sizes(given: FitAnswers, errors: dict[str, str]) -> _Sizes:
    def one(raw: str, name: str, message: str) -> int | None:
        if not (raw or "").strip():
            return None
        halves = parse_size(raw)
        if halves is None:
            errors[name] = message
        return halves

    def width(raw: str, name: str) -> str | None:
        value = (raw or "").strip().upper()[:1] or None
        if value is not None and value not in policy.WIDTHS:
            errors[name] = "Please choose a width from the list."
            return None
        return value

    return _Sizes(
        card_size=one(given.card_size, "card_size", "Enter the size the card shows, from 5 to 12 (e.g. 8 or 8.5)."),
        card_width=width(given.card_width, "card_width"),
        chosen_size=one(given.chosen_size, "chosen_size", "Please choose a size from the list, from 5 to 12."),
        chosen_width=width(given.chosen_width, "chosen_width"),
    )


def fitting_lines(order: Order) -> list[OrderLine]:
    """The order's made-to-order pairs that go through a fitting pair."""
    return [line for line in order.lines if line.mto_path is MadeToOrderPath.FITTING_FIRST]


def fitting_line(order: Order, line_id: int) -> OrderLine | None:
    return next((line for line in fitting_lines(order) if line.id == line_id), None)


def open_for_result(line: OrderLine) -> bool:
    return line.mto_state in OPEN_FOR_RESULT and not line.order.cancelled


def suggestion_for(line: OrderLine, given: FitAnswers) -> Suggestion:
    """The size the answers point to (partial answers too: the page updates as they come)."""
    card = parse_size(given.card_size) if (given.card_size or "").strip() else None
    return suggest_size(line.size_halves, line.width, given.answers, card)


def answers_of(result: FitResult | None) -> FitAnswers | None:
    """A sent result as the form shows it again."""
    if result is None:
        return None
    chosen_as_suggested = (result.chosen_size_halves, result.chosen_width) == (
        result.suggested_size_halves, result.suggested_width)
    return FitAnswers(
        answers={foot: dict((result.answers or {}).get(foot) or {}) for foot in FEET},
        card_size=size(result.card_size_halves).replace("½", ".5"), card_width=result.card_width or "",
        chosen_size="" if chosen_as_suggested else str(result.chosen_size_halves / 2).removesuffix(".0"),
        chosen_width="" if chosen_as_suggested else result.chosen_width,
        chosen_reason=result.chosen_reason,
    )


def _check(line: OrderLine, given: FitAnswers) -> tuple[Suggestion, _Sizes, dict[str, dict[str, str]]]:
    errors: dict[str, str] = {}
    for foot, key in missing_answers(given.answers):
        errors[f"{foot}_{key}"] = "Please choose one."
    sizes = _sizes(given, errors)
    suggestion = suggest_size(line.size_halves, line.width, given.answers, sizes.card_size)
    chosen = (sizes.chosen_size or suggestion.size_halves, sizes.chosen_width or suggestion.width)
    reason = (given.chosen_reason or "").strip()
    if chosen != (suggestion.size_halves, suggestion.width) and not reason:
        errors["chosen_reason"] = "You chose another size than the one suggested: please tell us why."
    if len(reason) > MAX_REASON_LENGTH:
        errors["chosen_reason"] = f"Please keep this under {MAX_REASON_LENGTH} characters."
    if errors:
        raise FitResultInvalid(errors)
    questions = {q.key: dict(q.choices) for q in QUESTIONS}
    clean = {foot: {key: given.answers[foot][key] for key in questions} for foot in FEET}
    return suggestion, _Sizes(sizes.card_size, sizes.card_width, chosen[0], chosen[1]), clean


@dataclass(frozen=True)
class EarlierAnswers:
    """A fit result as first sent, for the stylist: what it asked for and each answer
    that differs from the result as it stands."""

    sent_at: datetime
    replaced_at: datetime
    asked: str  # "8½ Medium"
    reason: str  # the customer's words for choosing another size, if any
    changes: tuple[str, ...]  # "Left foot, where do your toes sit when you stand? Pressed against the front"


def earlier_answers(result: FitResult | None) -> list[EarlierAnswers]:
    """The answers ``result`` replaced, oldest first."""
    if result is None:
        return []
    now = result.answers or {}
    out = []
    for earlier in result.earlier:
        then = earlier.answers or {}
        changes = tuple(
            f"{FEET[foot]}, {question.label.lower()} {answer_words(question.key, before)}"
            for question in QUESTIONS for foot in FEET
            if (before := (then.get(foot) or {}).get(question.key, "")) != (now.get(foot) or {}).get(question.key, "")
        )
        out.append(EarlierAnswers(earlier.sent_at, earlier.replaced_at,
                                  size_label(earlier.chosen_size_halves, earlier.chosen_width),
                                  earlier.chosen_reason, changes))
    return out


def _keep_earlier(result: FitResult, moment: datetime) -> None:
    """The answers about to be replaced stay in the customer's fit profile."""
    result.earlier.append(FitResultRevision(
        customer_id=result.customer_id, sent_at=result.updated_at, replaced_at=moment,
        **{column: getattr(result, column) for column in SENT_ANSWERS},
    ))


def submit_fit_result(line: OrderLine, given: FitAnswers, actor: Actor) -> FitResult:
    """Keep the customer's fit result for ``line`` (or replace it, until staff confirm).

    Raises FitResultInvalid (answers missing, a size we do not make, another size than
    suggested without a reason) or DomainError (the pair is not at that step: no fitting
    pair sent yet, or the fit already confirmed).
    """
    order = line.order
    if order.cancelled:
        raise DomainError("This order was cancelled, so there is no fit to confirm.")
    if line.mto_state not in OPEN_FOR_RESULT:
        if line.mto_state is MadeToOrderState.AWAITING_FITTING_PAIR:
            raise DomainError("Your fitting pair has not left the studio yet; we'll email you when it does.")
        raise DomainError("Your fit is already confirmed, so it can no longer be changed here. "
                          f"To change it, write to {policy.CONTACT_EMAIL}.")
    suggestion, sizes, answers = _check(line, given)
    moment = clock.now()
    if line.mto_state is MadeToOrderState.FITTING_PAIR_SHIPPED and line.fitting_shipment is not None:
        # Trying the pair on says it arrived, whatever the carrier has reported so far.
        record_scan(line.fitting_shipment, ScanKind.DELIVERED, moment, actor, "Told us by the customer")
    result = line.fit_result or db.session.scalar(select(FitResult).where(FitResult.order_line_id == line.id))
    first = result is None
    if result is None:
        result = FitResult(customer_id=order.customer_id, line=line, submitted_at=moment)
        db.session.add(result)
    else:
        _keep_earlier(result, moment)
    result.answers = answers
    result.card_size_halves, result.card_width = sizes.card_size, sizes.card_width
    result.suggested_size_halves, result.suggested_width = suggestion.size_halves, suggestion.width
    result.suggestion_reason = suggestion.reason
    result.chosen_size_halves, result.chosen_width = sizes.chosen_size, sizes.chosen_width  # type: ignore[assignment]
    result.chosen_reason = (given.chosen_reason or "").strip()
    result.updated_at = moment
    transition(line, MADE_TO_ORDER, MadeToOrderState.FIT_SUBMITTED, actor=actor, order=order, at=moment,
               line_id=line.id, size_halves=sizes.chosen_size, width=sizes.chosen_width, changed=not first)
    db.session.flush()
    return result
