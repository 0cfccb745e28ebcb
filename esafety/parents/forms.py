"""Parent account forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Regexp, ValidationError

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


class ConsentForm(FlaskForm):
    """Yes or no for each use of photos and video of the child, for this school year."""

    in_school = RadioField("Photos and video in school: classroom displays and records of learning",
                           choices=[("yes", "Yes"), ("no", "No")], validators=[InputRequired(message="Choose yes or no.")])
    website = RadioField("On the school website", choices=[("yes", "Yes"), ("no", "No")],
                         validators=[InputRequired(message="Choose yes or no.")])
    social_media = RadioField("On the school's social media accounts", choices=[("yes", "Yes"), ("no", "No")],
                              validators=[InputRequired(message="Choose yes or no.")])
    press = RadioField("In newspapers and other press (for example a sports day report)",
                       choices=[("yes", "Yes"), ("no", "No")], validators=[InputRequired(message="Choose yes or no.")])

    def answers(self) -> dict[str, bool]:
        """The choices as purpose -> given."""
        return {name: self[name].data == "yes" for name in ("in_school", "website", "social_media", "press")}

    def fill(self, answers) -> None:
        """Pre-select this year's answers (a renewal due is left blank, so it must be chosen again)."""
        for answer in answers:
            if self[answer.purpose].data is None and answer.status in ("yes", "no"):
                self[answer.purpose].data = answer.status
