"""The sandbox's test cards, and the checks any card number gets before it is tried.

The sandbox decides what happens to a payment from the card number alone, as real
providers' test modes do, so a developer (or a browser test) can walk every path
by typing a number.
"""

from __future__ import annotations

__all__ = ["TEST_CARDS", "card_brand", "luhn_valid"]

# The sandbox's test cards: number → (failure code or None for success, brand, funding).
# Any other number that passes the Luhn check is declined.
TEST_CARDS: dict[str, tuple[str | None, str, str]] = {
    "4242424242424242": (None, "visa", "credit"),
    "4000056655665556": (None, "visa", "debit"),
    "5105105105105100": (None, "mastercard", "prepaid"),
    "4000000000000002": ("card_declined", "visa", "credit"),
    "4000000000009995": ("insufficient_funds", "visa", "credit"),
    "4000000000000069": ("expired_card", "visa", "credit"),
}


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
