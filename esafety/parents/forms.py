"""Parent account forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from ..auth.forms import EMAIL_PATTERN, strip
from ..passwords import password_problem


class StrongPassword:
    """At least 8 characters (15 recommended), at most 64, not a common password; no composition rules."""

    def __call__(self, form, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class RegisterForm(FlaskForm):
    """A parent or carer creates an account to follow their own child's learning."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=80)])
    email = EmailField("Email address", filters=[strip], validators=[DataRequired(), Regexp(EMAIL_PATTERN, message="Enter an email address like name@example.com."), Length(max=254)])
    password = PasswordField("Choose a password", validators=[DataRequired(), StrongPassword()])
    confirm = PasswordField("Type the password again",
                            validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")])
    code = StringField("Link code from your child's teacher (optional)", validators=[Length(max=20)])


class LinkForm(FlaskForm):
    """A one-time code from the teacher links a parent to their child."""

    code = StringField("Link code from your child's teacher", validators=[DataRequired(), Length(max=20)])


class DeleteAccountForm(FlaskForm):
    """Deleting a parent account needs a tick, so it is never one stray click."""

    confirm = BooleanField("Yes, delete my account", validators=[DataRequired(message="Tick the box to confirm.")])
