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
    # Where to go once found: the status page, the fit result form (/fit-result) or
    # the return request (/exchange).
    then = HiddenField()

    def goes_to_fit_result(self) -> bool:
        return self.then.data == FIT_RESULT

    def goes_to_exchange(self) -> bool:
        return self.then.data == EXCHANGE

    def next_page(self) -> str:
        return NEXT_PAGES.get(self.then.data or "", "orders.show")


FIT_RESULT = "fit-result"
EXCHANGE = "exchange"
NEXT_PAGES = {FIT_RESULT: "fit.show", EXCHANGE: "exchange.new"}
