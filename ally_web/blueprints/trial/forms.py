"""The trial questionnaire's forms, one per step. Lengths are checked here; every
rule is checked by the trial service (``services/trial/questionnaire.py``)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from ally_web import policy
from ally_web.services import trial
from ally_web.services.pricing import country_choices as shipping_countries

QUESTIONS = trial.questionnaire


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _sizes() -> list[SelectChoice]:
    return _choices([("", "Choose…"), *trial.size_choices()])


def _colours() -> list[SelectChoice]:
    return _choices([("", "None"), *trial.colour_choices().items()])


class FitStepForm(FlaskForm):
    size = SelectField("The size you usually wear (US)", choices=_sizes, validate_choice=False)
    width = RadioField("Your usual width", choices=_choices(policy.WIDTHS.items()), validate_choice=False)
    other_brands = StringField("Sizes you wear in other brands (optional)",
                               validators=[Length(max=QUESTIONS.MAX_TEXT)])
    foot_notes = MultiCheckboxField("Anything we should know about your feet? (optional)",
                                    choices=_choices(QUESTIONS.FOOT_NOTES.items()), validate_choice=False)
    foot_other = StringField("Anything else about your feet (optional)", validators=[Length(max=QUESTIONS.MAX_TEXT)])
    heel_comfort = RadioField("The heel height you are comfortable in",
                              choices=_choices(QUESTIONS.HEEL_COMFORT.items()), validate_choice=False)


class ColoursStepForm(FlaskForm):
    colour_1 = SelectField("Your favourite colour", choices=_colours, validate_choice=False)
    colour_2 = SelectField("Second choice (optional)", choices=_colours, validate_choice=False)
    colour_3 = SelectField("Third choice (optional)", choices=_colours, validate_choice=False)
    condition = RadioField("New pairs or samples?", choices=_choices(QUESTIONS.CONDITION_PREFERENCE.items()),
                           validate_choice=False)


class AddressStepForm(FlaskForm):
    email = EmailField("Email", validators=[Length(max=254)])
    name = StringField("Full name", validators=[Length(max=120)])
    phone = StringField("Phone (for the carrier)", validators=[Length(max=40)])
    line1 = StringField("Street address", validators=[Length(max=200)])
    line2 = StringField("Apartment, suite, floor (optional)", validators=[Length(max=200)])
    city = StringField("Town or city", validators=[Length(max=120)])
    region = StringField("State", validators=[Length(max=120)])
    postal_code = StringField("ZIP code", validators=[Length(max=20)])
    country = SelectField("Country", choices=lambda: _choices(shipping_countries()), default="US",
                          validate_choice=False)


class CardStepForm(FlaskForm):
    """Only the CSRF token: the card is typed on the provider's page."""


class DecideForm(FlaskForm):
    """The trial page's forms carry their own fields (one per pair); this checks the
    CSRF token."""


FORMS: dict[str, type[FlaskForm]] = {
    "fit": FitStepForm, "colours": ColoursStepForm, "address": AddressStepForm, "card": CardStepForm}
