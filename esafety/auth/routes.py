"""Signing in and out: staff and parents by email, pupils by class code, name and picture passcode."""

from urllib.parse import urlsplit

from flask import (
    Blueprint, current_app, flash, redirect, render_template, request, session, url_for,
)
from flask_login import current_user, login_required, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from .. import accounts, devices, progress
from ..audit import record
from ..extensions import db
from ..models import SchoolClass, User, utcnow
from ..passcodes import LENGTH, PICTURES, token_hash
from ..permissions import home_endpoint
from ..sessions import start_session
from ..throttle import Bucket, reserve
from . import second_factor as mfa
from .pictures import FAILED_PRESS, PictureCheck, address_tag, record_failure
from .forms import ClassCodeForm, CodeForm, EmptyForm, LoginForm

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "Those details did not match. Check them and try again."
DUMMY_HASH = generate_password_hash("not a real password: only used to even out timing")


def safe_next(default: str) -> str:
    """The `next` path if it stays on this site (no scheme, no host, no control character), else the default."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc \
            and "\\" not in target and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return target
    return default


THROTTLED_ADULT = ("Too many tries. Wait 15 minutes and try again. If you have signed in on this computer "
                   "before, you can still sign in here.")
THROTTLED_CODE = "Too many wrong class codes from here. Wait a minute, then try again."


def _limit(name: str) -> str:
    return current_app.config[name]


def _adult_buckets(email: str, user: User | None) -> list[Bucket]:
    """A browser this person has signed in on before counts on its own, so nobody else can lock it out."""
    if user is not None and devices.is_known(user.id):
        return [Bucket("login-known-device", str(user.id), _limit("LOGIN_LIMIT_KNOWN_DEVICE"))]
    return [Bucket("login-account", email, _limit("LOGIN_LIMIT_ACCOUNT")),
            Bucket("login-account-address", f"{email}@{request.remote_addr}", _limit("LOGIN_LIMIT_ACCOUNT_ADDRESS"))]


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Staff and parents sign in with email and password; one message for every kind of failure."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = accounts.adult_by_email(email)
        tries = reserve(*_adult_buckets(email, user))
        if not tries.allowed:
            record("sign-in throttled", user=None, target=f"{user.kind}:{user.id}" if user else "",
                   detail=address_tag(), school_id=user.school_id if user else None)
            db.session.commit()
            flash(THROTTLED_ADULT, "error")
            return render_template("auth/login.html", form=form), 429
        if user is None:
            # Hash the password anyway, so an unknown address takes as long as a wrong password.
            check_password_hash(DUMMY_HASH, form.password.data)
        if user is None or not user.check_password(form.password.data) or not user.active:
            record_failure(user, "password")
            flash(GENERIC_FAILURE, "error")
            return render_template("auth/login.html", form=form), 401
        tries.refund()
        return _signed_in(user)
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


def _signed_in(user: User):
    """Start the session of an adult whose password was right: on to the second factor, or where they aimed."""
    start_session(user)
    if user.needs_second_factor and current_app.config["REQUIRE_SECOND_FACTOR"]:
        return redirect(url_for("auth.second_factor", next=safe_next("")) if safe_next("")
                        else url_for("auth.second_factor"))
    return redirect(safe_next(url_for(home_endpoint(user))))


@bp.post("/logout")
@login_required
def logout():
    """Sign out: this session and every other session of this user stop working."""
    current_user.account.end_sessions()
    record("sign-out", user=current_user)
    db.session.commit()
    pupil = current_user.kind == "pupil"
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.pupil_login" if pupil else "public.index"))


# Pupils -------------------------------------------------------------------------------------------------


def _candidate_class() -> SchoolClass | None:
    """The class whose code this browser typed at step 1, while it is open."""
    return accounts.open_class(class_id=session.get("pupil_class"))


def _class_code_buckets() -> list[Bucket]:
    """Wrong codes from a known device count for that device; from a new browser, for its address."""
    known = devices.most_recent_user()
    if known is not None:
        return [Bucket("class-code-device", str(known), _limit("CLASS_CODE_LIMIT_DEVICE"))]
    return [Bucket("class-code-address", request.remote_addr or "", _limit("CLASS_CODE_LIMIT"))]


@bp.route("/pupil/login", methods=["GET", "POST"])
def pupil_login():
    """Step 1: the pupil types their class code (a browser already signed in offers "Not you? Sign out")."""
    if current_user.is_authenticated:
        return render_template("auth/signed_in_already.html", form=EmptyForm())
    form = ClassCodeForm()
    if form.validate_on_submit():
        tries = reserve(*_class_code_buckets())
        if not tries.allowed:
            form.code.errors.append(THROTTLED_CODE)
            return render_template("auth/pupil_code.html", form=form), 429
        code = form.code.data.replace(" ", "").upper()
        school_class = accounts.open_class(code=code)
        if school_class is None:
            form.code.errors.append("We could not find that class code. Check it with your teacher.")
            return render_template("auth/pupil_code.html", form=form), 400
        tries.refund()
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
    pupils = progress.class_pupils(school_class.id)
    if form.validate_on_submit():
        chosen = request.form.get("pupil", type=int)
        if chosen in {p.id for p in pupils}:
            session["pupil_candidate"] = chosen
            session["passcode"] = []
            return redirect(url_for("auth.pupil_passcode"))
        flash("Please press your name.", "error")
    # Class codes are unique across the installation, but two schools of a trust may both have a "Year 5 Oak":
    # the page names the school, so a pupil who typed a code for the wrong school sees it before their name.
    return render_template("auth/pupil_pick.html", form=form, school_class=school_class, pupils=pupils,
                           school=school_class.school)


@bp.route("/pupil/login/passcode", methods=["GET", "POST"])
def pupil_passcode():
    """Step 3: the pupil presses their three pictures in order."""
    school_class = _candidate_class()
    pupil = accounts.user(session.get("pupil_candidate"))
    if school_class is None or pupil is None or pupil.class_id != school_class.id or not pupil.active:
        return redirect(url_for("auth.pupil_login"))
    form = EmptyForm()
    check = PictureCheck(pupil, session.get("passcode", []))
    status = 200
    if form.validate_on_submit():
        outcome = check.press(request.form)
        if outcome == "passed":
            start_session(pupil)
            return redirect(url_for("pupil.home"))
        if outcome in FAILED_PRESS:
            flash(FAILED_PRESS[outcome][0], "error")
            status = FAILED_PRESS[outcome][1]
        session["passcode"] = check.chosen
    return render_template("auth/pupil_passcode.html", form=form, pupil=pupil, pictures=PICTURES,
                           chosen=check.chosen, length=LENGTH), status


def _card_pupil(hashed: str | None) -> User | None:
    """The pupil whose current, unexpired card has this token hash, in a class that is not archived."""
    if not hashed:
        return None
    pupil = accounts.pupil_by_card(hashed)
    if pupil is None or pupil.school_class is None or pupil.school_class.archived_at is not None:
        return None
    if pupil.card_expires_at is not None and pupil.card_expires_at < utcnow():
        return None
    return pupil


@bp.get("/card/<token>")
def card_login(token: str):
    """A scanned QR login card: remember the card in the session and move to an address without the token."""
    # No throttle: a 160-bit token cannot be guessed, and a throttle here could shut a school's address out.
    hashed = token_hash(token) if len(token) < 100 else None
    if _card_pupil(hashed) is None:
        return render_template("auth/card_invalid.html"), 401
    session["card"] = hashed
    return redirect(url_for("auth.card"))


@bp.route("/card", methods=["GET", "POST"])
def card():
    """The card's name check: "Is this you?", and one press signs the pupil in."""
    pupil = _card_pupil(session.get("card"))
    if pupil is None:
        return render_template("auth/card_invalid.html"), 401
    form = EmptyForm()
    if form.validate_on_submit():
        start_session(pupil)
        return redirect(url_for("pupil.home"))
    return render_template("auth/card.html", form=form, pupil=pupil)


