"""CSV exports of the progress grid, curriculum coverage and a pupil's record."""

from ..content import catalogue
from ..csvexport import download
from .. import progress
from . import bp
from ..access import my_class_or_404, my_pupil_or_404
from .activity_lists import chosen_frameworks, grid_for


@bp.get("/classes/<int:class_id>/progress.csv")
def progress_csv(class_id: int):
    """The progress grid as CSV, with the same filters and the same words as the page."""
    school_class = my_class_or_404(class_id)
    _, grid = grid_for(school_class)
    header = ["Pupil"] + [a.title for a in grid.activities]
    rows = ([p.display_name] + [grid.cell(p.id, a.id).text for a in grid.activities] for p in grid.pupils)
    return download(f"{school_class.name} progress.csv", header, rows)


@bp.get("/classes/<int:class_id>/coverage.csv")
def coverage_csv(class_id: int):
    """Curriculum coverage as CSV, for the same frameworks as the page: statement, wording level, share."""
    school_class = my_class_or_404(class_id)
    _, frameworks = chosen_frameworks()
    pupils = progress.class_pupils(school_class.id)
    report = progress.coverage([p.id for p in pupils], catalogue(), school_class.key_stage, frameworks,
                               year_group=school_class.year_group)
    rows = (
        [framework.title, row.statement.id, row.statement.text,
         "yes" if row.statement.verbatim else "wording unconfirmed", row.statement.level_label, row.covered,
         row.pupils, f"{row.percent}%"]
        for framework, statements in report for row in statements
    )
    return download(f"{school_class.name} coverage.csv",
                    ["Framework", "Statement id", "Statement", "Official wording", "Confirmation", "Pupils covered",
                     "Pupils", "Share"], rows)


@bp.get("/pupils/<int:pupil_id>/record.csv")
def pupil_csv(pupil_id: int):
    """A pupil's record as CSV: each lesson and each answer with dates and understanding."""
    pupil = my_pupil_or_404(pupil_id)
    record = progress.pupil_record(pupil, catalogue())
    rows = []
    for row, lesson in record["lessons"]:
        rows.append(["Lesson", lesson.title if lesson else row.lesson_id, row.started_at.date().isoformat(),
                     row.completed_at.date().isoformat() if row.completed_at else "", "",
                     "Complete" if row.completed_at else f"Step {row.step + 1}", "", ""])
    for attempt, quiz, answers in record["attempts"]:
        title = quiz.title if quiz else attempt.quiz_id
        rows.append(["Quiz", title, attempt.started_at.date().isoformat(), attempt.submitted_at.date().isoformat(),
                     f"{attempt.score}%", "Passed" if attempt.passed else "Not yet", "", ""])
        for answer in answers:
            rows.append(["Answer", title, "", "", "", answer.prompt, answer.answer,
                         answer.misconception or answer.understanding])
    return download(f"{pupil.display_name} record.csv",
                    ["Type", "Activity", "Started", "Finished", "Score", "Result", "Answer", "Understanding"], rows)
