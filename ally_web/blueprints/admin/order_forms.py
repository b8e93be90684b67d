"""Forms of the staff order pages (the search is a plain GET, parsed by the service)."""

import re

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ally_web.gateways.carriers import carrier_names
from ally_web.services.orders import SCAN_KINDS


class FulfilForm(FlaskForm):
    carrier = SelectField("Carrier", validate_choice=False,
                          validators=[InputRequired("Please choose a carrier.")])
    tracking_number = StringField(
        "Tracking number",
        validators=[InputRequired("Please enter the tracking number from the label."), Length(max=60)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carrier.choices = [SelectChoice(name, name) for name in carrier_names()]


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Reason (quoted in the customer's email)",
        validators=[InputRequired("Please say why the order is cancelled."), Length(max=500)],
    )



class ScanForm(FlaskForm):
    """A scan staff saw on the carrier's site (the tracking webhook does the same)."""

    shipment_id = SelectField("Parcel", coerce=str, validate_choice=False,
                              validators=[InputRequired("Please choose the parcel.")])
    kind = SelectField("What happened", validate_choice=False,
                       choices=[SelectChoice(code, label) for code, label in SCAN_KINDS.items()],
                       validators=[InputRequired("Please choose what happened.")])
    location = StringField("Where (optional)", validators=[Length(max=120)])

    def shipment_id_value(self) -> int | None:
        raw = self.shipment_id.data or ""
        return int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else None
