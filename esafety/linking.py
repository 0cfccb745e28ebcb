"""One-time codes that link a parent to their child."""

import secrets
from datetime import timedelta

import sqlalchemy as sa

from .audit import record
from .extensions import db
from .models import JOIN_CODE_ALPHABET, ParentLink, ParentLinkCode, User, utcnow
from .passcodes import token_hash

CODE_LIFETIME = timedelta(days=30)


def normalise(code: str) -> str:
    """Codes are shown as XXXX-XXXX-XX; spaces, hyphens and case do not matter when typed."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_code(pupil: User, teacher: User) -> str:
    """A fresh one-time code for a pupil (10 characters, about 46 bits), stored only as a hash."""
    raw = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(10))
    db.session.add(ParentLinkCode(pupil_id=pupil.id, code_hash=token_hash(raw), created_by_id=teacher.id,
                                  expires_at=utcnow() + CODE_LIFETIME))
    record("parent link code created", user=teacher, target=f"pupil:{pupil.id}")
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def redeem(parent: User, code: str) -> tuple[User | None, str]:
    """Link the parent to the code's child if the code is valid and unused; the code then stops working."""
    row = db.session.scalar(sa.select(ParentLinkCode).where(ParentLinkCode.code_hash == token_hash(normalise(code))))
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        record("parent link code refused", user=parent)
        return None, "That code did not work. It may have been used already or be out of date: ask the teacher for a new one."
    used = db.session.execute(
        sa.update(ParentLinkCode).where(ParentLinkCode.id == row.id, ParentLinkCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if not used:
        return None, "That code has just been used. Ask the teacher for a new one."
    pupil = db.session.get(User, row.pupil_id)
    exists = db.session.scalar(sa.select(ParentLink.id).where(ParentLink.parent_id == parent.id,
                                                              ParentLink.pupil_id == pupil.id))
    if not exists:
        db.session.add(ParentLink(parent_id=parent.id, pupil_id=pupil.id))
    if parent.school_id is None:
        parent.school_id = pupil.school_id
    record("parent linked child", user=parent, target=f"pupil:{pupil.id}")
    return pupil, f"You are now linked to {pupil.name}."
