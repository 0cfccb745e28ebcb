"""Safeguarding concerns: created by pupils (Tell) or staff, handled by the DSL, never edited in place."""

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import aliased

from . import alerts
from .concern_status import latest_status_subquery, latest_urgency_subquery
from .audit import record
from .extensions import db
from .models import CONCERN_ACTIONS, CONCERN_URGENCIES, AuditLog, Concern, ConcernEntry, User
from .signed_in import Person

STATUSES = {"new": "New", "acknowledged": "Acknowledged", "closed": "Closed"}
# All a pupil is ever told about a report they sent: never notes, actions or who has read it.
PUPIL_STATUS = {"new": "Sent. An adult will read it.", "acknowledged": "Sent. An adult will read it.",
                "closed": "An adult has looked at it."}
INBOX_TARGET = "concerns"


def new_submission_key() -> str:
    """A random key put in the form, so a resubmitted form records the report once."""
    return secrets.token_urlsafe(24)


def key_or_new(key: str | None) -> str:
    """The form's submission key if the server made it (long and random); otherwise a fresh one, so a missing
    or made-up key can never merge this report into another."""
    return key if isinstance(key, str) and 16 <= len(key) <= 64 else new_submission_key()


def by_id(concern_id: int) -> Concern | None:
    """The concern with this id, or None (callers have checked it is theirs to see)."""
    return db.session.get(Concern, concern_id)


def find_submitted(submission_key: str, pupil: Person, source: str) -> Concern | None:
    """The concern this form already created for this pupil, if it was sent before."""
    return db.session.scalar(sa.select(Concern).where(
        Concern.submission_key == submission_key, Concern.pupil_id == pupil.id, Concern.source == source))


def sent_by(reporter: Person, pupil: User, submission_key: str) -> int | None:
    """The id of the staff concern this member of staff sent about this pupil with this key, if they did."""
    return db.session.scalar(sa.select(Concern.id).where(
        Concern.submission_key == submission_key[:64], Concern.pupil_id == pupil.id,
        Concern.reporter_id == reporter.id, Concern.source == "staff"))


def create(*, pupil: Person, reporter: Person, category: str, words: str, wants_to_talk: bool,
           submission_key: str, source: str) -> Concern:
    """Record a concern with the child's words (or the staff account) as its first entry, once per form."""
    existing = db.session.scalar(sa.select(Concern).where(Concern.submission_key == submission_key))
    if existing is not None:
        first = existing.entries[0] if existing.entries else None
        if existing.pupil_id == pupil.id and existing.source == source and existing.category == category \
                and first is not None and first.text == words.strip():
            return existing  # the same form sent twice: one report
        submission_key = new_submission_key()  # another report under a reused key: never merge them
    # A pupil's own Tell links the pupil once (pupil_id), not also as reporter and author: when the pupil is
    # deleted the database clears that one link, which the append-only triggers allow, and keeps the names.
    reporter_id = None if reporter.id == pupil.id else reporter.id
    concern = Concern(
        school_id=pupil.school_id, pupil_id=pupil.id, pupil_name=pupil.display_name,
        class_name=pupil.school_class.name if pupil.school_class else "", source=source,
        reporter_id=reporter_id, reporter_name=reporter.display_name, category=category,
        wants_to_talk=wants_to_talk, submission_key=submission_key,
    )
    concern.entries.append(ConcernEntry(author_id=reporter_id, author_name=reporter.display_name, kind="words",
                                        status="new", text=words.strip()))
    db.session.add(concern)
    db.session.flush()
    record("concern created", user=reporter, target=f"concern:{concern.id}", detail=source)
    alerts.queue_new(concern)  # same transaction: a saved concern always has its alert waiting to go
    return concern


def status_of(concern: Concern) -> str:
    """The latest status recorded on the concern."""
    return next((e.status for e in reversed(concern.entries) if e.status), "new")


def urgency_of(concern: Concern) -> str | None:
    """The latest urgency the DSL set on the concern (None until one is set)."""
    return next((e.urgency for e in reversed(concern.entries) if e.urgency), None)


