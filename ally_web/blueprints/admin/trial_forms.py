"""Forms of the staff trial pages (shipping, scans and cancelling reuse the order forms)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from ally_web import policy
from ally_web.core.formatting import size
from ally_web.services import trial

_SIZES = [SelectChoice(str(int(s * 2)), f"US {size(int(s * 2))}") for s in policy.SIZES]


class PairForm(FlaskForm):
    """A pair for the box: colour, size, width, new or sample."""

    colour = SelectField("Colour", validate_choice=False, validators=[InputRequired("Please choose a colour.")])
    size = SelectField("Size", validate_choice=False, choices=_SIZES,
                       validators=[InputRequired("Please choose a size.")])
    width = SelectField("Width", validate_choice=False,
                        choices=[SelectChoice(code, words) for code, words in policy.WIDTHS.items()],
                        validators=[InputRequired("Please choose a width.")])
    condition = RadioField("New or sample", validate_choice=False,
                           choices=[SelectChoice(str(kind), words) for kind, words in trial.CONDITION_WORDS.items()],
                           validators=[InputRequired("Please choose new or sample.")])

    def __init__(self, *args, colours=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.colour.choices = [SelectChoice(c.slug, c.name) for c in colours]

    def size_halves(self) -> int | None:
        raw = self.size.data or ""
        return int(raw) if raw.isdigit() and len(raw) <= 2 else None


class ChecklistForm(FlaskForm):
    """One pair's checks before the box ships (prefixed with the pair's id)."""

    lining_cleaned = BooleanField(trial.CHECKLIST["lining_cleaned"])
    condition_photographed = BooleanField(trial.CHECKLIST["condition_photographed"])
    sole_protectors_on = BooleanField(trial.CHECKLIST["sole_protectors_on"])

    def ticked(self) -> set[str]:
        return {name for name in trial.CHECKLIST if self[name].data}


class ButtonForm(FlaskForm):
    """A button: remove a pair, box ready, reopen."""
