"""The questions a fitter asks about a fitting pair, and the size they point to.

Asked per foot (feet differ; the pair is made for the larger one). From the answers
``suggest_size`` works out a size and width, each change with its reason in words,
the way a fitter in the studio would reason:

- toes pressed against the front → half a size up;
- a gap at the heel, or a heel that slips while the toes have room → half a size down
  (one half size, even when both signs show);
- tight across the widest part, or a toe box that pinches → one width wider; loose
  across the foot → one width narrower;
- arch, comfort on carpet and the measurement card do not move the size by
  themselves: they are noted for the stylist who confirms the fit.

The suggestion starts from the fitting pair's size, never leaves the sizes and
widths we make (answers pointing past them say so, for the stylist), and takes the
larger foot's result when the feet disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ally_web import policy
from ally_web.core.formatting import size

FEET = {"left": "Left foot", "right": "Right foot"}


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    choices: tuple[tuple[str, str], ...]  # (value, words)


QUESTIONS: tuple[Question, ...] = (
    Question("toes", "Where do your toes sit when you stand?", (
        ("pressed", "Pressed against the front"),
        ("snug", "Just touching the front"),
        ("room", "A little room in front"),
        ("lots", "A lot of room in front"),
    )),
    Question("heel_gap", "Is there a gap behind your heel?", (
        ("none", "No gap"),
        ("small", "A fingertip fits"),
        ("large", "A whole finger fits"),
    )),
    Question("width", "Across the widest part of your foot", (
        ("tight", "Tight"),
        ("right", "Just right"),
        ("loose", "Loose"),
    )),
    Question("toe_box", "Around your toes", (
        ("pinches", "Pinches"),
        ("right", "Comfortable"),
        ("roomy", "Roomy"),
    )),
    Question("heel_slip", "When you walk, does your heel lift out?", (
        ("none", "No, it stays in"),
        ("little", "A little"),
        ("slips", "Yes, it slips out"),
    )),
    Question("arch", "Under your arch", (
        ("right", "Supported"),
        ("presses", "Something presses"),
        ("gap", "A gap, no support"),
    )),
    Question("comfort", "After ten minutes walking on carpet", (
        ("comfortable", "Comfortable"),
        ("pressure", "Some pressure"),
        ("painful", "Painful"),
    )),
)
QUESTION_KEYS = tuple(q.key for q in QUESTIONS)
_WIDTH_ORDER = tuple(policy.WIDTHS)  # narrow → wide


def answer_words(key: str, value: str) -> str:
    question = next((q for q in QUESTIONS if q.key == key), None)
    return dict(question.choices).get(value, value) if question else value


@dataclass(frozen=True)
class Suggestion:
    size_halves: int
    width: str
    reasons: tuple[str, ...]  # each change and each note, in words

    @property
    def label(self) -> str:
        return size_label(self.size_halves, self.width)

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)


def _foot(answers: Mapping[str, str]) -> tuple[int, int, list[str]]:
    """(half sizes to move, widths to move, why) for one foot's answers."""
    length, width, why = 0, 0, []
    toes, gap, slip = answers.get("toes"), answers.get("heel_gap"), answers.get("heel_slip")
    if toes == "pressed":
        length, reason = 1, "your toes are pressed against the front"
        why.append(reason)
    elif gap == "large" or toes == "lots" or (slip == "slips" and toes == "room"):
        length = -1
        signs = [words for sign, words in (
            (gap == "large", "a finger fits behind your heel"),
            (toes == "lots", "your toes have a lot of room"),
            (slip == "slips" and toes == "room", "your heel slips while your toes have room"),
        ) if sign]
        why.append(" and ".join(signs))
    if answers.get("width") == "tight" or answers.get("toe_box") == "pinches":
        width = 1
        why.append("it is tight across your foot" if answers.get("width") == "tight" else "the toe box pinches")
    elif answers.get("width") == "loose":
        width = -1
        why.append("it is loose across your foot")
    return length, width, why


def suggest_size(fitting_size_halves: int, fitting_width: str, answers: Mapping[str, Mapping[str, str]],
                 card_size_halves: int | None = None) -> Suggestion:
    """The size and width the answers point to, from the fitting pair's own size."""
    feet = {foot: _foot(answers.get(foot) or {}) for foot in FEET}
    # Fit the larger foot: the bigger move up (or the smaller move down) wins.
    length = max(move[0] for move in feet.values())
    width_move = max(move[1] for move in feet.values())
    halves = _nearest(fitting_size_halves + length, policy.SIZE_HALVES)
    width_index = _WIDTH_ORDER.index(fitting_width) if fitting_width in _WIDTH_ORDER else 1
    width = _WIDTH_ORDER[max(0, min(len(_WIDTH_ORDER) - 1, width_index + width_move))]
    widths = policy.WIDTHS

    reasons: list[str] = []
    fitted = size_label(fitting_size_halves, fitting_width)
    for foot, (foot_length, foot_width, why) in feet.items():
        if (foot_length, foot_width) == (length, width_move) and why:
            reasons.append(f"{FEET[foot]}: {', and '.join(why)}.")
    if halves != fitting_size_halves:
        reasons.append(f"So half a size {'up' if length > 0 else 'down'}, to {size(halves)}.")
    elif length:  # the answers point past the sizes we make: say so, never "keep it"
        reasons.append(f"We make no size {'above' if length > 0 else 'below'} {size(halves)}, so it stays; "
                       "a stylist will look at your answers with you.")
    if width != fitting_width:
        reasons.append(f"{widths[width]} width instead of {widths.get(fitting_width, fitting_width)}.")
    elif width_move:
        reasons.append(f"We make no width {'wider' if width_move > 0 else 'narrower'} than {widths[width]}, so it "
                       "stays; a stylist will look at your answers with you.")
    if not length and not width_move:
        reasons = [f"Nothing you told us points away from the fitting pair's size, {fitted}: keep it."]
    for foot, (foot_length, _, why) in feet.items():
        if foot_length < length and why:
            reasons.append(f"{FEET[foot]}: {', and '.join(why)}; we fit the larger foot, so the size stays "
                           "for it (a heel grip can help the other).")
    notes = _notes(answers)
    if card_size_halves is not None and abs(card_size_halves - halves) >= 1:
        notes.append(f"Your measurement card read {size(card_size_halves)}; a stylist will weigh it with your answers.")
    return Suggestion(halves, width, (*reasons, *notes))


def size_label(halves: int, width: str) -> str:
    """ "8½ Medium": a size with its width, as pages and emails say it."""
    return f"{size(halves)} {policy.WIDTHS.get(width, width)}"


def _notes(answers: Mapping[str, Mapping[str, str]]) -> list[str]:
    notes = []
    for foot, words in FEET.items():
        given = answers.get(foot) or {}
        if given.get("arch") in ("presses", "gap"):
            arch = answer_words("arch", given["arch"]).lower()
            notes.append(f"{words}: {arch} under the arch, noted for your stylist.")
        if given.get("comfort") == "painful":
            notes.append(f"{words}: painful after walking; a stylist will look at your answers with you.")
    return notes


def _nearest(halves: int, offered: tuple[int, ...]) -> int:
    return min(offered, key=lambda s: abs(s - halves))


def missing_answers(answers: Mapping[str, Mapping[str, str]]) -> list[tuple[str, str]]:
    """(foot, question) pairs not answered (or answered with a value not offered)."""
    missing = []
    for foot in FEET:
        given = answers.get(foot) or {}
        for question in QUESTIONS:
            if given.get(question.key) not in dict(question.choices):
                missing.append((foot, question.key))
    return missing
