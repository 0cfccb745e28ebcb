"""The audit log: who did what, when. Never holds passwords, passcodes or what a child wrote."""

from flask import has_request_context
from flask_login import current_user

from .extensions import db
from .models import AuditLog


def _clean(text: str) -> str:
    """One line, bounded: a CR or LF in user input cannot forge another log entry."""
    return " ".join(str(text).split())[:500]


def record(action: str, *, user=None, target: str = "", detail: str = "", school_id: int | None = None) -> AuditLog:
    """Add an audit entry to the session (committed with the change it describes)."""
    actor = user
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditLog(
        actor_id=getattr(actor, "id", None),
        school_id=school_id if school_id is not None else getattr(actor, "school_id", None),
        action=_clean(action),
        target=_clean(target)[:80],
        detail=_clean(detail),
    )
    db.session.add(entry)
    return entry
