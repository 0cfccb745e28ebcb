"""Safeguarding concerns: created by pupils (Tell) or staff, handled by the DSL, never edited in place."""

import secrets

import sqlalchemy as sa

from .audit import record
from .extensions import db
from .models import Concern, ConcernEntry, User

STATUSES = {"new": "New", "acknowledged": "Acknowledged", "closed": "Closed"}


def new_submission_key() -> str:
    """A random key put in the form, so a resubmitted form records the report once."""
    return secrets.token_urlsafe(24)


def create(*, pupil: User, reporter: User, category: str, words: str, wants_to_talk: bool,
           submission_key: str, source: str) -> Concern:
    """Record a concern with the child's own words (or the staff member's account) as its first entry.

    If the same form was already submitted, the concern it created is returned and nothing is added.
    """
    existing = db.session.scalar(sa.select(Concern).where(Concern.submission_key == submission_key))
    if existing is not None:
        return existing
    concern = Concern(
        school_id=pupil.school_id, pupil_id=pupil.id, pupil_name=pupil.display_name,
        class_name=pupil.school_class.name if pupil.school_class else "", source=source,
        reporter_id=reporter.id, reporter_name=reporter.display_name, category=category,
        wants_to_talk=wants_to_talk, submission_key=submission_key,
    )
    concern.entries.append(ConcernEntry(author_id=reporter.id, author_name=reporter.display_name, kind="words",
                                        status="new", text=words.strip()))
    db.session.add(concern)
    db.session.flush()
    record("concern created", user=reporter, target=f"concern:{concern.id}", detail=source)
    return concern


def status_of(concern: Concern) -> str:
    """The latest status recorded on the concern."""
    return next((e.status for e in reversed(concern.entries) if e.status), "new")


def add_entry(concern: Concern, author: User, *, kind: str, text: str = "", reason: str = "",
              action: str | None = None, status: str | None = None, corrects_id: int | None = None) -> ConcernEntry:
    """Append a note, action, status change or correction, and audit it."""
    entry = ConcernEntry(concern_id=concern.id, author_id=author.id, author_name=author.display_name, kind=kind,
                         text=text.strip(), reason=reason.strip(), action=action, status=status,
                         corrects_id=corrects_id)
    db.session.add(entry)
    db.session.flush()
    record(f"concern {kind}", user=author, target=f"concern:{concern.id}",
           detail=(status or action or "")[:40])
    return entry


def latest_status_subquery():
    """For each concern, the status of its newest status entry (for the inbox's one query)."""
    newest = (
        sa.select(ConcernEntry.concern_id, sa.func.max(ConcernEntry.id).label("entry_id"))
        .where(ConcernEntry.status.is_not(None)).group_by(ConcernEntry.concern_id).subquery()
    )
    return (
        sa.select(newest.c.concern_id, ConcernEntry.status)
        .join(ConcernEntry, ConcernEntry.id == newest.c.entry_id).subquery()
    )


def for_school(school_id: int) -> list[tuple[Concern, str]]:
    """The inbox: every concern of the school with its status, new ones first, newest first."""
    status = latest_status_subquery()
    order = sa.case((status.c.status == "new", 0), (status.c.status == "acknowledged", 1), else_=2)
    rows = db.session.execute(
        sa.select(Concern, status.c.status).join(status, status.c.concern_id == Concern.id)
        .where(Concern.school_id == school_id).order_by(order, Concern.created_at.desc())
    ).all()
    return [(row[0], row[1]) for row in rows]


def for_pupil(pupil_id: int) -> list[tuple[Concern, str]]:
    """A pupil's own Tell reports with their status (what the pupil may see of them)."""
    status = latest_status_subquery()
    rows = db.session.execute(
        sa.select(Concern, status.c.status).join(status, status.c.concern_id == Concern.id)
        .where(Concern.pupil_id == pupil_id, Concern.source == "pupil").order_by(Concern.created_at.desc())
    ).all()
    return [(row[0], row[1]) for row in rows]
