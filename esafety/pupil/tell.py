"""Tell: a pupil tells the school's safeguarding lead that something online worried them."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import concerns
from ..errors import render_error
from ..extensions import db
from ..models import CONCERN_CATEGORIES, utcnow
from ..schoolhours import SchoolHours
from ..permissions import is_pupil
from . import bp

PUPIL_CATEGORIES = [(key, label) for key, label in CONCERN_CATEGORIES.items() if key != "staff"]
NOT_SENT = ("We could not send it just now. Your words are still here. "
            "Please press Send again, or tell a grown-up.")


class TellForm(FlaskForm):
    """What worried the pupil, in their own words if they want, and whether they'd like to talk."""

    category = RadioField("What happened?", choices=PUPIL_CATEGORIES,
                          validators=[DataRequired(message="Press the picture that fits best.")])
    words = TextAreaField("Tell us more if you want to (you do not have to)",
                          validators=[Length(max=2000, message="That is a lot to type. Please make it a bit shorter, "
                                                               "or tell your teacher the rest.")])
    talk = RadioField("Would you like to talk to your teacher about it?",
                      choices=[("yes", "Yes please"), ("no", "Not right now")], default="yes")
    key = HiddenField()


def _form_page(form: TellForm, message: str | None = None, status: int = 200, history=None):
    """The Tell form; `history` (the pupil's earlier reports) is only read when the database is fine."""
    if not form.key.data:
        form.key.data = concerns.new_submission_key()
    if message:
        flash(message, "error")
    return render_template("pupil/tell.html", form=form, history=history or [],
                           pupil_status=concerns.PUPIL_STATUS), status


def keep_text_after_expired_token():
    """The form's security token ran out: show the form again with everything the child typed kept."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.pupil_login"))  # the same answer the pupil guard gives
    if not is_pupil(current_user):
        return render_error(403)  # the Tell page is for pupils only
    form = TellForm(formdata=request.form, meta={"csrf": True})
    form.validate()
    return _form_page(form, "Your words are still here. Please press Send again.", 400)


def _keep_pupil_in_memory() -> None:
    """Detach the signed-in pupil and their class, loaded, so a failed save can still draw the page."""
    # A failed save rolls back, and a rollback expires everything still in the session; drawing the page
    # again would then ask the database, which may be the thing that failed.
    pupil = current_user._get_current_object()
    school_class = pupil.school_class  # loaded now: the page needs it (key stage)
    for item in (school_class, pupil):
        if item is not None and item in db.session:
            db.session.expunge(item)


@bp.route("/tell", methods=["GET", "POST"])
def tell():
    """The Tell page; a report is shown as sent only once it is safely saved."""
    form = TellForm()
    if request.method == "GET":
        return _form_page(form, history=concerns.for_pupil(current_user.id))
    if not form.validate_on_submit():
        return _form_page(form, status=400)
    key = form.key.data[:64]
    _keep_pupil_in_memory()
    try:
        concern = concerns.create(
            pupil=current_user, reporter=current_user, category=form.category.data, words=form.words.data or "",
            wants_to_talk=form.talk.data == "yes", submission_key=key, source="pupil",
        )
        concern_id = concern.id
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        concern_id = _sent_meanwhile(key)
        if concern_id is None:
            return _form_page(form, NOT_SENT, 503)
    return redirect(url_for("pupil.tell_sent", concern_id=concern_id))


def _sent_meanwhile(key: str) -> int | None:
    """After a failed save, the id of the report if a racing press of the same form saved it, else None."""
    try:
        concern = concerns.find_submitted(key, current_user, "pupil")
        return concern.id if concern else None
    except SQLAlchemyError:
        db.session.rollback()
        return None


tell.keeps_text_on_csrf_error = keep_text_after_expired_token


@bp.get("/tell/sent")
def tell_sent():
    """Reassurance after telling, who will talk to them, and help outside school; only for a saved report."""
    # Anything but the pupil's own saved report goes back to the Tell page: this page never says "sent"
    # when nothing was.
    history = concerns.for_pupil(current_user.id)
    just_sent = next((concern for concern, _ in history if concern.id == request.args.get("concern_id", type=int)),
                     None)
    if just_sent is None:
        return redirect(url_for("pupil.tell"))
    hours = SchoolHours.from_config(current_app.config)
    return render_template("pupil/tell_sent.html", sent=history, just_sent=just_sent,
                           pupil_status=concerns.PUPIL_STATUS,
                           dsl_name=current_user.school.dsl_name if current_user.school else "",
                           school_hours=hours.describe(), school_open=hours.is_open(utcnow()))
