"""What esafety keeps, why and for how long; and a pupil's data, exported or erased.

Every table and column of the models is declared in esafety/privacy_registry.py (data, re-exported here);
tests/test_privacy.py fails when a model gains a column the registry does not declare. `pupil_record` and
`erase_pupil` are the two things an admin does with one pupil's data.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .audit import record
from .content import catalogue
from .extensions import db
from .models import (
    AuditLog, Concern, LessonProgress, MediaConsent, ParentLink, ParentLinkCode, QuizAttempt, QuizResponse, User, utcnow,
)
from .privacy_registry import (
    AUDIT, CONSENT, DELETED, KEPT, LEAVERS, NOT_PUPIL_DATA, REGISTRY, SAFEGUARDING, SAFEGUARDING_NOTE, WHILE_ACCOUNT,
    WHILE_CLASS, WHILE_PUPIL, WHILE_SCHOOL, Column, Table,
)
from .signed_in import Person

__all__ = [
    "AUDIT", "CONSENT", "DELETED", "KEPT", "LEAVERS", "NOT_PUPIL_DATA", "REGISTRY", "SAFEGUARDING", "SAFEGUARDING_NOTE",
    "WHILE_ACCOUNT", "WHILE_CLASS", "WHILE_PUPIL", "WHILE_SCHOOL", "Column", "Erasure", "Table", "count_concerns",
    "declared", "erase_pupil", "export_filename", "leaver_deletion_date", "pupil_audit_filter", "pupil_record",
]


def leaver_deletion_date(school_year: int) -> date:
    """When a pupil who left before the given school year is deleted: the end of its autumn term (31 December)."""
    return date(school_year, 12, 31)


def declared(table: str, column: str) -> tuple[str, str]:
    """The purpose and retention declared for one column (KeyError when undeclared)."""
    entry = REGISTRY[table]
    col = entry.columns[column]
    return col.purpose, col.retention or entry.retention


# Exporting one pupil --------------------------------------------------------------------------------------


def _when(value: datetime | date | None) -> str | None:
    """ISO 8601; stored times are UTC, so datetimes get a Z."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    return value.isoformat()


def pupil_audit_filter(pupil_id: int):
    """Audit entries by or about a pupil, other than those about safeguarding records (kept with them)."""
    return sa.and_(
        sa.or_(AuditLog.actor_id == pupil_id, AuditLog.target.in_([f"pupil:{pupil_id}", f"user:{pupil_id}"])),
        AuditLog.target.not_like("concern:%"),
    )


def pupil_record(pupil: User) -> dict:
    """Everything held about a pupil, for the export (JSON and page); nothing about safeguarding records."""
    content = catalogue()
    lessons = db.session.scalars(sa.select(LessonProgress).where(LessonProgress.pupil_id == pupil.id)
                                 .order_by(LessonProgress.started_at, LessonProgress.id)).all()
    attempts = db.session.scalars(
        sa.select(QuizAttempt).where(QuizAttempt.pupil_id == pupil.id).options(selectinload(QuizAttempt.responses))
        .order_by(QuizAttempt.started_at, QuizAttempt.id)).all()
    links = db.session.execute(
        sa.select(ParentLink, User.name).join(User, User.id == ParentLink.parent_id)
        .where(ParentLink.pupil_id == pupil.id).order_by(ParentLink.id)).all()
    codes = db.session.scalars(sa.select(ParentLinkCode).where(ParentLinkCode.pupil_id == pupil.id)
                               .order_by(ParentLinkCode.id)).all()
    audit = db.session.execute(
        sa.select(AuditLog, User.name).outerjoin(User, User.id == AuditLog.actor_id)
        .where(pupil_audit_filter(pupil.id)).order_by(AuditLog.id)).all()
    consents = db.session.scalars(sa.select(MediaConsent).where(MediaConsent.pupil_id == pupil.id)
                                  .order_by(MediaConsent.purpose)).all()
    school_class = pupil.school_class

    def title(items, item_id):
        """The lesson or quiz title, or None if it is no longer in the content."""
        item = items.get(item_id)
        return item.title if item else None

    return {
        "exported_at": _when(utcnow()),
        "school": pupil.school.name if pupil.school else None,
        "pupil": {
            "id": pupil.id,
            "first_name": pupil.name,
            "last_initial": pupil.last_initial,
            "shown_as": pupil.display_name,
            "account_created_at": _when(pupil.created_at),
            "last_sign_in_at": _when(pupil.last_sign_in_at),
            "can_sign_in": pupil.active,
            "picture_passcode": "set (the pictures are not included in this export)" if pupil.passcode else "not set",
            "login_card": "issued" if pupil.card_token_hash else "none",
            "left_at": _when(pupil.left_at),
            "data_deleted_after": _when(pupil.delete_after),
            "imported_from_mis": pupil.mis_id_hash is not None,
        },
        "class": {"name": school_class.name, "year_group": school_class.year_group,
                  "key_stage": school_class.key_stage} if school_class else None,
        "lesson_progress": [{
            "lesson_id": row.lesson_id, "title": title(content.lessons, row.lesson_id),
            "content_version": row.content_version, "step_reached": row.step, "answers": row.answers,
            "started_at": _when(row.started_at), "updated_at": _when(row.updated_at),
            "completed_at": _when(row.completed_at),
        } for row in lessons],
        "quiz_attempts": [{
            "quiz_id": row.quiz_id, "title": title(content.quizzes, row.quiz_id), "attempt": row.number,
            "content_version": row.content_version, "started_at": _when(row.started_at),
            "submitted_at": _when(row.submitted_at), "score": row.score, "passed": row.passed,
            "answers_in_progress": row.state if row.submitted_at is None else None,
            "responses": [{
                "position": r.position, "question_id": r.question_id, "answer": r.answer, "correct": r.correct,
                "understanding": r.understanding,
            } for r in row.responses],
        } for row in attempts],
        "photo_and_video_consent": [{
            "purpose": row.purpose, "given": row.given, "school_year": f"{row.school_year}/{(row.school_year + 1) % 100:02d}",
            "source": row.source, "recorded_by": row.recorded_by_name, "recorded_at": _when(row.recorded_at),
        } for row in consents],
        "parent_links": [{"parent": name, "linked_at": _when(link.created_at)} for link, name in links],
        "parent_link_codes": [{"created_at": _when(code.created_at), "expires_at": _when(code.expires_at),
                               "used_at": _when(code.used_at)} for code in codes],
        "audit_log": [{"at": _when(entry.at), "action": entry.action,
                       "by": "the pupil" if entry.actor_id == pupil.id
                       else name or ("someone not signed in" if entry.action.startswith("sign-in")
                                     else "a deleted account"),
                       "detail": entry.detail} for entry, name in audit],
        # Whether a child has safeguarding records is itself safeguarding information (KCSIE: need to know),
        # and this export may be handed to a parent: it never says whether any exist, or how many.
        "safeguarding": {
            "note": "Safeguarding records, if there are any, are held separately by the designated safeguarding "
                    "lead and are not part of this export: ask the DSL. " + SAFEGUARDING_NOTE,
        },
    }


