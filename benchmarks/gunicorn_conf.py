"""gunicorn settings for the benchmark: loopback only, the app loaded once before forking, quiet logs."""

bind = "127.0.0.1:8000"  # run.py passes the real port with -b
preload_app = True
accesslog = None
loglevel = "warning"
graceful_timeout = 3
control_socket_disable = True  # gunicorn 27 would otherwise share ~/.gunicorn/gunicorn.ctl with any other server


def pre_fork(server, worker):
    """As gunicorn.conf.py does: what the master loaded stays out of the workers' garbage collection."""
    import gc

    gc.freeze()


def post_fork(server, worker):
    """Give each worker its own database connections: none may be shared across a fork (checklist J2)."""
    from esafety.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)


def worker_exit(server, worker):
    """Leave at once: tearing down the preloaded app object by object takes seconds, and nothing needs it."""
    import os

    os._exit(0)


def on_exit(server):
    """The master too: its workers are gone and its log is written."""
    import os

    os._exit(0)
