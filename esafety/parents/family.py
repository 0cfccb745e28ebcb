"""Parent accounts: register, link a child with a teacher's one-time code, see that child's learning."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, logout_user
from flask import session

from ..audit import record
from ..auth.forms import EmptyForm
from ..auth.routes import start_session
from ..content import catalogue
from ..extensions import db, limiter
from ..learning import lesson_progress, quiz_summaries
from ..linking import redeem
from .. import consent
from ..models import ParentLink, School, User, this_school_year
from ..schoolyear import school_year_label
from . import bp, family_bp
from .forms import ConsentForm, DeleteAccountForm, LinkForm, RegisterForm


def child_or_404(pupil_id: int) -> User:
    """One of the parent's own linked children (404 for any other child)."""
    link = db.session.scalar(sa.select(ParentLink).where(ParentLink.parent_id == current_user.id,
                                                         ParentLink.pupil_id == pupil_id))
    if link is None:
        abort(404)
    return link.pupil


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", key_func=lambda: "register", methods=["POST"], scope="register")
def register():
    """Create a parent account (and link a child straight away when a code is given)."""
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db.session.scalar(sa.select(User.id).where(User.email == email)):
            form.email.errors.append("There is already an account with that email address. Sign in instead.")
        else:
            parent = User(kind="parent", name=form.name.data.strip(), email=email)
            parent.set_password(form.password.data)
            db.session.add(parent)
            db.session.flush()
            message = None
            if form.code.data:
                child, message = redeem(parent, form.code.data)
            start_session(parent)
            flash(message or "Your account is ready.", "info")
            return redirect(url_for("family.home"))
    return render_template("parents/register.html", form=form), 400 if form.errors else 200


@family_bp.get("/")
def home():
    """The parent's linked children, and how to link another."""
    links = db.session.scalars(sa.select(ParentLink).where(ParentLink.parent_id == current_user.id)).all()
    children = [link.pupil for link in links]
    years = dict(db.session.execute(sa.select(School.id, School.school_year).where(
        School.id.in_({c.school_id for c in children}))).all()) if children else {}
    answers = {}
    for school_id, year in years.items():  # one query per school (a family's children share one, nearly always)
        answers.update(consent.register([c.id for c in children if c.school_id == school_id], year))
    renewal_due = [c for c in children if c.active and c.id in answers and consent.needs_renewal(answers[c.id])]
    return render_template("parents/family_home.html", children=children, renewal_due=renewal_due,
                           form=LinkForm(), delete_form=DeleteAccountForm(), empty=EmptyForm())


@family_bp.post("/link")
@limiter.limit("10 per hour", key_func=lambda: f"link:{current_user.id}", methods=["POST"], scope="link")
def link():
    """Link a child with a one-time code from their teacher."""
    form = LinkForm()
    if form.validate_on_submit():
        child, message = redeem(current_user, form.code.data)
        db.session.commit()
        flash(message, "info" if child else "error")
        if child:
            return redirect(url_for("family.child", pupil_id=child.id))
    else:
        flash("Type the link code from your child's teacher.", "error")
    return redirect(url_for("family.home"))


@family_bp.get("/children/<int:pupil_id>")
def child(pupil_id: int):
    """What this child has learned: lessons and quizzes done, what they were about, talk-at-home prompts."""
    pupil = child_or_404(pupil_id)
    content = catalogue()
    key_stage = pupil.school_class.key_stage if pupil.school_class else "KS2"
    progress = lesson_progress(pupil.id)
    done = [(content.lessons[p.lesson_id], p) for p in progress.values()
            if p.completed_at and p.lesson_id in content.lessons]
    done.sort(key=lambda item: item[1].completed_at, reverse=True)
    results = quiz_summaries(pupil.id)
    quizzes = [(content.quizzes[qid], summary) for qid, summary in results.items()
               if qid in content.quizzes and summary.attempts]
    school_year = _school_year(pupil)
    return render_template("parents/child.html", pupil=pupil, done=done, quizzes=quizzes, key_stage=key_stage,
                           total=len(content.lessons_for(key_stage)), form=EmptyForm(),
                           consent=consent.register([pupil.id], school_year)[pupil.id],
                           year=school_year_label(school_year))


@family_bp.post("/children/<int:pupil_id>/unlink")
def unlink(pupil_id: int):
    """Stop following a child."""
    child_or_404(pupil_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.execute(sa.delete(ParentLink).where(ParentLink.parent_id == current_user.id,
                                                   ParentLink.pupil_id == pupil_id))
    record("parent unlinked child", target=f"pupil:{pupil_id}")
    db.session.commit()
    flash("You are no longer linked to that child.", "info")
    return redirect(url_for("family.home"))


@family_bp.post("/delete")
def delete_account():
    """Delete the parent's own account and links; the child's learning is kept for the school."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        flash("Tick the box to confirm you want to delete your account.", "error")
        return redirect(url_for("family.home"))
    user = db.session.get(User, current_user.id)
    record("parent account deleted", user=user, target=f"user:{user.id}")
    db.session.execute(sa.delete(ParentLink).where(ParentLink.parent_id == user.id))
    db.session.delete(user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Your account has been deleted.", "info")
    return redirect(url_for("parents.index"))


@family_bp.route("/children/<int:pupil_id>/consent", methods=["GET", "POST"])
def consent_form(pupil_id: int):
    """Give or withdraw consent for photos and video of this child, for this school year (takes effect at once)."""
    pupil = child_or_404(pupil_id)
    school_year = _school_year(pupil)
    form = ConsentForm()
    if form.validate_on_submit():
        changes = consent.record_answers(pupil, form.answers(), current_user, "parent", school_year)
        db.session.commit()
        flash("Saved. " + ("; ".join(changes) + ". Staff see this straight away." if changes else "Nothing changed."),
              "info")
        return redirect(url_for("family.child", pupil_id=pupil.id))
    answers = consent.register([pupil.id], school_year)[pupil.id]
    if not form.is_submitted():
        form.fill(answers)
    return render_template("parents/consent.html", pupil=pupil, form=form, answers=answers,
                           year=school_year_label(school_year)), 400 if form.errors else 200


def _school_year(pupil: User) -> int:
    """The school year the child's school is in."""
    return db.session.scalar(sa.select(School.school_year).where(School.id == pupil.school_id)) or this_school_year()