def count_concerns(pupil_id: int) -> int:
    """How many safeguarding records name the pupil."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Concern).where(Concern.pupil_id == pupil_id))


def export_filename(pupil: User) -> str:
    """A download name that says whose data it is, in plain ASCII."""
    slug = re.sub(r"[^a-z0-9]+", "-", pupil.display_name.lower()).strip("-") or "pupil"
    return f"pupil-{pupil.id}-{slug}.json"


# Erasing one pupil ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What deleting a pupil removed, and how many safeguarding records were kept."""

    lessons: int
    quiz_attempts: int
    quiz_responses: int
    parent_links: int
    parent_link_codes: int
    media_consents: int
    audit_entries: int
    safeguarding_kept: int


def erase_pupil(pupil: User, by: Person | None, reason: str = "") -> Erasure:
    """Delete a pupil and all their data except safeguarding records, and record the deletion."""
    pupil_id, school_id = pupil.id, pupil.school_id
    attempts = sa.select(QuizAttempt.id).where(QuizAttempt.pupil_id == pupil_id).scalar_subquery()

    def delete(statement) -> int:
        """Run a bulk delete and say how many rows went."""
        return db.session.execute(statement, execution_options={"synchronize_session": False}).rowcount

    erasure = Erasure(
        quiz_responses=delete(sa.delete(QuizResponse).where(QuizResponse.attempt_id.in_(attempts))),
        quiz_attempts=delete(sa.delete(QuizAttempt).where(QuizAttempt.pupil_id == pupil_id)),
        lessons=delete(sa.delete(LessonProgress).where(LessonProgress.pupil_id == pupil_id)),
        parent_links=delete(sa.delete(ParentLink).where(ParentLink.pupil_id == pupil_id)),
        parent_link_codes=delete(sa.delete(ParentLinkCode).where(ParentLinkCode.pupil_id == pupil_id)),
        media_consents=delete(sa.delete(MediaConsent).where(MediaConsent.pupil_id == pupil_id)),
        audit_entries=delete(sa.delete(AuditLog).where(pupil_audit_filter(pupil_id))),
        safeguarding_kept=count_concerns(pupil_id),
    )
    db.session.delete(pupil)
    db.session.flush()
    record("pupil deleted", user=by, target=f"pupil:{pupil_id}", school_id=school_id,
           detail=f"{reason}{erasure.lessons} lessons, {erasure.quiz_attempts} quiz attempts, {erasure.parent_links} "
                  "parent links deleted")
    if erasure.safeguarding_kept:
        # The DSL, not the admin, is told that records about a deleted pupil are now kept unlinked.
        record("pupil account deleted; concerns kept", user=by, target="concerns", detail=f"pupil:{pupil_id}",
               school_id=school_id)
    return erasure
