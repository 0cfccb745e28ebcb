"""Sign-in forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

# Deliberately loose: the only real check of an address is whether mail arrives.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def strip(value):
    """Leading and trailing spaces are a typing slip, not part of the address."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    """Staff and parents sign in with email and password."""

    email = EmailField("Email address", filters=[strip], validators=[DataRequired(), Regexp(EMAIL_PATTERN, message="Enter an email address like name@example.com."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])


class ClassCodeForm(FlaskForm):
    """A pupil types the class code their teacher shows them."""

    code = StringField(
        "Class code",
        validators=[DataRequired(message="Type your class code."), Length(max=12),
                    Regexp(r"^[A-Za-z0-9 ]+$", message="A class code is letters and numbers.")],
    )


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class CodeForm(FlaskForm):
    """A six-digit code from an authenticator app, or a recovery code."""

    code = StringField("Code", validators=[DataRequired(), Length(min=6, max=20)])
