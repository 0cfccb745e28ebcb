"""Deleting an account for good, the same way for a pupil and a member of staff: one commit, and if the database
refuses, nothing is deleted and the admin is told so in words."""

from collections.abc import Callable

from flask import current_app, flash
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

REFUSED = ("Nothing was deleted: the database refused the change. Please try again; if it keeps happening, "
           "contact whoever runs esafety for the school.")


def delete_for_good(delete: Callable[[], None], what: str) -> bool:
    """Run `delete` and commit; on a refusal roll back, log it (naming `what`), say so, and return False."""
    try:
        delete()
        db.session.commit()
        return True
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Deleting %s failed", what)
        flash(REFUSED, "error")
        return False
