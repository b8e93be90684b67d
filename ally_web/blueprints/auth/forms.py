from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired("Please enter your email."), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired("Please enter your password."), Length(max=200)])


class LogoutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST so no link can do it for you."""
