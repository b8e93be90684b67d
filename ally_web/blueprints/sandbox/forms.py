"""The hosted page's forms. Card number and security code are never written back
into the page (``NoEchoInput``), whatever happens: a real provider would not echo
them, and they must not sit in a page the browser may cache or restore."""

from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.widgets import TextInput

from ally_web.core import clock
from ally_web.gateways.payments.cards import luhn_valid

_SEPARATORS = re.compile(r"[ ]+")
_DIGITS = re.compile(r"[0-9]+")
_EXPIRY = re.compile(r"\s*([0-9]{1,2})\s*/\s*([0-9]{2})\s*|\s*([0-9]{2})([0-9]{2})\s*")
_CVC = re.compile(r"[0-9]{3,4}")
MAX_YEARS_AHEAD = 20


class NoEchoInput(TextInput):
    """A text input that always renders empty, whatever was submitted."""

    def __call__(self, field, **kwargs):
        kwargs["value"] = ""
        return super().__call__(field, **kwargs)


def card_digits(raw: str | None) -> str:
    """The card number without the spaces people type between groups."""
    return _SEPARATORS.sub("", (raw or "").strip())


def parse_expiry(raw: str | None) -> tuple[int, int] | None:
    """(month, four-digit year) from "MM/YY" (also "M/YY" and "MMYY"), or None."""
    match = _EXPIRY.fullmatch(raw or "")
    if not match:
        return None
    month, year = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    if not 1 <= int(month) <= 12:
        return None
    return int(month), 2000 + int(year)


class PayForm(FlaskForm):
    card_number = StringField(
        "Card number", widget=NoEchoInput(),
        render_kw={"inputmode": "numeric", "spellcheck": "false"},
    )
    expiry = StringField(
        "Expiry date", render_kw={"inputmode": "numeric", "spellcheck": "false", "maxlength": 7},
    )
    cvc = StringField(
        "Security code", widget=NoEchoInput(),
        render_kw={"inputmode": "numeric", "spellcheck": "false", "maxlength": 4},
    )
    name = StringField("Name on card", render_kw={"spellcheck": "false", "maxlength": 100})

    @property
    def card_digits(self) -> str:
        return card_digits(self.card_number.data)

    def validate_card_number(self, field: StringField) -> None:
        digits = self.card_digits
        if not digits:
            raise ValidationError("Please enter the card number.")
        if not _DIGITS.fullmatch(digits):
            raise ValidationError("A card number has only digits (spaces between groups are fine).")
        if not 12 <= len(digits) <= 19:
            raise ValidationError("A card number has 12 to 19 digits. Please check it against your card.")
        if not luhn_valid(digits):
            raise ValidationError("That card number is not valid. Please check it against your card.")

    def validate_expiry(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Please enter the expiry date shown on the card, as MM/YY.")
        parsed = parse_expiry(field.data)
        if parsed is None:
            raise ValidationError("Please enter the expiry date as MM/YY, for example 04/29.")
        month, year = parsed
        today: date = clock.now().date()
        if (year, month) < (today.year, today.month):
            raise ValidationError("This card has expired. Please use a card that is still valid.")
        if year > today.year + MAX_YEARS_AHEAD:
            raise ValidationError("Please check the year of the expiry date.")

    def validate_cvc(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if not value:
            raise ValidationError("Please enter the security code from the back of the card.")
        if not _CVC.fullmatch(value):
            raise ValidationError("The security code is the 3 or 4 digits printed on the card.")

    def validate_name(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if not value:
            raise ValidationError("Please enter the name as it appears on the card.")
        if len(value) > 100:
            raise ValidationError("Please shorten the name to 100 characters or fewer.")


class CancelForm(FlaskForm):
    """Only the CSRF token. Prefixed so its hidden field's id differs from PayForm's."""
