"""Parent accounts: register, link a child with a teacher's one-time code, see that child's learning."""

from werkzeug.security import generate_password_hash
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from ..access import my_child_or_404
from ..audit import record
from ..auth.forms import EmptyForm
from ..baseline import checks_for, pupil_growth
from ..content import catalogue
from ..extensions import db
from ..learning import lesson_progress, quiz_summaries
from ..linking import redeem
from .. import accounts, consent, linking
from ..models import User, this_school_year
from ..schoolyear import school_year_label
from ..throttle import Bucket, reserve
from . import bp, family_bp
from .forms import ConsentForm, DeleteAccountForm, LinkForm, RegisterForm




REGISTERED = ("If that email address is new to us, your account is ready: sign in with it and your password. "
              "If you already had an account, sign in with the password you chose before.")


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a parent account; the answer is the same whether or not the email already has one."""
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        # Per address (never one counter for everyone), so one person's junk cannot stop other families.
        if not reserve(Bucket("register-address", request.remote_addr or "",
                              current_app.config["REGISTER_LIMIT_ADDRESS"])).allowed:
            flash("Too many accounts have been set up from here. Please try again in an hour.", "error")
            return render_template("parents/register.html", form=form), 429
        email = form.email.data.strip().lower()
        if not accounts.email_taken(email):
            _create_parent(form, email)
        else:
            generate_password_hash(form.password.data)  # the same work either way: timing tells nothing
        flash(REGISTERED, "info")
        return redirect(url_for("auth.login"))
    return render_template("parents/register.html", form=form), 400 if form.errors else 200


def _create_parent(form: RegisterForm, email: str) -> None:
    """Save a new parent account, and link the child when a code was given."""
    parent = User(kind="parent", name=form.name.data.strip(), email=email)
    parent.set_password(form.password.data)
    db.session.add(parent)
    db.session.flush()
    record("parent account created", user=parent)
    if form.code.data:
        redeem(parent, form.code.data)
    db.session.commit()


@family_bp.get("/")
def home():
    """The parent's linked children, and how to link another."""
    children = linking.children_of(current_user)
    years = {c.school_id: c.school.school_year for c in children if c.school is not None}
    answers = {}
    for school_id, year in years.items():  # one query per school (a family's children share one, nearly always)
        answers.update(consent.register([c.id for c in children if c.school_id == school_id], year))
    renewal_due = [c for c in children if c.active and c.id in answers and consent.needs_renewal(answers[c.id])]
    return render_template("parents/family_home.html", children=children, renewal_due=renewal_due,
                           form=LinkForm(), delete_form=DeleteAccountForm(), empty=EmptyForm())


@family_bp.post("/link")
def link():
    """Link a child with a one-time code from their teacher (10 tries an hour per parent)."""
    form = LinkForm()
    if not reserve(Bucket("link", str(current_user.id), "10 per hour")).allowed:
        flash("Too many codes tried. Please wait an hour, or ask the teacher to check the code.", "error")
    elif form.validate_on_submit():
        child, message = redeem(current_user.account, form.code.data)
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
    pupil = my_child_or_404(pupil_id)
    content = catalogue()
    key_stage = pupil.school_class.key_stage if pupil.school_class else "KS2"
    year_group = pupil.school_class.year_group if pupil.school_class else None
    progress = lesson_progress(pupil.id)
    done = [(content.lessons[p.lesson_id], p) for p in progress.values()
            if p.completed_at and p.lesson_id in content.lessons]
    done.sort(key=lambda item: item[1].completed_at, reverse=True)
    results = quiz_summaries(pupil.id)
    quizzes = [(content.quizzes[qid], summary) for qid, summary in results.items()
               if qid in content.quizzes and summary.attempts]
    school_year = _school_year(pupil)
    growth = [(check, pupil_growth(pupil.id, check, content)) for check in checks_for(content, key_stage)
              if check.id in results and results[check.id].attempts]
    return render_template("parents/child.html", pupil=pupil, done=done, quizzes=quizzes, key_stage=key_stage,
                           total=len(content.lessons_for(key_stage, year_group)), form=EmptyForm(),
                           consent=consent.register([pupil.id], school_year)[pupil.id],
                           year=school_year_label(school_year), growth=growth)


@family_bp.post("/children/<int:pupil_id>/unlink")
def unlink(pupil_id: int):
    """Stop following a child."""
    my_child_or_404(pupil_id)
    linking.parent_unlinks(current_user, pupil_id)
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
    user = accounts.user(current_user.id)
    record("parent account deleted", user=user, target=f"user:{user.id}")
    linking.forget_parent(user)
    db.session.delete(user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Your account has been deleted.", "info")
    return redirect(url_for("parents.index"))


@family_bp.route("/children/<int:pupil_id>/consent", methods=["GET", "POST"])
def consent_form(pupil_id: int):
    """Give or withdraw consent for photos and video of this child, for this school year (takes effect at once)."""
    pupil = my_child_or_404(pupil_id)
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
    return (pupil.school.school_year if pupil.school else None) or this_school_year()
