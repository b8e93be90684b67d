from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField
from wtforms.validators import InputRequired, Length


class LookupForm(FlaskForm):
    email = EmailField("Email used for the order", validators=[
        InputRequired("Please enter the email you ordered with."), Length(max=254)])
    number = StringField("Order number", validators=[
        InputRequired("Please enter your order number."),
        Length(max=40, message="That is longer than an order number."),
    ])
    # Where to go once found: the status page, or the fit result form (/fit-result).
    then = HiddenField()

    def goes_to_fit_result(self) -> bool:
        return self.then.data == FIT_RESULT


FIT_RESULT = "fit-result"
