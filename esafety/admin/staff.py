"""Staff who leave: an admin deactivates an account (it can no longer sign in), then may delete it.

Deleting never touches the safeguarding record: concerns and their entries keep the names as they were written
(reporter_name, author_name) and the database only clears the link to the account (ON DELETE SET NULL, which
the append-only triggers allow and nothing else).
"""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from .. import accounts, concerns
from ..access import school_staff_or_404
from ..audit import record
from ..extensions import db
from ..models import User
from . import bp
from .deleting import delete_for_good


class StaffActionForm(FlaskForm):
    """A CSRF-only form: deactivate, reactivate or change the deputy DSL role."""


class DeleteStaffForm(FlaskForm):
    """Deleting an account needs a tick, so it is never one stray click."""

    confirm = BooleanField("I understand this deletes the account for good; the safeguarding record keeps the "
                           "name as written", validators=[DataRequired(message="Tick the box to confirm.")])


def roles(user: User) -> str:
    """The account's staff roles, in words."""
    names = [name for held, name in ((user.is_teacher, "teacher"), (user.is_dsl and not user.is_deputy_dsl, "DSL"),
                                     (user.is_dsl and user.is_deputy_dsl, "deputy DSL"), (user.is_admin, "admin"))
             if held]
    return ", ".join(names) or "no role"


@bp.get("/staff")
def staff():
    """Every member of staff with their roles, and deactivate, reactivate or delete for those who leave."""
    people = accounts.school_staff(current_user.school_id)
    return render_template("admin/staff.html", people=people, roles=roles, form=StaffActionForm())


def _not_self(user: User) -> bool:
    """An admin cannot lock themselves out: true (and a message) when the account is their own."""
    if user.id == current_user.id:
        flash("You cannot do that to your own account. Ask another admin.", "error")
        return True
    return False


@bp.post("/staff/<int:staff_id>/deactivate")
def deactivate_staff(staff_id: int):
    """Stop an account signing in and end its sessions everywhere; nothing is deleted."""
    user = school_staff_or_404(staff_id)
    if StaffActionForm().validate_on_submit() and not _not_self(user) and user.active:
        user.active = False
        user.end_sessions()
        record("staff deactivated", target=f"user:{user.id}", detail=user.name)
        db.session.commit()
        flash(f"{user.name} can no longer sign in. You can now delete the account, or reactivate it.", "info")
    return redirect(url_for("admin.staff"))


@bp.post("/staff/<int:staff_id>/reactivate")
def reactivate_staff(staff_id: int):
    """Let a deactivated account sign in again."""
    user = school_staff_or_404(staff_id)
    if StaffActionForm().validate_on_submit() and not user.active:
        user.active = True
        record("staff reactivated", target=f"user:{user.id}", detail=user.name)
        db.session.commit()
        flash(f"{user.name} can sign in again.", "info")
    return redirect(url_for("admin.staff"))


@bp.post("/staff/<int:staff_id>/deputy")
def toggle_deputy(staff_id: int):
    """Mark a DSL as a deputy (escalations go to deputies) or as a lead DSL again."""
    user = school_staff_or_404(staff_id)
    if StaffActionForm().validate_on_submit() and user.is_dsl:
        user.is_deputy_dsl = not user.is_deputy_dsl
        record("staff role changed", target=f"user:{user.id}",
               detail="deputy DSL" if user.is_deputy_dsl else "DSL (not deputy)")
        db.session.commit()
        flash(f"{user.name} is now {'a deputy DSL' if user.is_deputy_dsl else 'a DSL (not a deputy)'}.", "info")
    return redirect(url_for("admin.staff"))


@bp.route("/staff/<int:staff_id>/delete", methods=["GET", "POST"])
def delete_staff(staff_id: int):
    """Confirm, then delete a deactivated account; the safeguarding record keeps the names as written."""
    user = school_staff_or_404(staff_id)
    if user.active:
        flash("Deactivate the account first: it stops it signing in, and can be undone.", "error")
        return redirect(url_for("admin.staff"))
    if _not_self(user):
        return redirect(url_for("admin.staff"))
    form = DeleteStaffForm()
    mentions = concerns.mentions_of(user.id)
    if form.validate_on_submit():
        _delete(user, mentions)
        return redirect(url_for("admin.staff"))
    return render_template("admin/delete_staff.html", person=user, form=form, mentions=mentions,
                           roles=roles), 400 if form.errors else 200


def _delete(user: User, mentions: int) -> None:
    """Delete the account once, audited; say what happened either way."""
    name, staff_id = user.name, user.id

    def delete():
        db.session.delete(user)
        db.session.flush()
        record("staff deleted", target=f"user:{staff_id}",
               detail=f"{name}; {mentions} safeguarding entries keep the name as written")

    if delete_for_good(delete, f"staff account {staff_id}"):
        flash(f"{name}'s account has been deleted. The safeguarding record keeps their name on what they wrote.",
              "info")
