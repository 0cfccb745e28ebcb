"""Configuration: safe defaults, overridden by ESAFETY_* environment variables and then by test_config."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The app cannot start safely with this configuration."""


def database_url(instance_path: str) -> str:
    """The database to use: DATABASE_URL (or ESAFETY_DATABASE_URL), else SQLite in the instance folder."""
    url = os.environ.get("ESAFETY_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "esafety.db")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def defaults(instance_path: str) -> dict:
    """Every setting the app reads, with its default."""
    env = os.environ.get("ESAFETY_ENV", "production")
    return {
        "ESAFETY_ENV": env,
        "SECRET_KEY": os.environ.get("ESAFETY_SECRET_KEY") or os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Sessions: HttpOnly, SameSite, Secure outside development, and an absolute lifetime of a school day.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "SESSION_COOKIE_NAME": "esafety_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # A CSRF token lasts a school day; an expired one re-renders the form with what was typed kept.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # Rate limits need shared storage (e.g. redis://) when several app servers run.
        "RATELIMIT_STORAGE_URI": os.environ.get("ESAFETY_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_ENABLED": os.environ.get("ESAFETY_RATELIMIT_ENABLED", "1") == "1",
        # Sign-in throttles: failures allowed per account, and per account from one address.
        "LOGIN_LIMIT_ACCOUNT": os.environ.get("ESAFETY_LOGIN_LIMIT_ACCOUNT", "10 per 15 minutes; 40 per day"),
        "LOGIN_LIMIT_ACCOUNT_ADDRESS": os.environ.get("ESAFETY_LOGIN_LIMIT_ACCOUNT_ADDRESS", "5 per 15 minutes"),
        "CLASS_CODE_LIMIT": os.environ.get("ESAFETY_CLASS_CODE_LIMIT", "120 per minute"),
        "CONTENT_CHECK_READING_LEVEL": os.environ.get("ESAFETY_CONTENT_CHECK_READING_LEVEL", "0") == "1",
        "CONTENT_ROOT": os.environ.get("ESAFETY_CONTENT_ROOT", str(Path(__file__).resolve().parent.parent)),
        # Uploads: a class list CSV is at most 2 MB (esafety/roster.py); its import preview carries it back signed.
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 4 * 1024 * 1024,
        # Staff with DSL or admin roles must use an authenticator app (TOTP).
        "REQUIRE_SECOND_FACTOR": os.environ.get("ESAFETY_REQUIRE_SECOND_FACTOR", "1") == "1",
    }


def _running_a_cli_command_other_than_run() -> bool:
    """True inside a `flask` command that serves no requests (gunicorn and `flask run` are not)."""
    import click

    context = click.get_current_context(silent=True)
    return context is not None and context.command_path.split()[-1:] != ["run"]


def secret_key_for(env: str, instance_path: str, configured: str | None) -> str:
    """The configured key; in development a key kept in the instance folder; otherwise a clear error."""
    if configured:
        return configured
    if env == "testing":
        return "testing-only-secret"
    if _running_a_cli_command_other_than_run():
        # `flask content check`, `flask db upgrade`, `flask demo`... sign no cookies, so they need no key.
        return secrets.token_hex(32)
    if env == "development":
        path = Path(instance_path) / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
        return path.read_text().strip()
    raise ConfigError(
        "ESAFETY_SECRET_KEY is not set. Set it to a long random value, e.g. "
        "ESAFETY_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
        "or set ESAFETY_ENV=development for a local demo."
    )
