"""Work a teacher sets a class: one row per class and activity, set once however often it is asked for."""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from .extensions import db
from .models import Assignment, SchoolClass
from .signed_in import Person


def set_work_for(school_class: SchoolClass, kind: str, activity_id: str, set_by: Person, due_on=None,
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


class SetWork(NamedTuple):
    """A piece of work set for a class, as pages read it (plain columns: ORM objects cost more to build than the
    query): the pupil home, the progress grid and the set-work page."""

    id: int
    activity_kind: str
    activity_id: str
    due_on: date | None


# The order pupils see their set work in, soonest due first and undated last, as columns to sort by (the first
# a number, so that it can stand in a union beside other parts' numbers).
SOONEST_DUE_FIRST = (sa.cast(Assignment.due_on.is_(None), sa.Integer), Assignment.due_on, Assignment.created_at)


def remove(school_class: SchoolClass, assignment_id: int) -> None:
    """Stop setting a piece of work for a class (pupils keep what they did)."""
    db.session.execute(sa.delete(Assignment).where(Assignment.id == assignment_id,
                                                   Assignment.class_id == school_class.id))
