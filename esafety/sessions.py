"""The signed-in person's session: loaded only while the server says it is current, kept only as long as
is safe on a shared computer, and held at the second-factor page until the authenticator check is passed.

These rules run before every request to every blueprint, present and future, so no view or blueprint guard
can forget them.
"""

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from . import devices, session_cookie, signed_in
from .audit import record
from .extensions import db, login_manager
from .models import User, utcnow
from .permissions import second_factor_done

# What someone who still owes the second factor may reach: the check itself, signing out, public pages.
OPEN_BEFORE_SECOND_FACTOR = {"auth.second_factor", "auth.logout", "auth.login", "auth.pupil_login", "static"}
OPEN_BLUEPRINTS_BEFORE_SECOND_FACTOR = {"public", "parents"}
# A pupil's `seen` time is rewritten at most this often (seconds), so most requests send no new cookie.
SEEN_RESOLUTION = 30


@login_manager.user_loader
def load_user(session_id: str) -> signed_in.SignedIn | None:
    """The user named by the session, only while its session version is current and the account active."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    # One statement for the person and, for a pupil, their class (every pupil page needs it): plain values,
    # not entities (signed_in.py says why).
    user = signed_in.load(int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    if user.kind == "pupil" and (user.school_class is None or user.school_class.archived):
        return None  # the class was archived: its pupils' sessions end with it
    signed_in.keep_early_read(user)
    return user


def start_session(user: User) -> None:
    """A fresh session for a signed-in user: nothing carried over from before sign-in but an unsent Tell."""
    draft = session.get("tell_draft")
    session.clear()
    if draft and draft.get("pupil") == user.id:
        session["tell_draft"] = draft
    session.permanent = True
    login_user(user, remember=False)
    now = int(time.time())
    session["signed_in_at"] = now
    session["seen_at"] = now
    if not (user.needs_second_factor and current_app.config["REQUIRE_SECOND_FACTOR"]):
        devices.remember(user.id)  # staff who owe a second factor are remembered once they pass it
    user.last_sign_in_at = utcnow()
    record("sign-in", user=user)
    db.session.commit()


def _expired(now: int) -> str | None:
    """Why the current session must end now, or None."""
    started = session.get("signed_in_at", 0)
    config = current_app.config
    if current_user.kind == "pupil":
        if now - session.get("seen_at", 0) > config["PUPIL_IDLE_TIMEOUT"].total_seconds():
            return "You were signed out because nobody used this computer for a while. Sign in again."
        if now - started > config["PUPIL_SESSION_MAX"].total_seconds():
            return "You were signed out because it was a long time since you signed in. Sign in again."
        return None
    if now - started > config["STAFF_SESSION_MAX"].total_seconds():
        return "You were signed out after a school day. Please sign in again."
    return None


def enforce_session_lifetime():
    """End a session that has been idle too long (pupils) or is older than its limit (everyone)."""
    if not current_user.is_authenticated or request.endpoint == "static":
        return None
    now = int(time.time())
    reason = _expired(now)
    if reason is None:
        if current_user.kind == "pupil" and now - session.get("seen_at", 0) >= SEEN_RESOLUTION:
            session["seen_at"] = now
        return None
    pupil = current_user.kind == "pupil"
    draft = _unsent_tell(pupil)
    logout_user()
    session.clear()
    if draft:
        session["tell_draft"] = draft
    flash(reason, "info")
    return redirect(url_for("auth.pupil_login" if pupil else "auth.login"))


def _unsent_tell(pupil: bool) -> dict | None:
    """A Tell that arrives after its pupil's session ended is kept for that pupil's next sign-in."""
    if not pupil or request.endpoint != "pupil.tell" or request.method != "POST":
        return None
    return {"pupil": current_user.id, "category": request.form.get("category", "")[:20],
            "words": request.form.get("words", "")[:2000], "talk": request.form.get("talk", "")[:3]}


def hold_at_second_factor():
    """Someone who must use an authenticator and has not, in this session, reaches nothing else."""
    if not current_user.is_authenticated or not current_user.needs_second_factor or second_factor_done():
        return None
    if request.endpoint in OPEN_BEFORE_SECOND_FACTOR or request.blueprint in OPEN_BLUEPRINTS_BEFORE_SECOND_FACTOR:
        return None
    target = request.full_path.rstrip("?") if request.method == "GET" else ""
    return redirect(url_for("auth.second_factor", next=target) if target else url_for("auth.second_factor"))


def init_app(app: Flask) -> None:
    """Sign-in pages and messages; the session rules for every request."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    # Flask-Login's "basic" protection only marks a permanent session as not fresh when the browser's address or
    # user agent changes, and nothing here asks whether a session is fresh: it hashed both on every request for
    # nothing. A stolen or stale session is refused by its server-side version (load_user) and lifetime instead.
    login_manager.session_protection = None
    session_cookie.init_app(app)
    app.before_request(enforce_session_lifetime)
    app.before_request(hold_at_second_factor)
