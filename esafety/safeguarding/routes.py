"""Inbox, one concern with its history and audit trail, and the entries the DSL adds."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import concerns
from ..audit import record
from ..extensions import db
from ..models import CONCERN_ACTIONS, CONCERN_CATEGORIES, AuditLog, Concern, User
from . import bp
from .forms import ActionForm, NoteForm, StatusForm


def concern_or_404(concern_id: int) -> Concern:
    """A concern of the DSL's own school (404 for any other, so ids reveal nothing)."""
    concern = db.session.get(Concern, concern_id)
    if concern is None or concern.school_id != current_user.school_id:
        abort(404)
    return concern


@bp.get("/")
def inbox():
    """New reports first, then acknowledged, then closed; each with pupil, class, time and category."""
    rows = concerns.for_school(current_user.school_id)
    record("concern inbox viewed", target="concerns")
    db.session.commit()
    return render_template("safeguarding/inbox.html", rows=rows, categories=CONCERN_CATEGORIES,
                           statuses=concerns.STATUSES)


def _detail(concern: Concern, note=None, action=None, status=None, code=200):
    entries = concern.entries
    note = note or NoteForm()
    note.corrects.choices = [(0, "Nothing: a new note")] + [
        (e.id, f"Entry {i + 1} ({e.kind}, {e.at:%d %b %H:%M})") for i, e in enumerate(entries)]
    audit = db.session.execute(
        sa.select(AuditLog, User.name).outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.target == f"concern:{concern.id}").order_by(AuditLog.id)
    ).all()
    return render_template(
        "safeguarding/concern.html", concern=concern, entries=entries, status=concerns.status_of(concern),
        note_form=note, action_form=action or ActionForm(), status_form=status or StatusForm(), audit=audit,
        categories=CONCERN_CATEGORIES, actions=CONCERN_ACTIONS, statuses=concerns.STATUSES,
    ), code


@bp.get("/<int:concern_id>")
def concern(concern_id: int):
    """One concern: the child's words, everything added since, and who has looked at it."""
    item = concern_or_404(concern_id)
    record("concern viewed", target=f"concern:{item.id}")
    db.session.commit()
    return _detail(item)


@bp.post("/<int:concern_id>/notes")
def add_note(concern_id: int):
    """Append a note (or a correction of an earlier entry)."""
    item = concern_or_404(concern_id)
    form = NoteForm()
    form.corrects.choices = [(0, "")] + [(e.id, "") for e in item.entries]
    if not form.validate_on_submit():
        return _detail(item, note=form, code=400)
    concerns.add_entry(item, current_user, kind="correction" if form.corrects.data else "note",
                       text=form.text.data, corrects_id=form.corrects.data or None)
    db.session.commit()
    flash("Note added.", "info")
    return redirect(url_for("safeguarding.concern", concern_id=item.id))


@bp.post("/<int:concern_id>/actions")
def add_action(concern_id: int):
    """Append an action taken, with its reason."""
    item = concern_or_404(concern_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _detail(item, action=form, code=400)
    concerns.add_entry(item, current_user, kind="action", action=form.action.data, reason=form.reason.data)
    db.session.commit()
    flash("Action recorded.", "info")
    return redirect(url_for("safeguarding.concern", concern_id=item.id))


@bp.post("/<int:concern_id>/status")
def change_status(concern_id: int):
    """Acknowledge or close the concern, with the decision and reason."""
    item = concern_or_404(concern_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _detail(item, status=form, code=400)
    concerns.add_entry(item, current_user, kind="status", status=form.status.data, reason=form.reason.data)
    db.session.commit()
    flash(f"Concern {concerns.STATUSES[form.status.data].lower()}.", "info")
    return redirect(url_for("safeguarding.concern", concern_id=item.id))
