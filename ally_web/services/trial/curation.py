"""The fitting team's side of a trial box before it ships: the queue, the customer's
answers and fit profile, the stock around their size, the pairs chosen, the
checklist, "box ready", reopening and cancelling.

Rules:

- A round holds ``policy.TRIAL_SIZES_IN_BOX`` pairs (1 to 2). The first round is
  the box as asked for; a size exchange within 24 hours of delivery sends a second
  round. Pairs are chosen while the box waits (``requested``, or
  ``exchange_requested`` for the second round) and are fixed once it is ready
  (``curated``); staff reopen it to change them.
- Each pair is new or a sample. A new pair comes off the shop's shelf: it is set
  aside with the ledger reason "trial stock out" when chosen and put back ("trial
  stock in") when removed or when the box is cancelled. A sample comes from the
  studio's own sample shelf, which the shop's stock does not count, so it moves no
  stock. A customer who asked for new pairs only gets no sample.
- Each pair is a line of the box's order at the colour's current price (quantity 1,
  in stock, dated like a trial box: ``policy.TRIAL_SHIPS`` then
  ``policy.TRIAL_TRANSIT`` business days). Keeping it costs that retail price, or,
  for a sample, the retail price less ``policy.SAMPLE_PAIR_DISCOUNT_PERCENT``,
  rounded down to whole dollars (``keep_cents_for``). The order's subtotal is the
  retail value of the round being tried; nothing is charged upfront (total $0).
- "Box ready" needs at least one pair and the whole checklist ticked for every pair
  of the round: lining cleaned, condition photographed, sole protectors on.
- A box can be cancelled until it ships: its new pairs go back on the shelf, the
  order is cancelled, the card hold is voided (once; a hold that lapsed on its own
  is simply recorded as released) and the customer is emailed.

Every function takes the actor, flushes and never commits; a refusal raises
``DomainError`` (naming the form field when there is one) before anything changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import joinedload, selectinload

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.core.formatting import moment, size
from ally_web.core.lifecycle import ChangedMeanwhile
from ally_web.extensions import db
from ally_web.models import (
    Colour,
    Customer,
    EventKind,
    FitResult,
    Order,
    OrderLine,
    OrderState,
    ReturnItem,
    ReturnRequest,
    TrialBox,
    TrialCondition,
    TrialPair,
    TrialState,
    Variant,
)
from ally_web.services.catalog import back_from_trial, lock_stock, take_for_trial
from ally_web.services.lifecycle import transition
from ally_web.services.made_to_order import answer_words, size_label
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url
from ally_web.services.orders.states import ORDER
from ally_web.services.pricing import calendar
from ally_web.services.returns import REASONS
from ally_web.services.trial import questionnaire
from ally_web.services.trial.charges import release_hold
from ally_web.services.trial.signup import trial_style
from ally_web.services.trial.states import TRIAL
from ally_web.services.trial.window import current_round

QUEUE_STATES = (TrialState.REQUESTED, TrialState.EXCHANGE_REQUESTED)
CONDITION_WORDS = {TrialCondition.NEW: "New", TrialCondition.SAMPLE: "Sample"}
CHECKLIST = {
    "lining_cleaned": "Lining cleaned",
    "condition_photographed": "Condition photographed",
    "sole_protectors_on": "Sole protectors on",
}
SIZES_AROUND = 2  # half sizes either side of the customer's size shown in the stock grid
MAX_REASON_LENGTH = 500


# --- Rounds and prices -----------------------------------------------------------------


def round_pairs(box: TrialBox, number: int | None = None) -> list[TrialPair]:
    number = current_round(box) if number is None else number
    return [p for p in box.pairs if p.round == number]


def keep_cents_for(retail_cents: int, condition: TrialCondition) -> int:
    """What keeping a pair will cost, set when it is chosen: its retail price; a sample, that price less
    ``policy.SAMPLE_PAIR_DISCOUNT_PERCENT``, rounded down to whole dollars (a $295
    sample at 30% off: $206.50, so $206)."""
    if condition is TrialCondition.NEW:
        return retail_cents
    discounted = retail_cents * (100 - policy.SAMPLE_PAIR_DISCOUNT_PERCENT) // 100
    return discounted // 100 * 100


def pair_label(pair: TrialPair) -> str:
    """"Black, US 8½ Medium (sample)": how staff and emails name a pair in the box."""
    line = pair.line
    return f"{line.colour_name}, US {size_label(line.size_halves, line.width)} ({str(pair.condition)})"


# --- The queue -------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    box: TrialBox
    waiting_since: datetime  # when it was asked for (or the exchange was)
    exchange: bool
    pairs_chosen: int
    asked: str  # "8½ Medium"
    ships_by: date  # the promise: policy.TRIAL_SHIPS business days from the request's order day
    late: bool  # today is past ships_by


def waiting_since(box: TrialBox) -> datetime:
    """When the box joined the queue: the request, or the latest size exchange."""
    order = box.order
    kinds = (EventKind.TRIAL_REQUESTED, EventKind.TRIAL_EXCHANGE_REQUESTED)
    events = [e.at for e in order.events if e.kind in kinds] if order is not None else []
    return max(events, default=box.created_at)


def queue() -> list[QueueRow]:
    """Boxes for the fitting team, waiting longest first: requested ones, and
    second rounds for a size exchange."""
    boxes = db.session.scalars(
        select(TrialBox).where(TrialBox.state.in_(QUEUE_STATES))
        .options(joinedload(TrialBox.order).selectinload(Order.events),
                 selectinload(TrialBox.pairs).joinedload(TrialPair.line))
    ).unique().all()
    today = clock.to_store_time(clock.now()).date()
    rows = []
    for box in boxes:
        since = waiting_since(box)
        ships_by = calendar.add_business_days(calendar.order_day(since), policy.TRIAL_SHIPS.high)
        rows.append(QueueRow(box, since, box.state is TrialState.EXCHANGE_REQUESTED, len(round_pairs(box)),
                             _asked(box), ships_by, today > ships_by))
    return sorted(rows, key=lambda row: (row.waiting_since, row.box.id))


def boxes_in(*states: TrialState) -> list[TrialBox]:
    """Boxes in these states, the longest there first (ready to ship, on their way)."""
    return list(db.session.scalars(
        select(TrialBox).where(TrialBox.state.in_(states))
        .options(joinedload(TrialBox.order), selectinload(TrialBox.pairs).joinedload(TrialPair.line))
        .order_by(TrialBox.updated_at, TrialBox.id)
    ).unique().all())


def get_box(box_id: int) -> TrialBox | None:
    """A box that reached the fitting team (drafts are the shopper's business)."""
    box = db.session.get(TrialBox, box_id)
    return box if box is not None and box.state is not TrialState.DRAFT and box.order is not None else None


def _asked(box: TrialBox) -> str:
    fit = box.answers.get("fit") or {}
    halves, width = fit.get("size_halves"), fit.get("width")
    return size_label(halves, width) if isinstance(halves, int) and width else ""


# --- The answers and the fit profile ---------------------------------------------------


def answers_for_staff(box: TrialBox) -> list[tuple[str, str]]:
    """The questionnaire as staff read it: (question, answer) in the form's order."""
    fit = box.answers.get("fit") or {}
    colours = dict(_colour_names())
    notes = [questionnaire.FOOT_NOTES.get(n, n) for n in fit.get("foot_notes") or []]
    if fit.get("foot_other"):
        notes.append(f"“{fit['foot_other']}”")
    ranked = [f"{i}. {colours.get(slug, slug)}" for i, slug in enumerate(box.answers.get("colours") or [], 1)]
    return [
        ("Usual size", _asked(box) or "—"),
        ("Sizes in other brands", fit.get("other_brands") or "—"),
        ("About their feet", ", ".join(notes) or "Nothing noted"),
        ("Comfortable heel height", questionnaire.HEEL_COMFORT.get(fit.get("heel_comfort") or "", "—")),
        ("Colours, favourite first", "; ".join(ranked) or "—"),
        ("New or sample", questionnaire.CONDITION_PREFERENCE.get(box.answers.get("condition") or "", "—")),
    ]


@dataclass(frozen=True)
class PastFit:
    at: datetime
    pair: str  # "The Classic Pump, Black"
    size: str  # what they asked for, or what a stylist confirmed
    notes: list[str]


@dataclass(frozen=True)
class PastReturn:
    order_number: str
    pair: str
    action: str
    reason: str
    note: str
    feedback: list[str]


@dataclass(frozen=True)
class FitProfile:
    confirmed_size: str | None  # "8½ Medium" once a stylist confirmed it
    fits: list[PastFit]
    returns: list[PastReturn]


def fit_profile(box: TrialBox) -> FitProfile:
    """What the shop already knows about this customer's fit: the confirmed size,
    fit results of made-to-order pairs (with the answers they changed), and what they said when they sent pairs
    back or told us how they fit (four queries)."""
    customer = db.session.get(Customer, box.customer_id) if box.customer_id else None
    if customer is None:
        return FitProfile(None, [], [])
    confirmed = size_label(customer.size_halves, customer.width) if customer.size_known else None  # type: ignore[arg-type]
    fits = []
    for result in db.session.scalars(select(FitResult).where(FitResult.customer_id == customer.id)
                                     .options(joinedload(FitResult.line), selectinload(FitResult.earlier))
                                     .order_by(FitResult.submitted_at)):
        line = result.line
        for earlier in result.earlier:  # answers sent, then changed before a stylist confirmed
            notes = [text for text in (earlier.suggestion_reason, earlier.chosen_reason) if text]
            fits.append(PastFit(earlier.sent_at, f"{line.style_name}, {line.colour_name}",
                                f"asked {size_label(earlier.chosen_size_halves, earlier.chosen_width)}, "
                                f"changed {moment(earlier.replaced_at)}", notes))
        asked = size_label(result.chosen_size_halves, result.chosen_width)
        if result.confirmed_size_halves is not None and result.confirmed_width:
            asked = f"confirmed {size_label(result.confirmed_size_halves, result.confirmed_width)} (asked {asked})"
        notes = [text for text in (result.suggestion_reason, result.chosen_reason, result.staff_note) if text]
        fits.append(PastFit(result.updated_at, f"{line.style_name}, {line.colour_name}", asked, notes))
    returns = []
    items = db.session.scalars(
        select(ReturnItem).join(ReturnRequest, ReturnRequest.id == ReturnItem.request_id)
        .join(Order, Order.id == ReturnRequest.order_id)
        .where(Order.customer_id == customer.id)
        .options(joinedload(ReturnItem.line), joinedload(ReturnItem.request).joinedload(ReturnRequest.order))
        .order_by(ReturnItem.id)
    ).unique().all()
    for item in items:
        line = item.line
        feedback = [f"{foot}: {answer_words(key, value)}" for foot, given in (item.feedback or {}).items()
                    if isinstance(given, dict) for key, value in given.items()]
        returns.append(PastReturn(
            item.request.order.number, f"{line.style_name}, {line.colour_name}, US {size(line.size_halves)} "
            f"{policy.WIDTHS.get(line.width, '')}", str(item.action), REASONS.get(item.reason, "") if item.reason
            else "", item.note, feedback))
    return FitProfile(confirmed, fits, returns)


# --- Stock around their size -----------------------------------------------------------


@dataclass(frozen=True)
class StockGrid:
    colour: Colour
    sizes: list[int]  # half sizes, around the customer's
    widths: list[str]
    counts: dict[tuple[int, str], int | None]  # None: not offered in this colour
    asked: tuple[int, str] | None

    def count(self, halves: int, width: str) -> int | None:
        return self.counts.get((halves, width))


def _colour_names() -> list[tuple[str, str]]:
    style = trial_style()
    return [(c.slug, c.name) for c in style.colours if not c.hidden] if style is not None else []


def trial_colours(box: TrialBox | None = None) -> list[Colour]:
    """The trial style's colours, the customer's ranked ones first."""
    style = trial_style()
    if style is None:
        return []
    colours = [c for c in style.colours if not c.hidden]
    ranked = list((box.answers.get("colours") or []) if box is not None else [])
    return sorted(colours, key=lambda c: (ranked.index(c.slug) if c.slug in ranked else len(ranked), c.position))


def _asked_size(box: TrialBox) -> tuple[int, str] | None:
    fit = box.answers.get("fit") or {}
    halves, width = fit.get("size_halves"), fit.get("width")
    return (halves, width) if isinstance(halves, int) and width in policy.WIDTHS else None


def stock_around(box: TrialBox, colour_slug: str | None = None) -> StockGrid | None:
    """The shelf in the trial style's ``colour_slug`` (default: the customer's
    favourite), in the sizes around theirs and every width (one query). None when no
    style can be tried at home."""
    colours = trial_colours(box)
    if not colours:
        return None
    colour = next((c for c in colours if c.slug == colour_slug), colours[0])
    asked = _asked_size(box)
    middle = asked[0] if asked else 16
    offered = list(policy.SIZE_HALVES)
    sizes = [h for h in offered if abs(h - middle) <= SIZES_AROUND]
    counts: dict[tuple[int, str], int | None] = {}
    for variant in db.session.scalars(select(Variant).where(
            Variant.colour_id == colour.id, Variant.size_halves.in_(sizes), Variant.hidden.is_(False))):
        counts[(variant.size_halves, variant.width)] = variant.stock
    return StockGrid(colour, sizes, list(policy.WIDTHS), counts, asked)


@dataclass(frozen=True)
class ColourStock:
    colour: Colour
    in_their_size: int | None  # pairs on the shelf in their size and width; None: not offered


def colours_in_their_size(box: TrialBox) -> list[ColourStock]:
    """Each colour of the trial style with the pairs on the shelf in the customer's
    own size and width (one query)."""
    colours = trial_colours(box)
    asked = _asked_size(box)
    if not colours or asked is None:
        return [ColourStock(c, None) for c in colours]
    rows = db.session.execute(select(Variant.colour_id, Variant.stock).where(
        Variant.colour_id.in_([c.id for c in colours]), Variant.size_halves == asked[0], Variant.width == asked[1],
        Variant.hidden.is_(False)))
    stock = {colour_id: pairs for colour_id, pairs in rows}
    return [ColourStock(c, stock.get(c.id)) for c in colours]


# --- Choosing pairs --------------------------------------------------------------------


def _choosing(box: TrialBox) -> None:
    """Refuse unless the box waits for its pairs; then hold its row: of two staff
    changing the same box at once, the second waits for the first to commit and
    sees its pairs (so the 2-pair limit counts them)."""
    if box.state not in QUEUE_STATES:
        if box.state is TrialState.CURATED:
            raise DomainError("This box is marked ready. Reopen it to change its pairs.")
        raise DomainError("This box is past curation: its pairs can no longer change.")
    held: CursorResult = db.session.execute(  # type: ignore[assignment]
        update(TrialBox).where(TrialBox.id == box.id, TrialBox.state.in_(QUEUE_STATES))
        .values(updated_at=clock.now()).execution_options(synchronize_session=False))
    if held.rowcount != 1:
        raise DomainError("This box changed meanwhile; nothing was changed. Reload the page to see it as it is now.")
    db.session.refresh(box, ["pairs"])


def _order(box: TrialBox) -> Order:
    order = box.order
    if order is None:
        raise DomainError("This trial has no order yet.")
    return order


def _set_subtotal(box: TrialBox) -> None:
    """The order's subtotal: the retail value of the round being tried. Nothing is
    charged upfront, so its total stays $0."""
    _order(box).subtotal_cents = sum(p.retail_cents for p in round_pairs(box))


def add_pair(box: TrialBox, colour_slug: str, size_halves: int | None, width: str, condition: str,
             actor: Actor) -> TrialPair:
    """Put a pair in the round being curated (see the module's rules).

    Raises DomainError: box not waiting for pairs, round full (no field); unknown
    colour ("colour"), size or width not offered ("size", "width"), a sample for a
    customer who wants new pairs only or an unknown condition ("condition"), the same
    pair twice or none on the shelf ("size").
    """
    _choosing(box)
    order = _order(box)
    number = current_round(box)
    chosen = round_pairs(box, number)
    most = policy.TRIAL_SIZES_IN_BOX.high
    if len(chosen) >= most:
        raise DomainError(f"A trial box holds at most {most} pairs. Remove one to choose another.")
    try:
        kind = TrialCondition(condition)
    except ValueError:
        raise DomainError("Please choose new or sample.", field="condition") from None
    if kind is TrialCondition.SAMPLE and box.answers.get("condition") == "new":
        raise DomainError("This customer asked for new pairs only: please choose a new pair.", field="condition")
    if width not in policy.WIDTHS:
        raise DomainError("Please choose narrow, medium or wide.", field="width")
    colour = next((c for c in trial_colours(box) if c.slug == colour_slug), None)
    if colour is None:
        raise DomainError("Please choose one of the trial style's colours.", field="colour")
    if size_halves is None:
        raise DomainError("Please choose a US size from 5 to 12.", field="size")
    variant = db.session.scalar(select(Variant).where(
        Variant.colour_id == colour.id, Variant.size_halves == size_halves, Variant.width == width,
        Variant.hidden.is_(False)))
    if variant is None:
        raise DomainError(f"{colour.name} is not offered in US {size_label(size_halves, width)}.", field="size")
    if any(p.line.variant_id == variant.id and p.condition is kind for p in chosen):
        raise DomainError("This pair is in the box already.", field="size")
    if kind is TrialCondition.NEW:
        note = f"Trial box #{order.number}"
        if take_for_trial(variant.id, actor=actor, note=note) is None:
            raise DomainError(f"No new pair of {colour.name} in US {size_label(size_halves, width)} is on the shelf. "
                              "Choose another size or colour, or a sample from the studio's shelf.", field="size")
    price = colour.unit_price_cents
    promise = calendar.in_stock_promise(clock.now(), ships=policy.TRIAL_SHIPS, transit=policy.TRIAL_TRANSIT)
    line = OrderLine(variant_id=variant.id, sku=variant.sku, style_name=colour.style.name, colour_name=colour.name,
                     size_halves=variant.size_halves, width=variant.width, unit_price_cents=price, quantity=1,
                     made_to_order=False, ships_from=promise.ships_from, ships_by=promise.ships_by,
                     arrives_from=promise.arrives_from, arrives_by=promise.arrives_by)
    order.lines.append(line)
    pair = TrialPair(line=line, round=number, condition=kind, retail_cents=price,
                     keep_cents=keep_cents_for(price, kind))
    box.pairs.append(pair)
    box.updated_at = clock.now()
    db.session.flush()
    _set_subtotal(box)
    return pair


def _pair(box: TrialBox, pair_id: int | None) -> TrialPair:
    pair = next((p for p in round_pairs(box) if p.id == pair_id), None)
    if pair is None:
        raise DomainError("That pair is not in the round being curated.")
    return pair


def remove_pair(box: TrialBox, pair_id: int | None, actor: Actor) -> TrialPair:
    """Take a pair out of the round being curated; a new pair goes back on the shelf."""
    _choosing(box)
    pair = _pair(box, pair_id)
    line = pair.line
    if pair.condition is TrialCondition.NEW:
        back_from_trial(line.variant_id, actor=actor, note=f"Trial box #{_order(box).number}: not sent")
    box.pairs.remove(pair)
    db.session.flush()  # the pair goes before its line (it points at it)
    _order(box).lines.remove(line)
    box.updated_at = clock.now()
    db.session.flush()
    _set_subtotal(box)
    return pair


def set_checklist(box: TrialBox, pair_id: int | None, ticked: set[str], actor: Actor) -> TrialPair:
    """Record which checks of ``CHECKLIST`` are done for a pair (the others are not)."""
    _choosing(box)
    pair = _pair(box, pair_id)
    for name in CHECKLIST:
        setattr(pair, name, name in ticked)
    box.updated_at = clock.now()
    db.session.flush()
    return pair


def _unticked(pair: TrialPair) -> list[str]:
    return [words.lower() for name, words in CHECKLIST.items() if not getattr(pair, name)]


def box_ready(box: TrialBox, actor: Actor) -> None:
    """The round is packed and checked: the box waits for the carrier (``curated``)."""
    _choosing(box)
    pairs = round_pairs(box)
    if len(pairs) < policy.TRIAL_SIZES_IN_BOX.low:
        raise DomainError("Choose at least one pair before the box is ready.")
    missing = [f"{pair_label(p)} ({', '.join(_unticked(p))})" for p in pairs if not p.checklist_done]
    if missing:
        raise DomainError("The checklist is not done for " + "; ".join(missing) + ".")
    transition(box, TRIAL, TrialState.CURATED, actor=actor, order=_order(box), pairs=len(pairs),
               round=current_round(box))
    box.updated_at = clock.now()


def reopen(box: TrialBox, actor: Actor) -> None:
    """Back to choosing: a ready box's pairs can change again (before it ships)."""
    if box.state is not TrialState.CURATED:
        raise DomainError("Only a box marked ready and not shipped can be reopened.")
    target = TrialState.EXCHANGE_REQUESTED if current_round(box) > 1 else TrialState.REQUESTED
    transition(box, TRIAL, target, actor=actor, order=_order(box))
    box.updated_at = clock.now()


# --- Cancelling ------------------------------------------------------------------------


def cancel(box: TrialBox, reason: str, actor: Actor) -> None:
    """Cancel a box before it ships (see the module's rules). Raises DomainError: no
    reason ("reason"), shipped or cancelled already, or the provider refused the void."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Please say why the trial is cancelled; the customer's email quotes it.", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(f"Please keep the reason under {MAX_REASON_LENGTH} characters.", field="reason")
    if not TRIAL.can_move(box.state, TrialState.CANCELLED):
        raise DomainError("This trial box has shipped or is already cancelled: it can no longer be cancelled.")
    if any(p.line.shipment_id is not None for p in box.pairs):
        raise DomainError("Pairs of this box have shipped: it can no longer be cancelled.")
    order = _order(box)
    try:
        transition(box, TRIAL, TrialState.CANCELLED, actor=actor, order=order, reason=reason)
        if order.state is OrderState.PLACED:  # the order lookup and the orders list say so too
            transition(order, ORDER, OrderState.CANCELLED, actor=actor, order=order)
    except ChangedMeanwhile:
        raise DomainError("This trial box changed meanwhile; nothing was changed. Reload the page.") from None
    if not release_hold(box, actor) and box.hold_ref is not None and box.hold_released_at is None:
        raise DomainError("The card hold could not be released; nothing was changed. Please try again.")
    unsent = sorted(pair.line.variant_id for pair in box.pairs
                    if pair.condition is TrialCondition.NEW and pair.line.shipment_id is None)
    lock_stock(unsent)
    for variant_id in unsent:
        back_from_trial(variant_id, actor=actor, note=f"Trial box #{order.number} cancelled")
    box.updated_at = clock.now()
    db.session.flush()
    enqueue_email(to=order.email, subject=f"Your ALLY trial box #{order.number} is cancelled",
                  template="trial_cancelled", kind="trial_cancelled", order_id=order.id, order=order, box=box,
                  reason=reason, status_url=status_url(order))
