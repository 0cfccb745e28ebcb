"""The subject lead's evidence of curriculum coverage: one year group against one framework, to print or download."""

from dataclasses import dataclass

from flask import abort, render_template, request
from flask_login import current_user

from .. import accounts, progress
from ..content import catalogue
from ..csvexport import download
from ..models import key_stage_for, utcnow
from . import bp
from .forms import EvidenceForm


@dataclass(frozen=True)
class Evidence:
    """One year group's coverage of one framework."""

    year: int
    framework: object
    rows: list
    classes: list[str]
    pupils: int


def evidence_for_request():
    """The form and the chosen year group's coverage of the chosen framework (three queries), or None.

    Whole-school evidence is for admins and subject leads, like the whole-school coverage page. A year or
    framework that is not on the list is refused with a message, not guessed.
    """
    if not current_user.is_admin:
        abort(403)  # year-group figures across classes are for admins and subject leads
    content = catalogue()
    today = utcnow().date()
    current = progress.frameworks_in_force(content, today)
    args = request.args.copy()
    args.setdefault("year", "1")
    args.setdefault("framework", next((f.key for f in current if f.framework == "rshe"), content.frameworks[0].key))
    form = EvidenceForm(content.frameworks, today, args)
    if not form.validate():
        return form, None
    year = int(form.year.data)
    framework = next(f for f in content.frameworks if f.key == form.framework.data)
    pupils = accounts.year_group_pupils(current_user.school_id, year)
    classes = sorted({name for _, name in pupils})
    _, rows = progress.coverage([p for p, _ in pupils], content, key_stage_for(year), [framework], year_group=year)[0]
    return form, Evidence(year, framework, rows, classes, len(pupils))


def refused(form):
    """The evidence page with the choice form and a message, for a year or framework not on the list."""
    return render_template("teacher/evidence.html", form=form, evidence=None, school=None, generated=utcnow(),
                           error="Choose a year group from Year 1 to Year 6 and a framework from the list."), 400


def activity_titles() -> dict[str, str]:
    """Lesson and quiz titles by id."""
    content = catalogue()
    return {**{k: v.title for k, v in content.lessons.items()}, **{k: v.title for k, v in content.quizzes.items()}}


@bp.get("/evidence")
def evidence():
    """A year group's coverage of one framework: each statement, what teaches it, the share covered and when."""
    form, found = evidence_for_request()
    if found is None:
        return refused(form)
    school = current_user.school
    return render_template("teacher/evidence.html", form=form, evidence=found, school=school, generated=utcnow(),
                           titles=activity_titles(), error=None)


@bp.get("/evidence.csv")
def evidence_csv():
    """The evidence page as CSV: one row per statement, with its activities, share covered and dates."""
    form, found = evidence_for_request()
    if found is None:
        return refused(form)
    titles, framework, year = activity_titles(), found.framework, found.year
    body = (
        [framework.title, f"Year {year}", row.statement.id, row.statement.reference, row.statement.text,
         "yes" if row.statement.required else "no", row.statement.level_label,
         "; ".join(titles.get(a, a) for a in row.activities), row.covered, row.pupils, f"{row.percent}%",
         row.first.date().isoformat() if row.first else "", row.last.date().isoformat() if row.last else ""]
        for row in found.rows
    )
    return download(f"Year {year} {framework.short} evidence.csv",
                    ["Framework", "Year group", "Statement id", "Statement", "Text", "Required", "Confirmation",
                     "Taught by", "Pupils covered", "Pupils", "Share", "First covered", "Last covered"], body)
