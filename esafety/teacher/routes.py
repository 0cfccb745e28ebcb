"""Teacher views."""

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from ..extensions import db
from ..models import SchoolClass, User, class_teacher
from . import bp


def my_classes(include_archived: bool = False) -> list[SchoolClass]:
    """The classes this teacher teaches (admins: every class of their school)."""
    query = sa.select(SchoolClass).where(SchoolClass.school_id == current_user.school_id)
    if not current_user.is_admin:
        query = query.join(class_teacher, class_teacher.c.class_id == SchoolClass.id).where(
            class_teacher.c.user_id == current_user.id)
    if not include_archived:
        query = query.where(SchoolClass.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(SchoolClass.year_group, SchoolClass.name)))


@bp.get("/")
def home():
    """The teacher's classes, with how many pupils each has."""
    classes = my_classes()
    counts = dict(db.session.execute(
        sa.select(User.class_id, sa.func.count()).where(User.class_id.in_([c.id for c in classes]),
                                                        User.kind == "pupil").group_by(User.class_id)
    ).all())
    return render_template("teacher/home.html", classes=classes, counts=counts)
