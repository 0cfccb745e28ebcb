"""esafety: SMART online-safety lessons, quizzes, parent guidance and curriculum progress for primary schools."""

from pathlib import Path

from flask import Flask

from . import activities, cli, content, csrf_tokens, database, devices, errors, security, templating, throttle
from .config import ENVIRONMENTS, ConfigError, defaults, secret_key_for
from .extensions import csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, content and blueprints. Nothing else happens here."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    # The instance folder holds the SQLite database and the development key: its owner's eyes only.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    register_config(app, test_config)
    register_proxy(app)
    register_extensions(app)
    register_blueprints(app)
    activities.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def register_config(app: Flask, test_config: dict | None) -> None:
    """Defaults, then environment variables (inside defaults), then the test's overrides."""
    app.config.from_mapping(defaults(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    env = app.config["ESAFETY_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ESAFETY_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    app.config["SECRET_KEY"] = secret_key_for(env, app.instance_path, app.config.get("SECRET_KEY"))
    app.config["TESTING"] = app.config.get("TESTING") or env == "testing"
    # Derived from the final environment (after a test's overrides), never set on its own.
    app.config["SESSION_COOKIE_SECURE"] = env == "production"


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto only from the configured number of proxies in front of the app."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def register_extensions(app: Flask) -> None:
    """Database, migrations, sessions, CSRF, rate limits and content."""
    from . import models  # noqa: F401  (models must be imported before migrations look at them)

    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    csrf_tokens.init_app(app)
    throttle.init_app(app)
    devices.init_app(app)
    content.init_app(app)
    from .sessions import init_app as init_sessions

    init_sessions(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per audience."""
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .parents import bp as parents_bp
    from .parents import family_bp
    from .public import bp as public_bp
    from .pupil import bp as pupil_bp
    from .safeguarding import bp as safeguarding_bp
    from .teacher import bp as teacher_bp
    from .trust import bp as trust_bp

    for blueprint in (public_bp, auth_bp, pupil_bp, teacher_bp, safeguarding_bp, admin_bp, parents_bp,
                      family_bp, trust_bp):
        app.register_blueprint(blueprint)
