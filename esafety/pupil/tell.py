"""Tell: a pupil tells the school's safeguarding lead that something online worried them."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import concerns
from ..extensions import db
from ..models import CONCERN_CATEGORIES
from . import bp

PUPIL_CATEGORIES = [(key, label) for key, label in CONCERN_CATEGORIES.items() if key != "staff"]


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


def _form_page(form: TellForm, message: str | None = None, status: int = 200):
    if message:
        flash(message, "error")
    return render_template("pupil/tell.html", form=form), status


def keep_text_after_expired_token():
    """The form's security token ran out: show the form again with everything the child typed kept."""
    form = TellForm(formdata=request.form, meta={"csrf": True})
    form.validate()
    return _form_page(form, "Your words are still here. Please press Send again.", 400)


@bp.route("/tell", methods=["GET", "POST"])
def tell():
    """The Tell page; a report is shown as sent only once it is safely saved."""
    form = TellForm()
    if request.method == "GET":
        form.key.data = concerns.new_submission_key()
        return _form_page(form)
    if not form.validate_on_submit():
        if not form.key.data:
            form.key.data = concerns.new_submission_key()
        return _form_page(form, status=400)
    try:
        concern = concerns.create(
            pupil=current_user, reporter=current_user, category=form.category.data, words=form.words.data or "",
            wants_to_talk=form.talk.data == "yes", submission_key=form.key.data[:64], source="pupil",
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        return _form_page(form, "We could not send it just now. Your words are still here. "
                                "Please press Send again, or tell a grown-up.", 503)
    return redirect(url_for("pupil.tell_sent", concern_id=concern.id))


tell.keeps_text_on_csrf_error = keep_text_after_expired_token


@bp.get("/tell/sent")
def tell_sent():
    """Reassurance after telling, who will talk to them, and help outside school."""
    return render_template("pupil/tell_sent.html", sent=concerns.for_pupil(current_user.id),
                           just_sent=request.args.get("concern_id", type=int),
                           dsl_name=current_user.school.dsl_name if current_user.school else "")
