"""Forms of the made-to-order staff pages."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ally_web import policy
from ally_web.gateways.carriers import carrier_names
from ally_web.services import made_to_order

_SIZES = [SelectChoice(str(int(s * 2)), made_to_order.size_label(int(s * 2), "").strip()) for s in policy.SIZES]


class FittingPairForm(FlaskForm):
    carrier = SelectField("Carrier", validate_choice=False, validators=[InputRequired("Please choose a carrier.")])
    tracking_number = StringField("Tracking number of the fitting pair's label", validators=[
        InputRequired("Please enter the tracking number of the label on the box."), Length(max=60)])
    return_tracking_number = StringField("Tracking number of the return label in the box", validators=[
        InputRequired("Please enter the tracking number of the prepaid return label."), Length(max=60)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carrier.choices = [SelectChoice(name, name) for name in carrier_names()]


class ConfirmFitForm(FlaskForm):
    size = SelectField("Size to make", validate_choice=False, choices=_SIZES,
                       validators=[InputRequired("Please choose a size.")])
    width = SelectField("Width to make", validate_choice=False,
                        choices=[SelectChoice(code, words) for code, words in policy.WIDTHS.items()],
                        validators=[InputRequired("Please choose a width.")])
    note = TextAreaField("Note (kept with the fit; not sent to the customer)", validators=[Length(max=600)])

    def size_halves(self) -> int | None:
        raw = self.size.data or ""
        return int(raw) if raw.isdigit() and len(raw) <= 2 else None


class MarkMadeForm(FlaskForm):
    """A button: the pair is finished."""


class NoticeForm(FlaskForm):
    title = StringField("Title shoppers read", validators=[InputRequired("Please give the notice a title."),
                                                           Length(max=200)])
    message = TextAreaField("Message", validators=[InputRequired("Please write the message."), Length(max=1200)])
    extra_days = IntegerField("Extra days in the workshop", validators=[
        InputRequired("Please give the extra days, from 1 to 90.")])
    starts_on = DateField("First day", validators=[InputRequired("Please give the first day (YYYY-MM-DD).")])
    ends_on = DateField("Last day", validators=[Optional()])

    def notice_input(self) -> made_to_order.NoticeInput:
        return made_to_order.NoticeInput(self.title.data or "", self.message.data or "", self.extra_days.data,
                                         self.starts_on.data, self.ends_on.data)
