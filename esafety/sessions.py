"""Loading the signed-in user, so that a session the server has ended stays ended."""

from flask import Flask

from .extensions import db, login_manager
from .models import User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user named by the session, only while its session version is current and the account active."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def init_app(app: Flask) -> None:
    """Sign-in pages and messages."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
