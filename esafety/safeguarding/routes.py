"""Inbox, one concern with its history and audit trail, and the entries the DSL adds."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import dsl_concern_or_404
from .. import concerns
from ..audit import record
from ..extensions import db
from ..models import CONCERN_ACTIONS, CONCERN_CATEGORIES, CONCERN_URGENCIES, Concern
from . import bp
from .forms import ActionForm, InboxFilterForm, NoteForm, StatusForm, UrgencyForm




@bp.get("/")
def inbox():
    """New reports first (most urgent first), then acknowledged, then closed; filtered by status, what and urgency."""
    form = InboxFilterForm(request.args)
    if not form.validate():
        form.status.data = form.category.data = form.urgency.data = ""  # an unknown value: show everything
    rows = concerns.for_school(current_user.school_id, status_is=form.status.data or None,
                               category=form.category.data or None, urgency=form.urgency.data or None)
    filtered = bool(form.status.data or form.category.data or form.urgency.data)
    record("concern inbox viewed", target=concerns.INBOX_TARGET,
           detail=f"{len(rows)} listed" + (" (filtered)" if filtered else ""))
    html = render_template("safeguarding/inbox.html", rows=rows, categories=CONCERN_CATEGORIES,
                           statuses=concerns.STATUSES, urgencies=CONCERN_URGENCIES, form=form, filtered=filtered)
    db.session.commit()  # the page goes out only once its view is on record
    return html


def entry_choices(concern: Concern) -> list[tuple[int, str]]:
    """What a correction can point at: every entry so far, numbered as the page numbers them."""
    return [(0, "Nothing: this is a new note")] + [
        (e.id, f"Entry {i}: {e.kind}, {e.at:%d %b %H:%M}") for i, e in enumerate(concern.entries, start=1)]


def _detail(concern: Concern, note=None, action=None, status=None, urgency=None, code=200):
    """Show the concern, with this view on its audit log before the page goes out (form errors are views too)."""
    record("concern viewed", target=f"concern:{concern.id}")
    note = note or NoteForm()
    note.corrects.choices = entry_choices(concern)
    entries = concern.entries
    html = render_template(
        "safeguarding/concern.html", concern=concern, entries=entries, status=concerns.status_of(concern),
        numbers={e.id: i for i, e in enumerate(entries, start=1)},
        note_form=note, action_form=action or ActionForm(), status_form=status or StatusForm(),
        urgency_form=urgency or UrgencyForm(urgency=concerns.urgency_of(concern) or "high"),
        urgency=concerns.urgency_of(concern), urgencies=CONCERN_URGENCIES,
        audit=concerns.audit_trail(concern), inbox_views=concerns.inbox_views_since(concern),
        categories=CONCERN_CATEGORIES, actions=CONCERN_ACTIONS, statuses=concerns.STATUSES,
    )
    db.session.commit()
    return html, code


@bp.get("/<int:concern_id>")
def concern(concern_id: int):
    """One concern: the child's words, everything added since, and who has looked at it."""
    return _detail(dsl_concern_or_404(concern_id))


@bp.post("/<int:concern_id>/notes")
def add_note(concern_id: int):
    """Append a note (or a correction of an earlier entry: the earlier one stays as it was)."""
    item = dsl_concern_or_404(concern_id)
    form = NoteForm()
    form.corrects.choices = entry_choices(item)
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
    item = dsl_concern_or_404(concern_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _detail(item, action=form, code=400)
    concerns.add_entry(item, current_user, kind="action", action=form.action.data, reason=form.why.data)
    db.session.commit()
    flash("Action recorded.", "info")
    return redirect(url_for("safeguarding.concern", concern_id=item.id))


@bp.post("/<int:concern_id>/status")
def change_status(concern_id: int):
    """Acknowledge or close the concern, with the decision and reason (closing records the outcome)."""
    item = dsl_concern_or_404(concern_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _detail(item, status=form, code=400)
    concerns.add_entry(item, current_user, kind="status", status=form.status.data, reason=form.decision.data)
    db.session.commit()
    flash(f"Concern {concerns.STATUSES[form.status.data].lower()}.", "info")
    return redirect(url_for("safeguarding.concern", concern_id=item.id))


@bp.post("/<int:concern_id>/urgency")
def set_urgency(concern_id: int):
    """Set the concern's urgency as a new entry (earlier settings stay on the record)."""
    item = dsl_concern_or_404(concern_id)
    form = UrgencyForm()
    if not form.validate_on_submit():
        return _detail(item, urgency=form, code=400)
    concerns.add_entry(item, current_user, kind="urgency", urgency=form.urgency.data,
                       reason=form.urgency_reason.data or "")
    db.session.commit()
    flash(f"Urgency set: {CONCERN_URGENCIES[form.urgency.data].split(':')[0]}.", "info")
    return redirect(url_for("safeguarding.concern", concern_id=item.id))
