"""Every per-object access rule, in one place, each named for what it checks.

The blueprint guards (`permissions.py`) decide who may use an area at all; these decide which objects a
signed-in person may touch inside it. Each answers 404 for anything else, so a guessed id reveals nothing
(not even that the object exists). Every blueprint imports its rules from here; none writes its own.
"""

from typing import NamedTuple

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from .content import catalogue
from .database import read_columns
from .extensions import db
from .learning import AttemptInPlay, attempt_in_play
from .models import Concern, ParentLink, QuizAttempt, School, SchoolClass, User, class_teacher, school_label


def my_classes(include_archived: bool = False) -> list[SchoolClass]:
    """The classes this teacher teaches (an admin: every class of their school)."""
    query = sa.select(SchoolClass).where(SchoolClass.school_id == current_user.school_id)
    if not current_user.is_admin:
        query = query.join(class_teacher, class_teacher.c.class_id == SchoolClass.id).where(
            class_teacher.c.user_id == current_user.id)
    if not include_archived:
        query = query.where(SchoolClass.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(SchoolClass.archived_at.is_not(None), SchoolClass.year_group,
                                                  SchoolClass.name)))


# One query for the class and the rule (built once: every class page runs it). It used to load the class and
# then every teacher's whole account to look for mine among them.
_MY_CLASS = sa.select(SchoolClass).where(
    SchoolClass.id == sa.bindparam("class_id"), SchoolClass.school_id == sa.bindparam("school_id"),
    sa.or_(sa.bindparam("admin", type_=sa.Boolean),
           sa.exists().where(class_teacher.c.class_id == SchoolClass.id,
                             class_teacher.c.user_id == sa.bindparam("me"))))


def my_class_or_404(class_id: int) -> SchoolClass:
    """This class is one of mine (a teacher's own, or any class of an admin's school; archived ones too)."""
    school_class = db.session.scalar(_MY_CLASS, {"class_id": class_id, "school_id": current_user.school_id,
                                                 "admin": bool(current_user.is_admin), "me": current_user.id})
    if school_class is None:
        abort(404)
    return school_class


def my_pupil_or_404(pupil_id: int) -> User:
    """This pupil is in one of my classes (see my_class_or_404)."""
    pupil = db.session.get(User, pupil_id)
    if pupil is None or pupil.kind != "pupil" or pupil.class_id is None:
        abort(404)
    my_class_or_404(pupil.class_id)
    return pupil


def school_pupil_or_404(pupil_id: int) -> User:
    """This pupil is at my school (an admin's data-rights pages: pupils who left a class included)."""
    pupil = db.session.get(User, pupil_id)
    if pupil is None or pupil.kind != "pupil" or pupil.school_id != current_user.school_id:
        abort(404)
    return pupil


def school_staff_or_404(staff_id: int) -> User:
    """This member of staff is at my school (an admin managing staff accounts)."""
    user = db.session.get(User, staff_id)
    if user is None or user.kind != "staff" or user.school_id != current_user.school_id:
        abort(404)
    return user


def my_child_or_404(pupil_id: int) -> User:
    """This child is linked to me (a parent or carer)."""
    link = db.session.scalar(sa.select(ParentLink).where(ParentLink.parent_id == current_user.id,
                                                         ParentLink.pupil_id == pupil_id))
    if link is None:
        abort(404)
    return link.pupil


def dsl_concern_or_404(concern_id: int) -> Concern:
    """This concern is in my school and I am its DSL (the blueprint guard admits only DSLs)."""
    concern = db.session.get(Concern, concern_id)
    if concern is None or concern.school_id != current_user.school_id or not current_user.is_dsl:
        abort(404)
    return concern


def for_this_pupil(activity) -> bool:
    """This lesson or quiz is for the signed-in pupil's key stage and year group."""
    school_class = current_user.school_class
    return activity.key_stage == school_class.key_stage and activity.for_year(school_class.year_group)


def my_lesson_or_404(lesson_id: str):
    """This lesson is for me (a pupil: my key stage and year group)."""
    lesson = catalogue().lessons.get(lesson_id)
    if lesson is None or not for_this_pupil(lesson):
        abort(404)
    return lesson


def my_quiz_or_404(quiz_id: str):
    """This quiz is for me (a pupil: my key stage and year group)."""
    quiz = catalogue().quizzes.get(quiz_id)
    if quiz is None or not for_this_pupil(quiz):
        abort(404)
    return quiz


def my_attempt_or_404(quiz, attempt_id: int) -> QuizAttempt:
    """This attempt at this quiz is mine (a pupil): the entity, with its responses (a result page)."""
    return _my_attempt(quiz, db.session.get(QuizAttempt, attempt_id))


def my_attempt_in_play_or_404(quiz, attempt_id: int) -> AttemptInPlay:
    """This attempt at this quiz is mine (a pupil): its values, as the player reads them on every click."""
    return _my_attempt(quiz, attempt_in_play(attempt_id))


def _my_attempt(quiz, attempt):
    if attempt is None or attempt.pupil_id != current_user.id or attempt.quiz_id != quiz.id:
        abort(404)
    return attempt


class TrustSchool(NamedTuple):
    """A school as its trust's coverage page lists it: plain values (forty ORM entities cost a tenth of the
    page)."""

    id: int
    name: str
    town: str | None

    @property
    def display_name(self) -> str:
        """As School.display_name."""
        return school_label(self.name, self.town)


def my_trust_schools() -> list[TrustSchool]:
    """The schools of this trust admin's trust, by name (the blueprint guard admits only trust admins)."""
    return [TrustSchool(*row) for row in read_columns(
        sa.select(School.id, School.name, School.town).where(School.trust_id == current_user.trust_id)
        .order_by(School.name, School.id), {})]


def trust_school_or_404(school_id: int) -> School:
    """This school belongs to my trust (a trust admin)."""
    school = db.session.get(School, school_id)
    if school is None or current_user.trust_id is None or school.trust_id != current_user.trust_id:
        abort(404)
    return school


def trust_school_admin_or_404(admin_id: int) -> User:
    """This account is an admin of a school of my trust (a trust admin manages admins, no other staff)."""
    user = db.session.get(User, admin_id)
    if user is None or user.kind != "staff" or not user.is_admin or user.school_id is None:
        abort(404)
    trust_school_or_404(user.school_id)
    return user
