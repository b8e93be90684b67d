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
    # Where to go once found: the status page, the fit result form (/fit-result), the
    # return request (/exchange) or a trial box's fit session (/fit-session).
    then = HiddenField()

    def goes_to_fit_result(self) -> bool:
        return self.then.data == FIT_RESULT

    def goes_to_exchange(self) -> bool:
        return self.then.data == EXCHANGE

    def goes_to_fit_session(self) -> bool:
        return self.then.data == FIT_SESSION

    def next_page(self) -> str:
        return NEXT_PAGES.get(self.then.data or "", "orders.show")


FIT_RESULT = "fit-result"
EXCHANGE = "exchange"
FIT_SESSION = "fit-session"
NEXT_PAGES = {FIT_RESULT: "fit.show", EXCHANGE: "exchange.new", FIT_SESSION: "fit_session.show"}
