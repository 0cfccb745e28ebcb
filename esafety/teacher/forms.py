"""Teacher forms."""

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..auth.forms import EMAIL_PATTERN, strip

YEAR_GROUPS = [(year, f"Year {year}") for year in range(1, 7)]


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
