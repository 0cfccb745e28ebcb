"""Forms the DSL uses to record what happened."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..concerns import NO_URGENCY, STATUSES
from ..models import CONCERN_ACTIONS, CONCERN_CATEGORIES, CONCERN_URGENCIES


class NoteForm(FlaskForm):
    """A factual note; a correction of an earlier note is a new note that points at it."""

    text = TextAreaField("Note (facts, and say where opinion is opinion)",
                         validators=[DataRequired(message="Write the note first."), Length(max=5000)])
    corrects = SelectField("This note corrects", coerce=int, validators=[Optional()], choices=[(0, "Nothing: this is a new note")])


class ActionForm(FlaskForm):
    """An action taken and the reason for it."""

    action = SelectField("Action taken", choices=list(CONCERN_ACTIONS.items()))
    # Field names differ across the page's three forms, so every label points at its own box.
    why = TextAreaField("What was done, and why", validators=[DataRequired(message="Say what was done and why."),
                                                             Length(max=5000)])


class StatusForm(FlaskForm):
    """Acknowledge or close a concern (closing records the outcome)."""

    status = SelectField("Status", choices=[("acknowledged", "Acknowledged"), ("closed", "Closed")])
    decision = TextAreaField("Decision and reason (the outcome, when closing)",
                           validators=[DataRequired(message="Record the decision and the reason."), Length(max=5000)])


class UrgencyForm(FlaskForm):
    """The DSL's triage of a concern; each change is a new entry, the earlier ones stay."""

    urgency = SelectField("Urgency", choices=list(CONCERN_URGENCIES.items()))
    urgency_reason = TextAreaField("Why (optional)", validators=[Optional(), Length(max=2000)])


class InboxFilterForm(FlaskForm):
    """Filter the inbox (a GET form: it changes nothing, so it carries no CSRF token)."""

    class Meta:
        """No CSRF token: filtering changes nothing."""

        csrf = False

    status = SelectField("Status", choices=[("", "Any status")] + list(STATUSES.items()), default="")
    category = SelectField("What", choices=[("", "Anything")] + list(CONCERN_CATEGORIES.items()), default="")
    urgency = SelectField("Urgency", default="", choices=[("", "Any urgency")] + [
        (key, label.split(":")[0]) for key, label in CONCERN_URGENCIES.items()] + [(NO_URGENCY, "Not set yet")])