def add_entry(concern: Concern, author: Person, *, kind: str, text: str = "", reason: str = "",
              action: str | None = None, status: str | None = None, corrects_id: int | None = None,
              urgency: str | None = None) -> ConcernEntry:
    """Append a note, action, status change, urgency or correction, and audit it."""
    entry = ConcernEntry(concern_id=concern.id, author_id=author.id, author_name=author.display_name, kind=kind,
                         text=text.strip(), reason=reason.strip(), action=action, status=status,
                         corrects_id=corrects_id, urgency=urgency)
    db.session.add(entry)
    db.session.flush()
    record(f"concern {kind}", user=author, target=f"concern:{concern.id}",
           detail=(status or action or urgency or "")[:40])
    return entry


def count_new(school_id: int) -> int:
    """How many of the school's concerns no DSL has acknowledged or closed yet (shown on every staff page)."""
    status = latest_status_subquery()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Concern).join(status, status.c.concern_id == Concern.id)
        .where(Concern.school_id == school_id, status.c.status == "new"))


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox: the concern, its status and the first words recorded."""

    concern: Concern
    status: str
    words: str
    urgency: str | None = None


NO_URGENCY = "unset"  # the inbox filter's value for "no urgency set yet"


def for_school(school_id: int, *, status_is: str | None = None, category: str | None = None,
               urgency: str | None = None) -> list[InboxRow]:
    """The inbox: the school's concerns (optionally filtered) with status, urgency and message; new first."""
    status = latest_status_subquery()
    urgent = latest_urgency_subquery()
    first = (
        sa.select(ConcernEntry.concern_id, sa.func.min(ConcernEntry.id).label("entry_id"))
        .where(ConcernEntry.kind == "words").group_by(ConcernEntry.concern_id).subquery()
    )
    words = aliased(ConcernEntry)
    order = sa.case((status.c.status == "new", 0), (status.c.status == "acknowledged", 1), else_=2)
    rank = sa.case(*((urgent.c.urgency == key, i) for i, key in enumerate(CONCERN_URGENCIES)),
                   else_=len(CONCERN_URGENCIES))
    query = (
        sa.select(Concern, status.c.status, words.text, urgent.c.urgency)
        .join(status, status.c.concern_id == Concern.id)
        .outerjoin(urgent, urgent.c.concern_id == Concern.id)
        .outerjoin(first, first.c.concern_id == Concern.id)
        .outerjoin(words, words.id == first.c.entry_id)
        .where(Concern.school_id == school_id)
    )
    if status_is:
        query = query.where(status.c.status == status_is)
    if category:
        query = query.where(Concern.category == category)
    if urgency == NO_URGENCY:
        query = query.where(urgent.c.urgency.is_(None))
    elif urgency:
        query = query.where(urgent.c.urgency == urgency)
    rows = db.session.execute(query.order_by(order, rank, Concern.created_at.desc(), Concern.id.desc())).all()
    return [InboxRow(row[0], row[1], row[2] or "", row[3]) for row in rows]


def for_pupil(pupil_id: int) -> list[tuple[Concern, str]]:
    """A pupil's own Tell reports with their status (what the pupil may see of them)."""
    status = latest_status_subquery()
    rows = db.session.execute(
        sa.select(Concern, status.c.status).join(status, status.c.concern_id == Concern.id)
        .where(Concern.pupil_id == pupil_id, Concern.source == "pupil")
        .order_by(Concern.created_at.desc(), Concern.id.desc())
    ).all()
    return [(row[0], row[1]) for row in rows]


def own_report(pupil: Person, concern_id: int | None) -> Concern | None:
    """One of the pupil's own Tell reports, by id; None for anyone else's or a made-up id."""
    if concern_id is None:
        return None
    return db.session.scalar(sa.select(Concern).where(Concern.id == concern_id, Concern.pupil_id == pupil.id,
                                                      Concern.source == "pupil"))


