"""Work a teacher sets a class: one row per class and activity, set once however often it is asked for."""

import sqlalchemy as sa

from .database import read_columns
from .extensions import db
from .models import Assignment, SchoolClass, User


def set_work_for(school_class: SchoolClass, kind: str, activity_id: str, set_by: User, due_on=None,
                 keep_due: bool = False) -> bool:
    """Set one lesson or quiz for a class, once: work already set keeps its row (and, with keep_due, its due
    date). Returns True when the work was newly set. The caller commits."""
    exists = db.session.scalar(sa.select(Assignment).where(
        Assignment.class_id == school_class.id, Assignment.activity_kind == kind,
        Assignment.activity_id == activity_id))
    if exists:
        if not keep_due:
            exists.due_on = due_on
        return False
    db.session.add(Assignment(class_id=school_class.id, activity_kind=kind, activity_id=activity_id,
                              due_on=due_on, set_by_id=set_by.id))
    return True


# The class's set work, soonest due first (built once: the pupil home runs it on every visit). Plain rows of
# the three columns a pupil sees: ORM objects cost more to build than the query.
CLASS_ASSIGNMENTS = (
    sa.select(Assignment.activity_kind, Assignment.activity_id, Assignment.due_on)
    .where(Assignment.class_id == sa.bindparam("class_id"))
    .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.created_at)
)


def set_for_class(class_id: int) -> list[sa.Row]:
    """The work set for a class (activity_kind, activity_id, due_on), soonest due first (one query)."""
    return read_columns(CLASS_ASSIGNMENTS, {"class_id": class_id}).all()


def remove(school_class: SchoolClass, assignment_id: int) -> None:
    """Stop setting a piece of work for a class (pupils keep what they did)."""
    db.session.execute(sa.delete(Assignment).where(Assignment.id == assignment_id,
                                                   Assignment.class_id == school_class.id))
