"""The sandbox's test cards, and the checks any card number gets before it is tried.

The sandbox decides what happens to a payment from the card number alone, as real
providers' test modes do, so a developer (or a browser test) can walk every path
by typing a number. The hosted page lists them, and so does the README.
"""

from __future__ import annotations

from dataclasses import dataclass

from ally_web.gateways.payments import HOLD_DAYS

__all__ = ["TEST_CARDS", "SandboxCard", "card_brand", "luhn_valid", "sandbox_card"]


@dataclass(frozen=True)
class SandboxCard:
    """How a test card behaves.

    ``failure``: the code paying with it (or saving it) fails with; None, it goes
    through. A card that cannot pay cannot be saved either. Once saved, every card
    authorizes holds; ``hold_days`` is how long they last, and
    ``off_session_failure`` the code an off-session charge fails with (None: it goes
    through). Prepaid cards save, hold and charge like the others: refusing them is
    the shop's rule, and ``funding`` tells the shop.
    """

    failure: str | None
    brand: str
    funding: str  # credit, debit, prepaid
    off_session_failure: str | None = None
    hold_days: int = HOLD_DAYS


# The sandbox's test cards. Any other number that passes the Luhn check is declined.
# Most are Stripe's test numbers, so they mean the same thing there.
TEST_CARDS: dict[str, SandboxCard] = {
    "4242424242424242": SandboxCard(None, "visa", "credit"),
    "4000056655665556": SandboxCard(None, "visa", "debit"),
    "5105105105105100": SandboxCard(None, "mastercard", "prepaid"),
    "4000000000000002": SandboxCard("card_declined", "visa", "credit"),
    "4000000000009995": SandboxCard("insufficient_funds", "visa", "credit"),
    "4000000000000069": SandboxCard("expired_card", "visa", "credit"),
    # Saves and holds fine; charging it later, off-session, is declined.
    "4000000000000341": SandboxCard(None, "visa", "credit", off_session_failure="card_declined"),
    # Its holds lapse after one day instead of seven.
    "4000000000001117": SandboxCard(None, "visa", "credit", hold_days=1),
}


def sandbox_card(digits: str) -> SandboxCard:
    """What a card number does in the sandbox: a test card's behaviour, or a decline."""
    return TEST_CARDS.get(digits) or SandboxCard("card_declined", card_brand(digits), "credit")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every card number carries (catches most typos)."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str:
    """The card network, from the number's first digits."""
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"51", "52", "53", "54", "55"} or (len(digits) >= 4 and 2221 <= int(digits[:4]) <= 2720):
        return "mastercard"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if digits.startswith("6011") or digits.startswith("65"):
        return "discover"
    return "unknown"
