"""Finding the accounts, classes and schools a request names: an adult by email, a class by its code, a pupil by
their card, a school's staff, admins, classes and pupils. One query each; the views decide what a match means,
and access.py decides who may see it."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from .extensions import db
from .models import ParentLink, School, SchoolClass, User
from .signed_in import Person


def adult_by_email(email: str) -> User | None:
    """The staff or parent account with this email (already lower-cased), or None."""
    return db.session.scalar(sa.select(User).where(User.email == email, User.kind != "pupil"))


def email_taken(email: str) -> bool:
    """Whether any account on the installation already has this email."""
    return db.session.scalar(sa.select(User.id).where(User.email == email)) is not None


def open_class(class_id: int | None = None, code: str | None = None) -> SchoolClass | None:
    """A class that is not archived, by id or by its join code, or None."""
    if class_id is not None:
        school_class = db.session.get(SchoolClass, class_id)
    elif code:
        school_class = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.join_code == code))
    else:
        return None
    return school_class if school_class is not None and school_class.archived_at is None else None


def user(user_id: int | None) -> User | None:
    """The account with this id, or None."""
    return db.session.get(User, user_id) if user_id else None


def pupil_by_card(hashed: str) -> User | None:
    """The active pupil whose printed card has this token hash, or None."""
    return db.session.scalar(sa.select(User).where(User.card_token_hash == hashed, User.kind == "pupil", User.active))


def school_admins(school_id: int) -> list[User]:
    """The admin accounts of one school, active ones first."""
    return list(db.session.scalars(sa.select(User).where(User.school_id == school_id, User.kind == "staff",
                                                         User.is_admin)
                                   .order_by(User.active.desc(), User.name, User.id)))


def school_staff(school_id: int) -> list[User]:
    """Every member of staff of a school, active ones first."""
    return list(db.session.scalars(sa.select(User).where(User.school_id == school_id, User.kind == "staff")
                                   .order_by(User.active.desc(), User.name, User.id)))


def school_classes(school_id: int) -> list[SchoolClass]:
    """Every class of a school, archived ones last."""
    return list(db.session.scalars(sa.select(SchoolClass).where(SchoolClass.school_id == school_id)
                                   .order_by(SchoolClass.archived_at.is_not(None), SchoolClass.year_group,
                                             SchoolClass.name)))


def find_pupils(school_id: int, class_id: int | None = None, name: str = "") -> list[tuple[User, str | None]]:
    """A school's pupils with their class's name, in one class and with a name containing `name` if given."""
    query = (sa.select(User, SchoolClass.name).outerjoin(SchoolClass, SchoolClass.id == User.class_id)
             .where(User.school_id == school_id, User.kind == "pupil"))
    if class_id:
        query = query.where(User.class_id == class_id)
    if name:
        query = query.where(sa.func.lower(User.name).contains(name.lower(), autoescape=True))
    return list(db.session.execute(query.order_by(SchoolClass.name, User.name, User.last_initial, User.id)).all())


def schools_of(viewer: Person) -> list[School]:
    """The schools a parent's children are at (and their own, if any), or a trust admin's trust's schools."""
    if viewer.kind == "parent":
        children = sa.select(User.school_id).join(ParentLink, ParentLink.pupil_id == User.id).where(
            ParentLink.parent_id == viewer.id)
        query = sa.select(School).where(sa.or_(School.id.in_(children), School.id == viewer.school_id))
    elif viewer.trust_id is not None:
        query = sa.select(School).where(School.trust_id == viewer.trust_id)
    else:
        return []
    return list(db.session.scalars(query.options(so.joinedload(School.trust)).order_by(School.name, School.id)))


def every_school(limit: int = 2000) -> list[School]:
    """The installation's schools with their trusts, by name (for the school chooser)."""
    return list(db.session.scalars(sa.select(School).options(so.joinedload(School.trust))
                                   .order_by(School.name, School.id).limit(limit)))


def school(school_id: int) -> School | None:
    """The school with this id, or None."""
    return db.session.get(School, school_id)


def pupils_of(classes: list[SchoolClass]) -> list[User]:
    """The pupils of these classes (the caller has checked they are its own), by name (one query)."""
    if not classes:
        return []
    return list(db.session.scalars(sa.select(User).where(User.kind == "pupil", User.class_id.in_(
        [c.id for c in classes])).order_by(User.name, User.last_initial)))


def active_pupil_counts(classes: list[SchoolClass]) -> dict[int, int]:
    """How many active pupils each of these classes has, by class id (one query)."""
    if not classes:
        return {}
    return dict(db.session.execute(
        sa.select(User.class_id, sa.func.count()).where(User.class_id.in_([c.id for c in classes]),
                                                        User.kind == "pupil", User.active).group_by(User.class_id)
    ).all())


def year_group_pupils(school_id: int, year_group: int) -> list[tuple[int, str]]:
    """(pupil id, class name) of every active pupil of a school in a year group's current classes."""
    return list(db.session.execute(
        sa.select(User.id, SchoolClass.name).join(SchoolClass, SchoolClass.id == User.class_id).where(
            User.school_id == school_id, User.kind == "pupil", User.active,
            SchoolClass.archived_at.is_(None), SchoolClass.year_group == year_group)))


def colleague_by_email(school_id: int, email: str) -> User | None:
    """An active member of staff of this school with this email, or None."""
    return db.session.scalar(sa.select(User).where(
        User.email == email.lower(), User.kind == "staff", User.school_id == school_id, User.active))
