"""What a kept pair leads to: the customer's ALLY size, and pairs made for them.

Rules:

- Keeping pairs confirms the customer's ALLY size (length and width) when every kept
  pair is the same size; like a fit confirmed by a stylist, it serves every style, so
  a made-to-order pair needs no fitting pair afterwards.
- Once the choice is in, the trial page offers, in that size: a new pair instead of
  each kept sample, and the customer's favourite colour when they kept another one.
  The product page then says whether that pair is on the shelf or made to order.
"""

from __future__ import annotations

from dataclasses import dataclass

from ally_web.core import clock
from ally_web.core.formatting import size
from ally_web.extensions import db
from ally_web.models import Customer, TrialBox, TrialCondition, TrialDecision, TrialPair, TrialState, Variant
from ally_web.services.trial.signup import trial_style
from ally_web.services.trial.window import ended_unanswered


@dataclass(frozen=True)
class PairOffer:
    words: str  # "A new pair instead of your Almond sample"
    style_slug: str
    colour_slug: str
    size: str  # as the product page reads it: "8.5"
    width: str


def kept_size(pairs: list[TrialPair]) -> tuple[int, str] | None:
    """The one size every kept pair shares (None if nothing is kept, or sizes differ)."""
    sizes = {(p.line.size_halves, p.line.width) for p in pairs if p.decision is TrialDecision.KEEP}
    return sizes.pop() if len(sizes) == 1 else None


def remember_size(box: TrialBox) -> bool:
    """Record the kept size as the customer's ALLY size; True if it was recorded."""
    known = kept_size(box.current_pairs)
    customer = db.session.get(Customer, box.customer_id) if box.customer_id else None
    if known is None or customer is None:
        return False
    customer.size_halves, customer.width = known
    customer.size_confirmed_at = clock.now()
    return True


def pair_offers(box: TrialBox) -> list[PairOffer]:
    """The pairs to offer once the choice is in (see the module's rules)."""
    if box.state not in (TrialState.DECIDED, TrialState.CLOSED) or ended_unanswered(box):
        return []
    kept = [p for p in box.current_pairs if p.decision is TrialDecision.KEEP]
    known = kept_size(box.current_pairs)
    style = trial_style()
    if not kept or known is None or style is None:
        return []
    halves, width = known
    size_value = f"{halves / 2:g}"
    offers: list[PairOffer] = []
    kept_colours = set()
    for pair in kept:
        colour = db.session.get_one(Variant, pair.line.variant_id).colour
        kept_colours.add(colour.slug)
        if pair.condition is TrialCondition.SAMPLE:
            offers.append(PairOffer(f"A new pair instead of your {colour.name} sample", style.slug, colour.slug,
                                    size_value, width))
    names = {c.slug: c.name for c in style.colours if not c.hidden}
    favourite = next((slug for slug in box.answers.get("colours") or [] if slug in names), None)
    if favourite is not None and favourite not in kept_colours:
        offers.append(PairOffer(f"Your favourite colour, {names[favourite]}, in US {size(halves)}", style.slug,
                                favourite, size_value, width))
    return offers
