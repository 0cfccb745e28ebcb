"""Authenticator-app (TOTP) codes and one-time recovery codes for DSLs and admins."""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import RecoveryCode, User, utcnow


def verify(user: User, secret: str, code: str) -> bool:
    """A current TOTP code not used before (a replayed code is refused), or an unused recovery code."""
    code = code.replace(" ", "").strip()
    totp = pyotp.TOTP(secret)
    if code.isdigit() and len(code) == 6:
        for offset in (0, -1, 1):
            step = totp.timecode(_now()) + offset
            if secrets.compare_digest(totp.generate_otp(step), code) and step > user.totp_last_step:
                user.totp_last_step = step
                return True
        return False
    for recovery in db.session.scalars(
        sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ):
        if check_password_hash(recovery.code_hash, code.lower()):
            recovery.used_at = utcnow()
            return True
    return False


def pending_secret(user: User) -> str:
    """The authenticator secret offered at first set-up, derived on the server for this user and session.

    Nothing about it travels in the (signed but readable) session cookie, it stays the same across reloads
    of the set-up page, and a new session (a new session version) offers a new one.
    """
    digest = hmac.new(current_app.secret_key.encode(), f"totp-enrol:{user.id}:{user.session_version}".encode(),
                      hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def _now() -> datetime:
    """The current time (a function so tests can move the clock)."""
    return datetime.now()


def new_recovery_codes(user: User, count: int = 8) -> list[str]:
    """Replace the user's recovery codes with new ones, returned once for them to keep."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(count)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=generate_password_hash(c)) for c in codes)
    return codes


def qr_svg(user: User, secret: str) -> str:
    """The set-up QR code as inline SVG, made on the server (no third-party QR service)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="esafety")
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#1b1b1b", light="#ffffff")
