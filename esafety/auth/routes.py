"""Signing in and out: staff and parents by email, pupils by class code, name and picture passcode."""

from urllib.parse import urlsplit

import pyotp
import sqlalchemy as sa
from flask import (
    Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import record
from ..extensions import db, limiter
from ..models import SchoolClass, User, utcnow
from ..passcodes import LENGTH, PICTURES, token_hash
from ..permissions import home_endpoint
from . import second_factor as mfa
from .forms import ClassCodeForm, CodeForm, EmptyForm, LoginForm

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "Those details did not match. Check them and try again."
DUMMY_HASH = generate_password_hash("not a real password: only used to even out timing")


def safe_next(default: str) -> str:
    """The `next` path if it stays on this site (no scheme, no host), else the default."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc \
            and "\\" not in target:
        return target
    return default


def _failed(response) -> bool:
    """Only failed sign-ins count towards the throttle."""
    return bool(g.get("sign_in_failed"))


def _account_key() -> str:
    return "account:" + (request.form.get("email", "") or request.form.get("pupil", "")).strip().lower()[:254] \
        if request.endpoint == "auth.login" else "pupil:" + str(session.get("pupil_candidate", ""))


def _account_address_key() -> str:
    return _account_key() + "@" + (request.remote_addr or "")


def _limits(name: str):
    return lambda: current_app.config[name]


def start_session(user: User) -> None:
    """A fresh session for a signed-in user: nothing carried over from before sign-in."""
    session.clear()
    session.permanent = True
    login_user(user, remember=False)
    user.last_sign_in_at = utcnow()
    record("sign-in", user=user)
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limits("LOGIN_LIMIT_ACCOUNT"), key_func=_account_key, deduct_when=_failed, methods=["POST"],
               scope="login-account")
@limiter.limit(_limits("LOGIN_LIMIT_ACCOUNT_ADDRESS"), key_func=_account_address_key, deduct_when=_failed,
               methods=["POST"], scope="login-account-address")
def login():
    """Staff and parents sign in with email and password; one message for every kind of failure."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(sa.select(User).where(User.email == email, User.kind != "pupil"))
        if user is None:
            # Hash the password anyway, so an unknown address takes as long as a wrong password.
            check_password_hash(DUMMY_HASH, form.password.data)
        if user is None or not user.check_password(form.password.data) or not user.active:
            g.sign_in_failed = True
            record("sign-in failed", user=user, detail="staff/parent")
            db.session.commit()
            flash(GENERIC_FAILURE, "error")
            return render_template("auth/login.html", form=form), 401
        start_session(user)
        if user.needs_second_factor and current_app.config["REQUIRE_SECOND_FACTOR"]:
            return redirect(url_for("auth.second_factor", next=safe_next("")) if safe_next("")
                            else url_for("auth.second_factor"))
        return redirect(safe_next(url_for(home_endpoint(user))))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    """Sign out: this session and every other session of this user stop working."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    current_user.end_sessions()
    record("sign-out", user=current_user)
    db.session.commit()
    pupil = current_user.kind == "pupil"
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.pupil_login" if pupil else "public.index"))


# Pupils -------------------------------------------------------------------------------------------------


def _candidate_class() -> SchoolClass | None:
    class_id = session.get("pupil_class")
    school_class = class_id and db.session.get(SchoolClass, class_id)
    return school_class if school_class and school_class.archived_at is None else None


@bp.route("/pupil/login", methods=["GET", "POST"])
@limiter.limit(_limits("CLASS_CODE_LIMIT"), key_func=lambda: "class-code@" + (request.remote_addr or ""),
               methods=["POST"], deduct_when=_failed, scope="class-code")
def pupil_login():
    """Step 1: the pupil types their class code."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = ClassCodeForm()
    if form.validate_on_submit():
        code = form.code.data.replace(" ", "").upper()
        school_class = db.session.scalar(
            sa.select(SchoolClass).where(SchoolClass.join_code == code, SchoolClass.archived_at.is_(None))
        )
        if school_class is None:
            g.sign_in_failed = True
            form.code.errors.append("We could not find that class code. Check it with your teacher.")
            return render_template("auth/pupil_code.html", form=form), 400
        session["pupil_class"] = school_class.id
        session.pop("pupil_candidate", None)
        session.pop("passcode", None)
        return redirect(url_for("auth.pupil_pick"))
    return render_template("auth/pupil_code.html", form=form), 400 if form.errors else 200


@bp.route("/pupil/login/name", methods=["GET", "POST"])
def pupil_pick():
    """Step 2: the pupil finds their own name in their class."""
    school_class = _candidate_class()
    if school_class is None:
        return redirect(url_for("auth.pupil_login"))
    form = EmptyForm()
    pupils = db.session.scalars(
        sa.select(User).where(User.class_id == school_class.id, User.kind == "pupil", User.active)
        .order_by(User.name, User.last_initial)
    ).all()
    if form.validate_on_submit():
        chosen = request.form.get("pupil", type=int)
        if chosen in {p.id for p in pupils}:
            session["pupil_candidate"] = chosen
            session["passcode"] = []
            return redirect(url_for("auth.pupil_passcode"))
        flash("Please press your name.", "error")
    return render_template("auth/pupil_pick.html", form=form, school_class=school_class, pupils=pupils)


@bp.route("/pupil/login/passcode", methods=["GET", "POST"])
@limiter.limit(_limits("LOGIN_LIMIT_ACCOUNT"), key_func=_account_key, deduct_when=_failed, methods=["POST"],
               scope="pupil-account")
@limiter.limit(_limits("LOGIN_LIMIT_ACCOUNT_ADDRESS"), key_func=_account_address_key, deduct_when=_failed,
               methods=["POST"], scope="pupil-account-address")
def pupil_passcode():
    """Step 3: the pupil presses their three pictures in order."""
    school_class = _candidate_class()
    pupil = session.get("pupil_candidate") and db.session.get(User, session["pupil_candidate"])
    if school_class is None or pupil is None or pupil.class_id != school_class.id or not pupil.active:
        return redirect(url_for("auth.pupil_login"))
    form = EmptyForm()
    chosen = list(session.get("passcode", []))
    status = 200
    if form.validate_on_submit():
        if "again" in request.form:
            chosen = []
        elif request.form.get("picture") in PICTURES and len(chosen) < LENGTH:
            chosen.append(request.form["picture"])
        if len(chosen) == LENGTH:
            if pupil.check_passcode("-".join(chosen)):
                start_session(pupil)
                return redirect(url_for("pupil.home"))
            g.sign_in_failed = True
            record("sign-in failed", user=pupil, detail="pupil passcode")
            db.session.commit()
            chosen = []
            flash("Those pictures did not match. Try again, or ask your teacher.", "error")
            status = 401
        session["passcode"] = chosen
    return render_template("auth/pupil_passcode.html", form=form, pupil=pupil, pictures=PICTURES,
                           chosen=chosen, length=LENGTH), status


@bp.route("/card/<token>", methods=["GET", "POST"])
@limiter.limit(_limits("CLASS_CODE_LIMIT"), key_func=lambda: "card@" + (request.remote_addr or ""),
               deduct_when=_failed, scope="card")
def card_login(token: str):
    """A pupil's printed QR login card: the link shows their name, and one press signs them in."""
    pupil = db.session.scalar(
        sa.select(User).where(User.card_token_hash == token_hash(token), User.kind == "pupil", User.active)
    ) if len(token) < 100 else None
    if pupil is None or pupil.school_class is None or pupil.school_class.archived_at is not None:
        g.sign_in_failed = True
        return render_template("auth/card_invalid.html"), 401
    form = EmptyForm()
    if form.validate_on_submit():
        start_session(pupil)
        return redirect(url_for("pupil.home"))
    return render_template("auth/card.html", form=form, pupil=pupil)


# Second factor for the DSL and admins ---------------------------------------------------------------------


@bp.route("/second-factor", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per 15 minutes", key_func=lambda: f"mfa:{current_user.id}", deduct_when=_failed,
               methods=["POST"], scope="mfa")
def second_factor():
    """Check (or first set up) the authenticator app of a DSL or admin."""
    if not current_user.needs_second_factor:
        return redirect(url_for(home_endpoint(current_user)))
    form = CodeForm()
    enrolling = current_user.totp_secret is None
    if enrolling and "totp_pending" not in session:
        session["totp_pending"] = pyotp.random_base32()
    secret = current_user.totp_secret or session["totp_pending"]
    recovery_codes = None
    if form.validate_on_submit():
        if mfa.verify(current_user, secret, form.code.data):
            if enrolling:
                current_user.totp_secret = secret
                session.pop("totp_pending", None)
                recovery_codes = mfa.new_recovery_codes(current_user)
            session["mfa"] = current_user.session_version
            record("second factor passed", user=current_user)
            db.session.commit()
            if recovery_codes:
                return render_template("auth/recovery_codes.html", codes=recovery_codes,
                                       next=safe_next(url_for(home_endpoint(current_user))))
            return redirect(safe_next(url_for(home_endpoint(current_user))))
        g.sign_in_failed = True
        record("second factor failed", user=current_user)
        db.session.commit()
        form.code.errors.append("That code did not work. Codes change every 30 seconds: try the newest one.")
    qr = mfa.qr_svg(current_user, secret) if enrolling else None
    return render_template("auth/second_factor.html", form=form, enrolling=enrolling, secret=secret, qr=qr), \
        400 if form.errors else 200
