"""The benchmark's WSGI entry: the product app as `create_app()` builds it, plus one bare route to compare with.

`/bench/bare` exists only here, never in the product. It is served by the same app object, so it pays the
app's per-request hooks (session, limiter check, security headers) but touches no database and no template:
the cost of Flask and gunicorn themselves.

    gunicorn -w 2 -b 127.0.0.1:8000 benchmarks.app:app      (from the project folder)
"""

from esafety import create_app

app = create_app()


@app.get("/bench/bare")
def bench_bare():
    """A bare Flask route: a short text body."""
    return "ok"



REFERENCE = """<!doctype html><title>Reference</title>
<table>{% for p in pupils %}<tr><td>{{ p.name }} {{ p.last_initial }}.</td><td>{{ p.created_at.date() }}</td></tr>{% endfor %}</table>"""


@app.get("/bench/reference")
def bench_reference():
    """The issue's calibration page: one query of 30 rows and a small Jinja table (no sign-in)."""
    import sqlalchemy as sa
    from flask import render_template_string

    from esafety.extensions import db
    from esafety.models import User

    pupils = db.session.scalars(sa.select(User).where(User.kind == "pupil").order_by(User.id).limit(30)).all()
    return render_template_string(REFERENCE, pupils=pupils)
