"""The trust coverage page and the management of each school's admin accounts."""

import secrets

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from .. import accounts, tallies
from ..access import my_trust_schools, trust_school_admin_or_404, trust_school_or_404
from ..audit import record
from ..extensions import db
from ..models import School, User
from . import bp


def _strip(value):
    """Spaces around what was typed are a slip, not content."""
    return value.strip() if isinstance(value, str) else value


class NewAdminForm(FlaskForm):
    """A new admin for one school: a name and the email address they will sign in with."""

    name = StringField("Full name", filters=[_strip],
                       validators=[DataRequired(message="Enter the new admin's name."), Length(max=80)])
    email = StringField("Email address", filters=[_strip],
                        validators=[DataRequired(message="Enter the email address they will sign in with."),
                                    Length(max=254),
                                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                           message="Enter an email address, like admin@school.example.")])


class AdminActionForm(FlaskForm):
    """A CSRF-only form: deactivate an admin account."""


@bp.get("/")
def home():
    """Every school of the trust with its curriculum coverage side by side, in a fixed number of queries."""
    schools = my_trust_schools()
    by_school = tallies.summaries_for_schools([school.id for school in schools])
    frameworks = [item.framework for item in next(iter(by_school.values()), [])]
    return render_template("trust/home.html", trust=current_user.trust, schools=schools, by_school=by_school,
                           frameworks=frameworks)


def _admins(school: School) -> list[User]:
    """The admin accounts of one school, active ones first."""
    return accounts.school_admins(school.id)


@bp.get("/schools/<int:school_id>/admins")
def school_admins(school_id: int):
    """One school's admin accounts: add one, or deactivate one who has left."""
    school = trust_school_or_404(school_id)
    return render_template("trust/admins.html", school=school, admins=_admins(school), form=NewAdminForm(),
                           action=AdminActionForm())


@bp.post("/schools/<int:school_id>/admins")
def add_school_admin(school_id: int):
    """Make an admin account for the school with a starting password shown once; the authenticator app is set
    up at their first sign-in."""
    school = trust_school_or_404(school_id)
    form = NewAdminForm()
    if form.validate_on_submit():
        email = form.email.data.lower()
        if accounts.email_taken(email):
            form.email.errors.append("That email address already has an account. Use another, or ask the "
                                     "school which account it is.")
        else:
            password = secrets.token_urlsafe(12)
            admin = User(school_id=school.id, kind="staff", name=form.name.data, email=email, is_admin=True)
            admin.set_password(password)
            db.session.add(admin)
            db.session.flush()
            record("school admin added", target=f"user:{admin.id}", detail=f"{admin.name} at {school.name}",
                   school_id=school.id)
            db.session.commit()
            return render_template("trust/admin_added.html", school=school, admin=admin, password=password)
    return render_template("trust/admins.html", school=school, admins=_admins(school), form=form,
                           action=AdminActionForm()), 400


@bp.post("/admins/<int:admin_id>/deactivate")
def deactivate_school_admin(admin_id: int):
    """Stop a school admin's account signing in and end its sessions everywhere; nothing is deleted."""
    admin = trust_school_admin_or_404(admin_id)
    if AdminActionForm().validate_on_submit() and admin.active:
        admin.active = False
        admin.end_sessions()
        record("school admin deactivated", target=f"user:{admin.id}", detail=admin.name, school_id=admin.school_id)
        db.session.commit()
        flash(f"{admin.name} can no longer sign in. The school's own admins can reactivate or delete the account.",
              "info")
    return redirect(url_for("trust.school_admins", school_id=admin.school_id))
