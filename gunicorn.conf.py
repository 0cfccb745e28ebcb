"""gunicorn settings for running esafety at a school: `.venv/bin/gunicorn -c gunicorn.conf.py 'esafety:create_app()'`.

Settings come from the environment, like the app's own (README, "Running for a school").
"""

import gc
import os

bind = os.environ.get("ESAFETY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ESAFETY_WORKERS", "4"))
preload_app = True  # load and check the app (configuration, content) once, before forking
# Only the proxy on this machine may say what the client's address and scheme were (see ESAFETY_PROXY_HOPS).
forwarded_allow_ips = os.environ.get("ESAFETY_FORWARDED_ALLOW_IPS", "127.0.0.1")
control_socket_disable = True


def on_starting(server):
    """Refuse per-worker sign-in throttles: with memory:// each worker would count on its own."""
    storage = os.environ.get("ESAFETY_RATELIMIT_STORAGE_URI", "memory://")
    if storage.startswith("memory") and server.cfg.workers > 1:
        raise SystemExit(
            f"esafety: {server.cfg.workers} workers with ESAFETY_RATELIMIT_STORAGE_URI={storage} would let each "
            "worker count sign-in failures on its own (the real limits would be that many times looser). "
            "Set ESAFETY_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 (apt-get install redis-server), "
            "or run with ESAFETY_WORKERS=1.")


def pre_fork(server, worker):
    """Leave what the master loaded (the app, its content, its templates, SQLAlchemy's mappings) out of every
    worker's garbage collection: it lives as long as the worker, yet each full collection walked all of it,
    and marking it wrote to memory the workers would otherwise share with the master. Python's documented
    pattern for servers that fork (gc.freeze); 4-7% more pupil homes a second in a two-worker test."""
    gc.freeze()


def post_fork(server, worker):
    """Give each worker its own database connections: none may be shared across a fork."""
    from esafety.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
