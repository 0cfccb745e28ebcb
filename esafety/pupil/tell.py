"""Tell: a pupil tells the school's safeguarding lead that something online worried them."""

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import concerns
from ..errors import render_error
from ..extensions import db
from ..auth.forms import EmptyForm
from ..auth.pictures import FAILED_PRESS, PictureCheck
from ..models import CONCERN_CATEGORIES, utcnow
from ..passcodes import LENGTH, PICTURES
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


def _form_page(form: TellForm, message: str | None = None, status: int = 200):
    """The Tell form, which says whose name it is sent in (classroom computers are shared)."""
    form.key.data = concerns.key_or_new(form.key.data)
    if message:
        flash(message, "error")
    return render_template("pupil/tell.html", form=form), status


def _restore_draft(form: TellForm) -> bool:
    """Put back a Tell this pupil was sending when their session ran out (kept in the session until now)."""
    draft = session.pop("tell_draft", None)
    if not draft or draft.get("pupil") != current_user.id:
        return False
    form.category.data = draft.get("category") or None
    form.words.data = draft.get("words", "")
    form.talk.data = draft.get("talk") or "yes"
    return True


def keep_text_after_expired_token():
    """The form's security token ran out: show the form again with everything the child typed kept."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.pupil_login"))  # the same answer the pupil guard gives
    if not is_pupil(current_user):
        return render_error(403)  # the Tell page is for pupils only
    form = TellForm(formdata=request.form, meta={"csrf": True})
    form.validate()
    return _form_page(form, "Your words are still here. Please press Send again.", 400)


@bp.route("/tell", methods=["GET", "POST"])
def tell():
    """The Tell page; a report is shown as sent only once it is safely saved."""
    form = TellForm()
    if request.method == "GET":
        if _restore_draft(form):
            return _form_page(form, "You were signed out before it was sent. Your words are still here. "
                                    "Please press Send.")
        return _form_page(form)
    if not form.validate_on_submit():
        return _form_page(form, status=400)
    sign_out = bool(current_user.school and current_user.school.sign_out_after_tell)
    concern_id = _save(form)
    if concern_id is None:
        return _form_page(form, NOT_SENT, 503)
    if sign_out:
        return _sent_and_signed_out(concern_id)
    return redirect(url_for("pupil.tell_sent", concern_id=concern_id))


def _save(form: TellForm) -> int | None:
    """Save the report once (a repeated key is the same report); None when the database refused it."""
    key = concerns.key_or_new(form.key.data)
    # The signed-in pupil is plain values (signed_in.SignedIn), not an entity a failed save's rollback would
    # expire: the page can be drawn again without asking the database, which may be the thing that failed.
    try:
        concern = concerns.create(
            pupil=current_user, reporter=current_user, category=form.category.data, words=form.words.data or "",
            wants_to_talk=form.talk.data == "yes", submission_key=key, source="pupil",
        )
        concern_id = concern.id
        db.session.commit()
        return concern_id
    except SQLAlchemyError:
        db.session.rollback()
        return _sent_meanwhile(key)


def _sent_and_signed_out(concern_id: int):
    """The school signs pupils out once a Tell is sent: the next child on this computer cannot see it."""
    pupil = current_user.account
    just_sent = concerns.by_id(concern_id)
    dsl_name = pupil.school.dsl_name if pupil.school else ""
    pupil.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    return render_template("pupil/tell_sent.html", just_sent=just_sent, dsl_name=dsl_name, signed_out=True,
                           **_school_hours())


def _school_hours() -> dict:
    """When the school's adults are there to read a Tell (the confirmation says so)."""
    hours = SchoolHours.from_config(current_app.config)
    return {"school_hours": hours.describe(), "school_open": hours.is_open(utcnow())}


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
    just_sent = concerns.own_report(current_user, request.args.get("concern_id", type=int))
    if just_sent is None:
        return redirect(url_for("pupil.tell"))
    return render_template("pupil/tell_sent.html", just_sent=just_sent,
                           dsl_name=current_user.school.dsl_name if current_user.school else "", **_school_hours())


HISTORY_FRESH_SECONDS = 5 * 60


@bp.route("/tell/history", methods=["GET", "POST"])
def tell_history():
    """What the pupil has told before (dates and status only), after they press their own pictures again."""
    form = EmptyForm()
    fresh = time.time() - session.get("history_checked_at", 0) < HISTORY_FRESH_SECONDS
    if fresh:
        return render_template("pupil/tell_history.html", history=concerns.for_pupil(current_user.id),
                               pupil_status=concerns.PUPIL_STATUS)
    check = PictureCheck(current_user, session.get("history_passcode", []))
    status = 200
    if form.validate_on_submit():
        outcome = check.press(request.form)
        if outcome == "passed":
            session.pop("history_passcode", None)
            session["history_checked_at"] = int(time.time())
            return redirect(url_for("pupil.tell_history"))
        if outcome in FAILED_PRESS:
            flash(FAILED_PRESS[outcome][0], "error")
            status = FAILED_PRESS[outcome][1]
        session["history_passcode"] = check.chosen
    return render_template("pupil/tell_history_check.html", form=form, pupil=current_user, pictures=PICTURES,
                           chosen=check.chosen, length=LENGTH), status
