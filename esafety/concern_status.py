"""The newest status and urgency of each concern, as subqueries: shared by the DSL's inbox (concerns.py) and the
escalation of concerns nobody has opened (alerts.py), which concerns.py itself calls."""

import sqlalchemy as sa

from .models import ConcernEntry


def _latest_subquery(column):
    """For each concern, the value of `column` on its newest entry that set it."""
    newest = (
        sa.select(ConcernEntry.concern_id, sa.func.max(ConcernEntry.id).label("entry_id"))
        .where(column.is_not(None)).group_by(ConcernEntry.concern_id).subquery()
    )
    return (
        sa.select(newest.c.concern_id, column)
        .join(ConcernEntry, ConcernEntry.id == newest.c.entry_id).subquery()
    )


def latest_status_subquery():
    """For each concern, the status of its newest status entry (for the inbox's one query)."""
    return _latest_subquery(ConcernEntry.status)


def latest_urgency_subquery():
    """For each concern that has one, the urgency the DSL set last."""
    return _latest_subquery(ConcernEntry.urgency)