# Second factor for the DSL and admins ---------------------------------------------------------------------


@bp.route("/second-factor", methods=["GET", "POST"])
@login_required
def second_factor():
    """Check (or first set up) the authenticator app of a DSL or admin."""
    if not current_user.needs_second_factor:
        return redirect(url_for(home_endpoint(current_user)))
    form = CodeForm()
    account = current_user.account  # its authenticator secret and last code are read and written here
    enrolling = account.totp_secret is None
    secret = account.totp_secret or mfa.pending_secret(account)
    if form.validate_on_submit():
        tries = reserve(Bucket("second-factor", str(current_user.id), _limit("SECOND_FACTOR_LIMIT")))
        if not tries.allowed:
            form.code.errors.append("Too many codes that did not work. Wait 15 minutes, then try again.")
        elif mfa.verify(account, secret, form.code.data):
            tries.refund()
            return _second_factor_passed(secret, enrolling)
        else:
            record("second factor failed", user=current_user)
            db.session.commit()
            form.code.errors.append("That code did not work. Codes change every 30 seconds: try the newest one.")
    qr = mfa.qr_svg(account, secret) if enrolling else None
    status = 429 if any("Too many" in e for e in form.code.errors) else 400 if form.errors else 200
    return render_template("auth/second_factor.html", form=form, enrolling=enrolling, secret=secret, qr=qr), status


def _second_factor_passed(secret: str, enrolling: bool):
    """Mark this session as past the second factor; on first set-up, show the recovery codes once."""
    recovery_codes = None
    if enrolling:
        current_user.account.totp_secret = secret
        recovery_codes = mfa.new_recovery_codes(current_user.account)
    session["mfa"] = current_user.session_version
    devices.remember(current_user.id)
    record("second factor passed", user=current_user)
    db.session.commit()
    if recovery_codes:
        return render_template("auth/recovery_codes.html", codes=recovery_codes,
                               next=safe_next(url_for(home_endpoint(current_user))))
    return redirect(safe_next(url_for(home_endpoint(current_user))))
