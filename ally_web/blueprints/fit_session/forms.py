"""The fit session forms: a time to book (or move to), and a cancel button."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length


class SlotForm(FlaskForm):
    """The chosen time, as the slot's key; the service checks it is one on offer."""

    slot = StringField("Time", validators=[InputRequired("Please choose a time."), Length(max=40)])
    day = HiddenField()  # the day whose times were shown, to show them again


class CancelForm(FlaskForm):
    """A button: cancel the session."""
