"""Forms of the staff catalog pages."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ally_web import policy
from ally_web.services.catalog import REASON_LABELS, STAFF_MOVES

PRICE = re.compile(r"^\$?\s*(\d{1,6})(?:\.(\d{2}))?$")


def price_cents(text: str | None) -> int | None:
    """"295", "$295" or "295.00" → 29500; None for anything else."""
    match = PRICE.match((text or "").strip().replace(",", ""))
    if not match:
        return None
    return int(match.group(1)) * 100 + int(match.group(2) or 0)


def _valid_price(form, field) -> None:
    if field.data and field.data.strip() and price_cents(field.data) is None:
        raise ValidationError("Enter the price in dollars, e.g. 295 or 295.00.")


class MoveForm(FlaskForm):
    reason = SelectField("Why", validate_choice=False,
                         choices=[SelectChoice(r.value, REASON_LABELS[r]) for r in STAFF_MOVES],
                         validators=[InputRequired("Please choose why the stock changes.")])
    pairs = IntegerField("Pairs", validators=[
        InputRequired("Please enter a number of pairs."),
        NumberRange(1, policy.STOCK_MOVEMENT_MAX, f"Enter a number of pairs from 1 to {policy.STOCK_MOVEMENT_MAX}."),
    ])
    note = StringField("Note (optional)", validators=[Length(max=500)])


class CountForm(FlaskForm):
    counted = IntegerField("Pairs counted on the shelf", validators=[
        InputRequired("Please enter the number of pairs counted."),
        NumberRange(0, 100_000, "Enter the number of pairs counted, 0 or more."),
    ])
    seen = HiddenField()  # the count the page showed: the correction applies only if it still holds
    count_note = StringField("Note on the count (optional)", validators=[Length(max=500)])


class StyleForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Please enter the style's name."), Length(max=120)])
    tagline = StringField("Tagline", validators=[InputRequired("Please enter a one-line tagline."), Length(max=200)])
    description = TextAreaField("Description", validators=[InputRequired("Please describe the style."),
                                                           Length(max=5000)])
    facts = TextAreaField("Facts (one a line)", validators=[Length(max=2000)])
    heel_height_mm = IntegerField("Heel height (mm)", validators=[
        InputRequired("Please enter the heel height in millimetres."),
        NumberRange(20, 150, "Enter the heel height in millimetres, from 20 to 150."),
    ])
    material = StringField("Material", validators=[InputRequired("Please name the material."), Length(max=80)])
    care_notes = TextAreaField("Care notes", validators=[Length(max=2000)])
    trial_eligible = BooleanField("Can be tried at home (trial box)")
    price = StringField("Price (US$)", validators=[Optional(), _valid_price])


class PriceForm(FlaskForm):
    price = StringField("New price (US$)", validators=[InputRequired("Please enter the new price."), _valid_price])


class ColourForm(FlaskForm):
    name = StringField("Colour name", validators=[InputRequired("Please name the colour."), Length(max=80)])
    hex = StringField("Swatch colour", default="#1b1b1b",
                      validators=[InputRequired("Please enter the swatch colour, e.g. #1b1b1b."), Length(max=7)])
    price = StringField("Own price (US$, empty: the style's)", validators=[Optional(), _valid_price])
    picture = FileField("Picture (SVG, PNG or JPEG)")


class VisibilityForm(FlaskForm):
    hidden = HiddenField()  # "1" hides, "0" shows


class SizesForm(FlaskForm):
    """The sizes × widths grid of checkboxes is read from the request (size-width keys)."""


class CountFileForm(FlaskForm):
    file = FileField("Count file (CSV)")


class ApplyCountForm(FlaskForm):
    plan = HiddenField()  # the preview's changes and file name, signed (catalog.CountPreview.signed_plan)
