"""Forms for school admins: the school's settings, finding pupils, and confirming a deletion."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp


def strip(value):
    """Spaces around what was typed are a slip, not content."""
    return value.strip() if isinstance(value, str) else value


LONG = 4000  # each settings section is a few paragraphs at most


class SchoolSettingsForm(FlaskForm):
    """What the school tells parents on the public 'This school' page."""

    name = StringField("School name", filters=[strip],
                       validators=[DataRequired(message="Enter the school's name."), Length(max=120)])
    dsl_name = StringField("Designated safeguarding lead's name", filters=[strip], validators=[Length(max=120)])
    dsl_contact = StringField("How parents contact the DSL", filters=[strip], validators=[Length(max=200)])
    filtering = TextAreaField("How the school filters the internet", filters=[strip], validators=[Length(max=LONG)])
    monitoring = TextAreaField("How the school monitors devices", filters=[strip], validators=[Length(max=LONG)])
    school_platforms = TextAreaField("Apps and sites pupils use for school, and who they interact with there",
                                     filters=[strip], validators=[Length(max=LONG)])
    official_accounts = TextAreaField("The school's official social media accounts", filters=[strip],
                                      validators=[Length(max=LONG)])
    complaints = TextAreaField("How to raise a concern or complaint", filters=[strip], validators=[Length(max=LONG)])
    sign_out_after_tell = BooleanField("Sign a pupil out as soon as their Tell is sent")
    headteacher_name = StringField("Headteacher's name", filters=[strip], validators=[Length(max=120)])
    headteacher_email = StringField(
        "Headteacher's email address for escalations", filters=[strip],
        validators=[Optional(), Length(max=254),
                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address, like head@school.example.")])


SETTINGS_FIELDS = ("name", "dsl_name", "dsl_contact", "filtering", "monitoring", "school_platforms",
                   "official_accounts", "complaints", "sign_out_after_tell", "headteacher_name", "headteacher_email")


class PupilSearchForm(FlaskForm):
    """Find pupils by class and name (a GET form: it changes nothing, so it carries no CSRF token)."""

    class Meta:
        """No CSRF token: a search changes nothing."""

        csrf = False

    class_id = SelectField("Class", coerce=int, choices=[(0, "Every class")], default=0)
    name = StringField("Name", filters=[strip], validators=[Length(max=80)])


class DeletePupilForm(FlaskForm):
    """Deleting a pupil needs a tick, so it is never one stray click."""

    confirm = BooleanField("I understand this deletes this pupil's account and learning records for good",
                           validators=[DataRequired(message="Tick the box to confirm.")])
