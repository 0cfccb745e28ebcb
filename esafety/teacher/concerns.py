"""Staff log a safeguarding concern about a pupil in their own class; it goes to the DSL's inbox.

The teacher sees only that it was sent: the inbox and every concern stay with the DSL.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import NotFound
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import accounts, concerns
from ..errors import render_error
from ..extensions import db
from ..models import User
from ..permissions import is_teacher
from . import bp
from ..access import my_classes, my_pupil_or_404

# The same kinds of worry a pupil can tell, in words for adults.
STAFF_CATEGORIES = [
    ("unkind", "Unkind behaviour or bullying online"),
    ("upsetting", "Saw something upsetting or harmful"),
    ("contact", "Contact from someone they do not know"),
    ("photo-or-meet", "Asked for photos, or to meet"),
    ("other", "Something else"),
]


class StaffConcernForm(FlaskForm):
    """What a member of staff saw or heard, for the DSL."""

    category = SelectField("What is it about?", choices=STAFF_CATEGORIES, default="other")
    words = TextAreaField(
        "What you saw or heard",
        validators=[DataRequired(message="Write down what you saw or heard."),
                    Length(max=5000, message="Keep it under 5,000 characters; tell the DSL the rest in person.")],
    )
    key = HiddenField()




def _form_page(pupil: User, form: StaffConcernForm, status: int = 200, message: str | None = None):
    """The concern form for one pupil, with a fresh submission key."""
    form.key.data = concerns.key_or_new(form.key.data)
    if message:
        flash(message, "error")
    return render_template("teacher/concern.html", pupil=pupil, form=form), status


@bp.route("/pupils/<int:pupil_id>/concern", methods=["GET", "POST"])
def log_concern(pupil_id: int):
    """Log a concern about one of the teacher's pupils; shown as sent only once it is saved."""
    pupil = my_pupil_or_404(pupil_id)
    form = StaffConcernForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _form_page(pupil, form, 200 if request.method == "GET" else 400)
    key = concerns.key_or_new(form.key.data)
    try:
        concerns.create(pupil=pupil, reporter=current_user, category=form.category.data, words=form.words.data,
                        wants_to_talk=False, submission_key=key, source="staff")
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        return _form_page(pupil, form, 503, "It has not been sent: the system could not save it just now. "
                                            "What you wrote is still here; try again, and if it is urgent "
                                            "speak to the DSL in person now.")
    return redirect(url_for("teacher.concern_sent", pupil_id=pupil.id, key=key))


def keep_text_after_expired_token():
    """The page was open too long: show the form again with what the teacher wrote, not an error page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))  # the same answer the teacher guard gives
    if not is_teacher(current_user):
        return render_error(403)
    try:
        pupil = my_pupil_or_404(request.view_args["pupil_id"])
    except NotFound:
        return render_error(404)  # an error handler must answer, not raise
    form = StaffConcernForm(formdata=request.form, meta={"csrf": True})
    form.validate()
    return _form_page(pupil, form, 400, "It has not been sent yet: the page was open a long time. "
                                        "What you wrote is still here; press Send again.")


log_concern.keeps_text_on_csrf_error = keep_text_after_expired_token


@bp.get("/pupils/<int:pupil_id>/concern/sent")
def concern_sent(pupil_id: int):
    """Confirmation for the member of staff, only for a concern they sent (nothing of it is shown back)."""
    pupil = my_pupil_or_404(pupil_id)
    sent = concerns.sent_by(current_user, pupil, request.args.get("key", ""))
    if sent is None:
        return redirect(url_for("teacher.log_concern", pupil_id=pupil.id))
    return render_template("teacher/concern.html", pupil=pupil, sent=True, dsl_name=pupil.school.dsl_name)


@bp.get("/concern")
def choose_pupil_for_concern():
    """Pick a pupil from the teacher's classes to log a concern about."""
    classes = my_classes()
    by_class = {c.id: [] for c in classes}
    for pupil in accounts.pupils_of(classes):
        by_class[pupil.class_id].append(pupil)
    return render_template("teacher/concern.html", classes=classes, by_class=by_class)
