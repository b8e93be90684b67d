"""The trial questionnaire: its steps, what each asks, and how answers are checked.

Four steps, in order: the fit (usual size and width, sizes in other brands, notes on
the feet, heel-height comfort), the colours (ranked) and new-or-sample, the address
(US only) with the email, then the card. A draft keeps every answer, so going back or
coming back later from the same browser shows what was typed. Each step's check
returns every field error at once; nothing is refused for a field the shopper has not
reached yet.
"""

from __future__ import annotations

from collections.abc import Mapping

from ally_web import policy
from ally_web.core.emails import normalize_email
from ally_web.core.errors import DomainError
from ally_web.core.formatting import size
from ally_web.services.catalog import parse_size
from ally_web.services.checkout import Address, check_address, clean, normalized

STEPS = ("fit", "colours", "address", "card")
STEP_TITLES = {"fit": "Your fit", "colours": "Colours", "address": "Where to send it", "card": "Your card"}

FOOT_NOTES = {
    "wide_forefoot": "Wide across the front",
    "narrow_heel": "Narrow heel",
    "bunions": "Bunions",
    "high_arch": "High arch",
    "flat_feet": "Flat feet",
    "long_toes": "A long second toe",
}
HEEL_COMFORT = {
    "low": "Up to 2 inches",
    "mid": "2 to 3 inches",
    "high": "3 inches and up",
}
CONDITION_PREFERENCE = {
    "new": "New pairs only",
    "sample": "Samples are fine (almost new, and less if I keep them)",
    "either": "Either: whatever fits best",
}
RANKS = ("colour_1", "colour_2", "colour_3")
MAX_TEXT = 200

# The fields each step owns, as the forms name them.
STEP_FIELDS = {
    "fit": ("size", "width", "other_brands", "foot_notes", "foot_other", "heel_comfort"),
    "colours": (*RANKS, "condition"),
    "address": ("email", "name", "phone", "line1", "line2", "city", "region", "postal_code", "country"),
    "card": (),
}


class AnswersInvalid(DomainError):
    """Some answers of a step need another look: ``errors`` maps each field to why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def step_after(step: str) -> str:
    return STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]


def reachable(step: str, reached: str) -> bool:
    """A step can be opened once every step before it has been completed."""
    return step in STEPS and STEPS.index(step) <= STEPS.index(reached)


def check_fit(given: Mapping[str, object]) -> dict[str, object]:
    """The fit step's answers as stored, or AnswersInvalid."""
    errors: dict[str, str] = {}
    halves = parse_size(str(given.get("size") or ""))
    if halves is None:
        errors["size"] = "Please choose the size you usually wear, from 5 to 12."
    width = str(given.get("width") or "")
    if width not in policy.WIDTHS:
        errors["width"] = "Please choose the width you usually wear."
    notes = given.get("foot_notes") or []
    notes = [n for n in (notes if isinstance(notes, list | tuple) else [notes]) if n]
    if any(n not in FOOT_NOTES for n in notes):
        errors["foot_notes"] = "Please choose from the notes listed (or write yours below)."
    comfort = str(given.get("heel_comfort") or "")
    if comfort not in HEEL_COMFORT:
        errors["heel_comfort"] = "Please tell us which heel height you are comfortable in."
    other_brands = str(given.get("other_brands") or "")
    foot_other = str(given.get("foot_other") or "")
    for name, text in (("other_brands", other_brands), ("foot_other", foot_other)):
        if len(text.strip()) > MAX_TEXT:
            errors[name] = f"Please keep this under {MAX_TEXT} characters."
    if errors:
        raise AnswersInvalid(errors)
    return {"size_halves": halves, "width": width, "other_brands": clean(other_brands, MAX_TEXT),
            "foot_notes": [n for n in FOOT_NOTES if n in notes], "foot_other": clean(foot_other, MAX_TEXT),
            "heel_comfort": comfort}


def check_colours(given: Mapping[str, object], offered: Mapping[str, str]) -> dict[str, object]:
    """The colours step's answers as stored, or AnswersInvalid. ``offered`` maps the
    trial style's colour slugs to their names."""
    errors: dict[str, str] = {}
    ranked: list[str] = []
    for rank in RANKS:
        slug = str(given.get(rank) or "")
        if not slug:
            continue
        if slug not in offered:
            errors[rank] = "Please choose one of the colours listed."
        elif slug in ranked:
            errors[rank] = "You chose this colour already; pick another or leave it empty."
        else:
            ranked.append(slug)
    if not ranked and "colour_1" not in errors:
        errors["colour_1"] = "Please choose at least your favourite colour."
    condition = str(given.get("condition") or "")
    if condition not in CONDITION_PREFERENCE:
        errors["condition"] = "Please tell us whether samples are fine for you."
    if errors:
        raise AnswersInvalid(errors)
    return {"colours": ranked, "condition": condition}


def check_address_step(given: Mapping[str, object]) -> tuple[str, Address]:
    """(email, address) as stored, or AnswersInvalid. A country other than the US is
    refused here, with where to go instead."""
    errors: dict[str, str] = {}
    email = ""
    try:
        email = normalize_email(str(given.get("email") or ""))
    except DomainError as error:
        errors["email"] = error.message
    address = Address(**{name: clean(str(given.get(name) or ""), limit) for name, limit in (
        ("name", 120), ("phone", 40), ("line1", 200), ("line2", 200), ("city", 120), ("region", 120),
        ("postal_code", 20))}, country=str(given.get("country") or "US")[:10])
    if address.country != "US":
        errors["country"] = (
            "The at-home trial ships to US addresses only. From abroad you can order any pair from the "
            "shop, with duties quoted up front, and return or exchange it within "
            f"{policy.RETURN_WINDOW_DAYS} days.")
    else:
        errors.update(check_address(address))
    if errors:
        raise AnswersInvalid(errors)
    return email, normalized(address)


def in_words(answers: Mapping[str, object], colours: Mapping[str, str]) -> list[tuple[str, str]]:
    """The answers given so far as (question, answer) pairs, in the shop's words."""
    words: list[tuple[str, str]] = []
    fit = answers.get("fit")
    if isinstance(fit, dict):
        words.append(("Usual size", f"US {size(fit['size_halves'])} {policy.WIDTHS[fit['width']]}"))
        if fit.get("other_brands"):
            words.append(("Other brands", str(fit["other_brands"])))
        notes = [FOOT_NOTES[n] for n in fit.get("foot_notes", [])]
        if fit.get("foot_other"):
            notes.append(str(fit["foot_other"]))
        words.append(("Feet", ", ".join(notes) if notes else "Nothing to note"))
        words.append(("Comfortable heel height", HEEL_COMFORT[fit["heel_comfort"]]))
    ranked = answers.get("colours")
    if isinstance(ranked, list) and ranked:
        words.append(("Colours, favourite first", ", ".join(colours.get(c, c) for c in ranked)))
    if answers.get("condition") in CONDITION_PREFERENCE:
        words.append(("New or sample", CONDITION_PREFERENCE[str(answers["condition"])]))
    return words


def size_choices() -> list[tuple[str, str]]:
    """(value, words) of every size we make, for size pickers."""
    return [(f"{s:g}", size(int(s * 2))) for s in policy.SIZES]
