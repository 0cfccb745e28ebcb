"""One-time codes that link a parent to their child."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from .audit import record
from .extensions import db
from .models import JOIN_CODE_ALPHABET, ParentLink, ParentLinkCode, User, utcnow
from .passcodes import token_hash
from .signed_in import Person

CODE_LIFETIME = timedelta(days=30)


def normalise(code: str) -> str:
    """Codes are shown as XXXX-XXXX-XX; spaces, hyphens and case do not matter when typed."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_code(pupil: User, teacher: Person) -> str:
    """A fresh one-time code for a pupil (10 characters, about 46 bits), stored only as a hash."""
    raw = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(10))
    db.session.add(ParentLinkCode(pupil_id=pupil.id, code_hash=token_hash(raw), created_by_id=teacher.id,
                                  expires_at=utcnow() + CODE_LIFETIME))
    record("parent link code created", user=teacher, target=f"pupil:{pupil.id}")
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def redeem(parent: User, code: str) -> tuple[User | None, str]:
    """Link the parent to the code's child if the code is valid and unused; the code then stops working."""
    row = db.session.scalar(sa.select(ParentLinkCode).where(ParentLinkCode.code_hash == token_hash(normalise(code))))
    child = row and db.session.get(User, row.pupil_id)
    # A code for a child who has left (removed, or of another school than the parent's) links nobody.
    if row is None or row.used_at is not None or row.expires_at < utcnow() or child is None or not child.active \
            or (parent.school_id is not None and parent.school_id != child.school_id):
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


@dataclass(frozen=True)
class LinkedAdult:
    """A parent or carer linked to a child, as staff see them."""

    link_id: int
    name: str
    email: str
    linked_at: datetime


def linked_adults(pupil: User) -> list[LinkedAdult]:
    """Everyone who can see this child's learning through a parent account (one query)."""
    rows = db.session.execute(
        sa.select(ParentLink.id, User.name, User.email, ParentLink.created_at)
        .join(User, User.id == ParentLink.parent_id).where(ParentLink.pupil_id == pupil.id).order_by(ParentLink.id))
    return [LinkedAdult(*row) for row in rows]


def unused_codes(pupil: User) -> int:
    """How many link codes for the child could still be redeemed."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ParentLinkCode).where(
        ParentLinkCode.pupil_id == pupil.id, ParentLinkCode.used_at.is_(None), ParentLinkCode.expires_at > utcnow()))


def unlink(pupil: User, link_id: int, by: Person) -> bool:
    """Staff remove a parent's link to the child; audited. False when there is no such link for this child."""
    removed = db.session.execute(sa.delete(ParentLink).where(ParentLink.id == link_id, ParentLink.pupil_id == pupil.id)
                                 .execution_options(synchronize_session=False)).rowcount
    if removed:
        record("parent link removed", user=by, target=f"pupil:{pupil.id}", detail=f"link:{link_id}")
    return bool(removed)


def withdraw_codes(pupil: User, by: Person | None, why: str = "withdrawn") -> int:
    """Delete every unused link code of the child (on request, and whenever the child is reset or leaves)."""
    withdrawn = db.session.execute(
        sa.delete(ParentLinkCode).where(ParentLinkCode.pupil_id == pupil.id, ParentLinkCode.used_at.is_(None))
        .execution_options(synchronize_session=False)).rowcount
    if withdrawn:
        record("parent link codes withdrawn", user=by, target=f"pupil:{pupil.id}", detail=f"{withdrawn} {why}")
    return withdrawn


def children_of(parent: Person) -> list[User]:
    """The children linked to a parent, each with their school (one query)."""
    return list(db.session.scalars(sa.select(User).join(ParentLink, ParentLink.pupil_id == User.id)
                                   .where(ParentLink.parent_id == parent.id)
                                   .options(so.joinedload(User.school)).order_by(ParentLink.id)))


def parent_unlinks(parent: Person, pupil_id: int) -> None:
    """The parent stops following a child (the link the parent made, not the school's record)."""
    db.session.execute(sa.delete(ParentLink).where(ParentLink.parent_id == parent.id,
                                                   ParentLink.pupil_id == pupil_id))


def forget_parent(parent: User) -> None:
    """Every link of a parent whose account is being deleted."""
    db.session.execute(sa.delete(ParentLink).where(ParentLink.parent_id == parent.id))
