"""Teacher forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..auth.forms import EMAIL_PATTERN, strip

YEAR_GROUPS = [(0, "Reception")] + [(year, f"Year {year}") for year in range(1, 7)]


class ClassForm(FlaskForm):
    """Create or rename a class."""

    name = StringField("Class name", filters=[strip], validators=[DataRequired(message="Give the class a name."),
                                                                   Length(max=60)])
    year_group = SelectField("Year group", coerce=int, choices=YEAR_GROUPS)


class PupilsForm(FlaskForm):
    """Paste a list of pupils, one per line: a first name and the first letter of the last name."""

    names = TextAreaField("Pupils, one per line", validators=[DataRequired(message="Paste at least one name."),
                                                              Length(max=20000)])


class PupilForm(FlaskForm):
    """Change a pupil's name or class."""

    name = StringField("First name", filters=[strip], validators=[DataRequired(), Length(max=40),
                       Regexp(r"^[^\d<>]+$", message="Use letters only.")])
    last_initial = StringField("Initial of last name", filters=[strip],
                               validators=[Optional(), Length(max=1), Regexp(r"^[A-Za-z]?$", message="One letter.")])
    class_id = SelectField("Class", coerce=int)


class CoTeacherForm(FlaskForm):
    """Add a colleague from the same school as a co-teacher."""

    email = EmailField("Colleague's email address", filters=[strip],
                       validators=[DataRequired(), Regexp(EMAIL_PATTERN, message="Enter an email address."),
                                   Length(max=254)])


class AssignForm(FlaskForm):
    """Set a lesson or quiz for the class."""

    activity = SelectField("Lesson or quiz", validators=[DataRequired()])
    due_on = DateField("Due date (optional)", validators=[Optional()])


class OpenCheckForm(FlaskForm):
    """Open a What do I know? check to the class: as its baseline, or as a later check against it."""

    quiz = SelectField("Check", validators=[DataRequired()])
    stage = SelectField("Open it as", choices=[("baseline", "The baseline (before teaching)"),
                                               ("later", "A later check (after teaching)")],
                        validators=[DataRequired()])


class GapLessonsForm(FlaskForm):
    """Set the lessons that teach one strand of a check."""

    quiz = StringField(validators=[DataRequired()])
    strand = StringField(validators=[DataRequired(), Length(max=80)])


class FilterForm(FlaskForm):
    """Filters for the progress grid (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    smart = SelectField("SMART letter", choices=[("", "All letters"), ("S", "S: Safe"), ("M", "M: Meeting"),
                                                 ("A", "A: Accepting"), ("R", "R: Reliable"), ("T", "T: Tell")],
                        validators=[Optional()])
    kind = SelectField("Show", choices=[("", "Lessons and quizzes"), ("lesson", "Lessons only"), ("quiz", "Quizzes only")],
                       validators=[Optional()])
    set_only = SelectField("Work", choices=[("", "Everything"), ("1", "Set work only")], validators=[Optional()])



class FrameworkForm(FlaskForm):
    """Which curriculum frameworks a coverage page shows (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    framework = SelectField("Framework", validators=[Optional()])

    def __init__(self, frameworks, today, *args, **kwargs):
        """Choices: the frameworks in force today (the default), or any one framework version."""
        super().__init__(*args, **kwargs)
        current = ", ".join(f.short for f in frameworks if f.in_force(today))
        self.framework.choices = [("", f"In force today ({current})")] + [
            (f.key, f.choice_label(today)) for f in frameworks]


class EvidenceForm(FlaskForm):
    """The year group and framework of the evidence page (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    year = SelectField("Year group", choices=[(str(y), f"Year {y}") for y in range(1, 7)])
    framework = SelectField("Framework")

    def __init__(self, frameworks, today, *args, **kwargs):
        """Every framework version can be chosen."""
        super().__init__(*args, **kwargs)
        self.framework.choices = [(f.key, f.choice_label(today)) for f in frameworks]


class RosterUploadForm(FlaskForm):
    """Upload the class list CSV exported from the school's MIS."""

    file = FileField("Class list exported from your MIS (CSV)",
                     validators=[FileRequired(message="Choose the CSV file to upload.")])


class RosterPreviewForm(FlaskForm):
    """The preview's column choices, the file carried signed, and Preview again or Import."""

    payload = HiddenField(validators=[DataRequired()])
    mis_id = SelectField("MIS pupil id (not the UPN)", validators=[Optional()])
    forename = SelectField("Legal forename", validators=[Optional()])
    preferred_forename = SelectField("Preferred forename (used when filled in)", validators=[Optional()])
    surname = SelectField("Legal surname (only its initial is kept)", validators=[Optional()])
    preferred_surname = SelectField("Preferred surname (used when filled in)", validators=[Optional()])
    year = SelectField("Year group", validators=[Optional()])
    # "class" is a Python keyword, so the form field has another name.
    class_column = SelectField("Registration group or class", validators=[Optional()])
    action = HiddenField()  # set by the button pressed: "import" imports, anything else previews

    MAPPED = ("mis_id", "forename", "preferred_forename", "surname", "preferred_surname", "class_column", "year")

    def set_columns(self, headers: list[str]) -> None:
        """Offer every column of the file for every field."""
        choices = [("", "(none)")] + [(str(i), h or f"Column {i + 1}") for i, h in enumerate(headers)]
        for name in self.MAPPED:
            self[name].choices = choices

    def mapping(self, width: int) -> dict[str, int | None]:
        """The chosen column for each field (None when none or out of range)."""
        chosen = {}
        for name in self.MAPPED:
            value = self[name].data or ""
            chosen["class" if name == "class_column" else name] = (
                int(value) if value.isdigit() and int(value) < width else None)
        return chosen

    def show(self, mapping: dict[str, int | None]) -> None:
        """Select the given mapping."""
        for name in self.MAPPED:
            index = mapping.get("class" if name == "class_column" else name)
            self[name].data = "" if index is None else str(index)


class SetHalfTermForm(FlaskForm):
    """Set a half term of the scheme of work to one of the teacher's classes of that year group."""

    class_id = SelectField("Class", coerce=int, validators=[DataRequired(message="Choose a class.")])


def reorder_form(placements, half_term_names):
    """A form with a half term and a position for each activity of a year's scheme, filled with where it is now.

    `placements` is a list of (activity, half term 1-6, position from 1)."""
    from wtforms import IntegerField
    from wtforms.validators import NumberRange

    class ReorderForm(FlaskForm):
        """Move lessons and quizzes between half terms, and change their order within one."""

    choices = [(number, name) for number, name in enumerate(half_term_names, start=1)]
    for activity, half, position in placements:
        setattr(ReorderForm, f"half-{activity.id}", SelectField(f"Half term for {activity.title}", coerce=int,
                                                                choices=choices, default=half))
        setattr(ReorderForm, f"pos-{activity.id}", IntegerField(
            f"Order in the half term for {activity.title}", default=position,
            validators=[DataRequired(message="Give a number from 1 to 20."),
                        NumberRange(min=1, max=20, message="Give a number from 1 to 20.")]))
    return ReorderForm()