AUDIT_WORDING = {
    "concern created": "Reported",
    "concern viewed": "Opened this record",
    "concern note": "Added a note",
    "concern correction": "Added a correction",
    "concern action": "Recorded an action",
    "concern status": "Changed the status",
    "concern urgency": "Set the urgency",
    "concern exported": "Exported this record",
    "alert queued": "Alert queued",
    "alert emailed": "Alert emailed",
    "alert sent": "Alert delivered",
    "alert failed": "Alert not delivered yet (will retry)",
}


def describe(entry: AuditLog) -> str:
    """An audit entry about a concern in plain words, e.g. "Recorded an action: Informed parents or carers"."""
    words = AUDIT_WORDING.get(entry.action, entry.action)
    detail = {"pupil": "by the pupil, using Tell", "staff": "by staff"}.get(entry.detail) or \
        CONCERN_ACTIONS.get(entry.detail) or STATUSES.get(entry.detail) or CONCERN_URGENCIES.get(entry.detail) or \
        entry.detail
    return f"{words}: {detail}" if detail else words


def audit_trail(concern: Concern) -> list[tuple[AuditLog, str | None, str]]:
    """Every view and change of one concern, oldest first: the entry, who did it and what, in words."""
    return [(row[0], row[1].display_name if row[1] else None, describe(row[0])) for row in db.session.execute(
        sa.select(AuditLog, User).outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.target == f"concern:{concern.id}").order_by(AuditLog.id)
    ).all()]


@dataclass(frozen=True)
class InboxViews:
    """How often the concern has been on screen in the inbox list (which shows its first words)."""

    count: int
    last_at: datetime | None
    last_by: str | None


def inbox_views_since(concern: Concern) -> InboxViews:
    """Inbox views since the concern arrived: the list shows its first words, so they count as views."""
    since = sa.and_(AuditLog.target == INBOX_TARGET, AuditLog.school_id == concern.school_id,
                    AuditLog.at >= concern.created_at)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(since))
    last = db.session.execute(
        sa.select(AuditLog.at, User.name).outerjoin(User, User.id == AuditLog.actor_id).where(since)
        .order_by(AuditLog.id.desc()).limit(1)
    ).first()
    return InboxViews(count, last[0] if last else None, last[1] if last else None)


# A pupil's chronology -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChronologyItem:
    """One concern in a chronology, with its status and urgency now."""

    concern: Concern
    status: str
    urgency: str | None


@dataclass(frozen=True)
class Chronology:
    """Every concern about one pupil and every entry of them, oldest first."""

    pupil_id: int
    pupil_name: str
    class_name: str
    items: list[ChronologyItem]
    entries: list[tuple[ConcernEntry, Concern]]


def chronology(school_id: int, pupil_id: int, pupil_name: str = "") -> Chronology:
    """The pupil's concerns (two queries however many there are) and all their entries in date order."""
    found = db.session.scalars(
        sa.select(Concern).where(Concern.school_id == school_id, Concern.pupil_id == pupil_id)
        .options(so.selectinload(Concern.entries)).order_by(Concern.created_at, Concern.id)
    ).all()
    items = [ChronologyItem(c, status_of(c), urgency_of(c)) for c in found]
    entries = sorted(((e, c) for c in found for e in c.entries), key=lambda pair: (pair[0].at, pair[0].id))
    latest = found[-1] if found else None
    return Chronology(pupil_id, latest.pupil_name if latest else pupil_name,
                      latest.class_name if latest else "", items, entries)


def record_views(concern_ids: list[int], action: str, detail: str) -> None:
    """One audit entry per concern shown or exported together (a chronology), so each record's trail shows it."""
    for concern_id in concern_ids:
        record(action, target=f"concern:{concern_id}", detail=detail)


def mentions_of(user_id: int) -> int:
    """How many concerns and concern entries this account reported or wrote (kept when it is deleted)."""
    return db.session.scalar(sa.select(
        sa.select(sa.func.count()).select_from(Concern).where(Concern.reporter_id == user_id).scalar_subquery()
        + sa.select(sa.func.count()).select_from(ConcernEntry).where(ConcernEntry.author_id == user_id)
        .scalar_subquery()))
