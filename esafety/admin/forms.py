"""Forms for school admins: the school's settings, finding pupils, and confirming a deletion."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp


def strip(value):
    """Spaces around what was typed are a slip, not content."""
    return value.strip() if isinstance(value, str) else value


LONG = 4000  # each settings section is a few paragraphs at most


class SchoolSettingsForm(FlaskForm):
    """What the school tells parents on the public 'This school' page."""

    name = StringField("School name", filters=[strip],
                       validators=[DataRequired(message="Enter the school's name."), Length(max=120)])
    town = StringField("Town or village", filters=[strip], validators=[Length(max=80)])
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


SETTINGS_FIELDS = ("name", "town", "dsl_name", "dsl_contact", "filtering", "monitoring", "school_platforms",
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


class RolloverForm(FlaskForm):
    """Run the new school year: the year it moves into, and a teacher choice per class (added per school)."""

    target_year = HiddenField(validators=[DataRequired()])


def rollover_form(plan) -> RolloverForm:
    """The rollover form with one teacher choice for each class that moves up (the default keeps teachers
    with their year group)."""
    names = {t.id: t.name for t in plan.teachers}

    class Form(RolloverForm):
        """The rollover form for this school's classes."""

    for move in plan.moves:
        if move.new_year is None:
            continue
        default = ", ".join(names.get(i, "a former teacher") for i in move.default_teacher_ids) or "no teacher"
        choices = [("default", f"{default} (suggested)")] + [(str(t.id), t.name) for t in plan.teachers] + [
            ("none", "No teacher yet")]
        setattr(Form, f"teacher_{move.school_class.id}",
                SelectField(f"Teacher of {move.new_name}", choices=choices, default="default"))
    return Form()


def teacher_choices(form: RolloverForm, plan) -> dict[int, list[int]]:
    """The teachers chosen for each class (classes left on the suggestion are not listed)."""
    chosen = {}
    for move in plan.moves:
        field = form._fields.get(f"teacher_{move.school_class.id}")
        if field is None or field.data in (None, "default"):
            continue
        chosen[move.school_class.id] = [] if field.data == "none" else [int(field.data)]
    return chosen
