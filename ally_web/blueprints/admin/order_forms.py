"""Forms of the staff order pages (the search is a plain GET, parsed by the service)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ally_web.gateways.carriers import carrier_names


class FulfilForm(FlaskForm):
    carrier = SelectField("Carrier", validate_choice=False,
                          validators=[InputRequired("Please choose a carrier.")])
    tracking_number = StringField(
        "Tracking number",
        validators=[InputRequired("Please enter the tracking number from the label."), Length(max=60)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carrier.choices = [(name, name) for name in carrier_names()]


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Reason (quoted in the customer's email)",
        validators=[InputRequired("Please say why the order is cancelled."), Length(max=500)],
    )

