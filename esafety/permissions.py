"""Every role rule, named, in one place. Blueprints guard themselves with one of these."""

from collections.abc import Callable

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

Rule = Callable[[object], bool]


def is_pupil(user) -> bool:
    """A signed-in pupil."""
    return user.is_authenticated and user.kind == "pupil"


def is_parent(user) -> bool:
    """A signed-in parent or carer."""
    return user.is_authenticated and user.kind == "parent"


def is_school_staff(user) -> bool:
    """Staff of one school: every school role needs it, so trust staff (who belong to no school) hold none."""
    return user.is_authenticated and user.kind == "staff" and user.school_id is not None


def is_teacher(user) -> bool:
    """A member of staff who teaches classes (admins may also manage every class)."""
    return is_school_staff(user) and (user.is_teacher or user.is_admin)


def is_dsl(user) -> bool:
    """The designated safeguarding lead (or a deputy): the only people who see Tell reports."""
    return is_school_staff(user) and user.is_dsl


def is_admin(user) -> bool:
    """A school admin or subject lead."""
    return is_school_staff(user) and user.is_admin


def is_trust_admin(user) -> bool:
    """Staff of a trust or local authority: its schools' coverage and their admins' accounts, nothing else."""
    return (user.is_authenticated and user.kind == "staff" and user.is_trust_admin and user.trust_id is not None
            and user.school_id is None)


def second_factor_done() -> bool:
    """True when this session has passed the authenticator-app check (or it is not required)."""
    if not current_app.config["REQUIRE_SECOND_FACTOR"]:
        return True
    return session.get("mfa") == current_user.session_version


def guard(blueprint: Blueprint, rule: Rule, sign_in: str = "auth.login") -> None:
    """Refuse every request to the blueprint unless the rule holds: sign-in first, else 403.

    The second factor is not a blueprint's business: sessions.hold_at_second_factor keeps anyone who owes
    it at the second-factor page, whichever blueprint they aim at.
    """

    @blueprint.before_request
    def check():
        if not current_user.is_authenticated:
            return redirect(url_for(sign_in, next=request.full_path.rstrip("?")))
        if not rule(current_user):
            abort(403)  # signed in, but this area is for another role
        return None


def home_endpoint(user) -> str:
    """Where a user lands after signing in."""
    if is_pupil(user):
        return "pupil.home"
    if is_parent(user):
        return "family.home"
    if is_teacher(user):
        return "teacher.home"
    if is_dsl(user):
        return "safeguarding.inbox"
    if is_admin(user):
        return "admin.home"
    if is_trust_admin(user):
        return "trust.home"
    return "public.index"
