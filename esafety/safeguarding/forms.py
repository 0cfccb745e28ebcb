"""Forms the DSL uses to record what happened."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..models import CONCERN_ACTIONS


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
