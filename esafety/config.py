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
        # Connections are checked before use (idle ones: esafety/database.py), as a server can drop them.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Sessions: HttpOnly, SameSite, Secure in production (set from the final ESAFETY_ENV in
        # register_config, so a test's override of the environment is honoured). The cookie's own expiry is
        # a backstop; the server enforces the real limits (esafety/sessions.py): a signed-in adult for at
        # most a school day, a pupil for at most PUPIL_SESSION_MAX and never after PUPIL_IDLE_TIMEOUT
        # without a request, because classroom computers are shared.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "esafety_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        # The cookie is signed again only when the session changes (a pupil's seen_at moves every
        # SEEN_RESOLUTION seconds), not on every response: its expiry is only the backstop.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "STAFF_SESSION_MAX": timedelta(hours=8),
        "PUPIL_IDLE_TIMEOUT": timedelta(minutes=int(os.environ.get("ESAFETY_PUPIL_IDLE_MINUTES", "20"))),
        "PUPIL_SESSION_MAX": timedelta(hours=int(os.environ.get("ESAFETY_PUPIL_SESSION_HOURS", "3"))),
        # Links that leave the site (QR login cards, parent registration, alert emails) are built from this,
        # never from the request's Host header. Empty: built from the request (development only).
        "BASE_URL": os.environ.get("ESAFETY_BASE_URL", "").rstrip("/"),
        # Host names the app answers to (comma-separated); empty allows any (development and tests).
        "TRUSTED_HOSTS": [h.strip() for h in os.environ.get("ESAFETY_TRUSTED_HOSTS", "").split(",") if h.strip()]
        or None,
        # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (ProxyFix).
        "PROXY_HOPS": int(os.environ.get("ESAFETY_PROXY_HOPS", "0")),
        # Printed QR login cards stop working this many days after printing (about a school term).
        "CARD_LIFETIME_DAYS": int(os.environ.get("ESAFETY_CARD_LIFETIME_DAYS", "120")),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # A CSRF token lasts a school day; an expired one re-renders the form with what was typed kept.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # Rate limits need shared storage (e.g. redis://) when several app servers run.
        "RATELIMIT_STORAGE_URI": os.environ.get("ESAFETY_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_ENABLED": os.environ.get("ESAFETY_RATELIMIT_ENABLED", "1") == "1",
        # Sign-in throttles (esafety/throttle.py, SECURITY.md). Tries are counted before they are checked and
        # a success is given back, so these are the most failures that can ever be checked.
        # Staff and parents, from a browser that has not signed in as them before:
        "LOGIN_LIMIT_ACCOUNT": os.environ.get("ESAFETY_LOGIN_LIMIT_ACCOUNT", "10 per 15 minutes; 40 per day"),
        "LOGIN_LIMIT_ACCOUNT_ADDRESS": os.environ.get("ESAFETY_LOGIN_LIMIT_ACCOUNT_ADDRESS", "5 per 15 minutes"),
        # ... and from a known device (devices.py): its own counter, so nobody else can lock it out.
        "LOGIN_LIMIT_KNOWN_DEVICE": os.environ.get("ESAFETY_LOGIN_LIMIT_KNOWN_DEVICE", "10 per 15 minutes"),
        # Pupils' pictures: per pupil (a teacher's reset clears it), per pupil and address, and per class.
        "PUPIL_LIMIT": os.environ.get("ESAFETY_PUPIL_LIMIT", "5 per 15 minutes; 20 per day"),
        "PUPIL_LIMIT_ADDRESS": os.environ.get("ESAFETY_PUPIL_LIMIT_ADDRESS", "5 per 15 minutes"),
        "CLASS_PICTURE_LIMIT": os.environ.get("ESAFETY_CLASS_PICTURE_LIMIT", "30 per hour; 60 per day"),
        # Wrong class codes: per known device, and per address for browsers never signed in on.
        "CLASS_CODE_LIMIT": os.environ.get("ESAFETY_CLASS_CODE_LIMIT", "120 per minute"),
        "CLASS_CODE_LIMIT_DEVICE": os.environ.get("ESAFETY_CLASS_CODE_LIMIT_DEVICE", "20 per minute"),
        "SECOND_FACTOR_LIMIT": "10 per 15 minutes",
        "REGISTER_LIMIT_ADDRESS": os.environ.get("ESAFETY_REGISTER_LIMIT_ADDRESS", "20 per hour"),
        "CONTENT_CHECK_READING_LEVEL": os.environ.get("ESAFETY_CONTENT_CHECK_READING_LEVEL", "0") == "1",
        "CONTENT_ROOT": os.environ.get("ESAFETY_CONTENT_ROOT", str(Path(__file__).resolve().parent.parent)),
        # Uploads: a class list CSV is at most 2 MB (esafety/roster.py); its import preview carries it back signed.
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 4 * 1024 * 1024,
        # Staff with DSL or admin roles must use an authenticator app (TOTP).
        "REQUIRE_SECOND_FACTOR": os.environ.get("ESAFETY_REQUIRE_SECOND_FACTOR", "1") == "1",
        # DSL alerts (esafety/alerts.py). No SMTP host: alerts are printed by the worker (development and
        # testing only; in production the worker refuses to start and alerts wait in the outbox).
        "SMTP_HOST": os.environ.get("ESAFETY_SMTP_HOST", ""),
        "SMTP_PORT": os.environ.get("ESAFETY_SMTP_PORT", ""),
        "SMTP_SECURITY": os.environ.get("ESAFETY_SMTP_SECURITY", "starttls"),
        "SMTP_USER": os.environ.get("ESAFETY_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("ESAFETY_SMTP_PASSWORD", ""),
        "SMTP_FROM": os.environ.get("ESAFETY_SMTP_FROM", ""),
        "SMTP_TIMEOUT": os.environ.get("ESAFETY_SMTP_TIMEOUT", "20"),
        # PDF exports: Chromium to print with (default: `chromium` on the PATH; empty turns PDF export off).
        "CHROMIUM": os.environ.get("ESAFETY_CHROMIUM"),
        "ALERT_POLL_SECONDS": os.environ.get("ESAFETY_ALERT_POLL_SECONDS", "15"),
        # School hours, in the school's time zone: escalation counts only these, and pupils are told them.
        "SCHOOL_TIMEZONE": os.environ.get("ESAFETY_SCHOOL_TIMEZONE", "Europe/London"),
        "SCHOOL_HOURS": os.environ.get("ESAFETY_SCHOOL_HOURS", "08:00-16:00"),
        "SCHOOL_DAYS": os.environ.get("ESAFETY_SCHOOL_DAYS", "Mon-Fri"),
        "ESCALATE_AFTER_SCHOOL_MINUTES": os.environ.get("ESAFETY_ESCALATE_AFTER_SCHOOL_MINUTES", "120"),
    }


def _running_a_cli_command_other_than_run() -> bool:
    """True inside a `flask` command that serves no requests (gunicorn and `flask run` are not)."""
    import click

    context = click.get_current_context(silent=True)
    return context is not None and context.command_path.split()[-1:] != ["run"]


# Keys seen in tutorials, templates and this project's own docs and tests: never acceptable in production.
WELL_KNOWN_KEYS = {"dev", "development", "secret", "secret-key", "secretkey", "changeme", "change-me",
                   "change_me", "please-change-me", "testing-only-secret", "your-secret-key", "supersecret",
                   "super-secret-key", "flask", "esafety", "..."}
MIN_SECRET_KEY_LENGTH = 32
HOW_TO_MAKE_A_KEY = ("Make one with: python3 -c 'import secrets; print(secrets.token_hex(32))' and set "
                     "ESAFETY_SECRET_KEY to it.")


def check_production_key(key: str) -> None:
    """Refuse a key that can be guessed: whoever knows it can forge any session, second factor included."""
    if key.strip().lower() in WELL_KNOWN_KEYS:
        raise ConfigError("ESAFETY_SECRET_KEY is a well-known example value, so anyone could sign session "
                          "cookies as any user. " + HOW_TO_MAKE_A_KEY)
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"ESAFETY_SECRET_KEY is {len(key)} characters; it must be at least "
                          f"{MIN_SECRET_KEY_LENGTH}, random, and kept secret, because it signs every session "
                          "(and so the second factor). " + HOW_TO_MAKE_A_KEY)
    if len(set(key)) < 10:
        raise ConfigError("ESAFETY_SECRET_KEY repeats too few characters to be random. " + HOW_TO_MAKE_A_KEY)


def secret_key_for(env: str, instance_path: str, configured: str | None) -> str:
    """The configured key; in development a key kept in the instance folder; otherwise a clear error."""
    if configured:
        if env == "production" and not _running_a_cli_command_other_than_run():
            check_production_key(configured)
        return configured
    if env == "testing":
        return "testing-only-secret"
    if _running_a_cli_command_other_than_run():
        # `flask content check`, `flask db upgrade`, `flask demo`... sign no cookies, so they need no key.
        return secrets.token_hex(32)
    if env == "development":
        path = Path(instance_path) / "secret_key"
        if not path.exists():
            # Readable by its owner only: whoever reads it can sign sessions.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as key_file:
                key_file.write(secrets.token_hex(32))
        return path.read_text().strip()
    raise ConfigError(
        "ESAFETY_SECRET_KEY is not set. Set it to a long random value, e.g. "
        "ESAFETY_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
        "or set ESAFETY_ENV=development for a local demo."
    )
