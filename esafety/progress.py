"""Class and school progress: the grid, a pupil's record, misconceptions and curriculum coverage.

Each function runs a fixed number of queries whatever the size of the class or school; the work that grows
with pupils is done in Python over the rows those queries return.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from .content import Catalogue
from .database import read_columns, typed_null
from .extensions import db
from .activities import quiz_kind
from .assignments import SetWork
from .models import Assignment, LessonProgress, QuizAttempt, QuizResponse, SchoolClass, User, utcnow


class Cell(NamedTuple):
    """One pupil's state on one activity, in words as well as a key (never colour alone). A tuple: a page
    memoises each distinct cell's HTML by it."""

    state: str  # new, started, done
    text: str


NOT_STARTED = Cell("new", "Not started")
DONE = Cell("done", "Done")
STARTED = Cell("started", "Started")


class GridPupil(NamedTuple):
    """A pupil as the grid shows them: what the page, its links and the CSV need, read without the ORM."""

    id: int
    display_name: str


@dataclass
class Grid:
    """Pupils by activities."""

    pupils: list[GridPupil]
    activities: list  # lessons and quizzes from the catalogue
    cells: dict[int, dict[str, Cell]] = field(default_factory=dict)  # by pupil id, then activity id
    assignments: dict[str, SetWork] = field(default_factory=dict)  # activity id: the work set for it
    completed: list[datetime] = field(default_factory=list)  # when each of these pupils' lessons was completed

    def cell(self, pupil_id: int, activity_id: str) -> Cell:
        """The state of one pupil on one activity."""
        return self.cells.get(pupil_id, {}).get(activity_id, NOT_STARTED)

    def rows(self) -> list[tuple[GridPupil, list[Cell]]]:
        """Each pupil with their cells in activity order: the page's table, built in one pass in Python
        (a template calling cell() for each of a class's 500-odd cells spent more time on the calls than the cells)."""
        cells, ids, none = self.cells, [a.id for a in self.activities], {}
        return [(p, [row.get(a, NOT_STARTED) for a in ids]) for p in self.pupils for row in (cells.get(p.id, none),)]

    def done_counts(self) -> list[int]:
        """How many pupils have completed each activity, in activity order."""
        done = Counter(a for p in self.pupils for a, cell in self.cells.get(p.id, {}).items() if cell.state == "done")
        return [done[a.id] for a in self.activities]


def _pupils_of(class_id) -> tuple:
    """Who a class's pupils are (its active pupils), for every query that reads them."""
    return User.class_id == class_id, User.kind == "pupil", User.active


def class_pupils(class_id: int) -> list[User]:
    """The active pupils of a class, by name (one query)."""
    return list(db.session.scalars(
        sa.select(User).where(*_pupils_of(class_id)).order_by(User.name, User.last_initial)))


class ClassRecord(NamedTuple):
    """What the grid reads of a class: its pupils by name, each lesson row and each quiz's best and
    submissions per pupil, and the work set for it."""

    pupils: list[GridPupil]
    lessons: list[tuple]  # (pupil_id, lesson_id, step, completed_at)
    quizzes: list[tuple]  # (pupil_id, quiz_id, best score, submitted attempts)
    set_work: list[SetWork]


# The grid's reads, built once with the class as a parameter (building a select and its cache key cost a quarter
# of a millisecond each time, more than SQLite takes to run it for a class): its pupils by name, then the rest as
# one statement, a union in one shape (each statement is a round trip and a share of the server's CPU on
# PostgreSQL). The pupils stay a query of their own: ordering the whole union by name made SQLite sort every
# row, 0.6 ms a grid. The union's columns: part, the pupil's id (the set work's own), a key (lesson, quiz,
# kind), the set activity, a number (step, best score), a count (submitted attempts), a time (completed), a date
# (due).
_CLASS = sa.bindparam("class_id")
_IN_CLASS = sa.select(User.id).where(*_pupils_of(_CLASS))
_GRID_PUPILS = sa.select(User.id, User.name, User.last_initial).where(*_pupils_of(_CLASS)).order_by(
    User.name, User.last_initial)
_CLASS_WORK = sa.union_all(
    sa.select(sa.literal(1, sa.Integer), LessonProgress.pupil_id, LessonProgress.lesson_id,
              typed_null(Assignment.activity_id), LessonProgress.step, typed_null(LessonProgress.step),
              LessonProgress.completed_at, typed_null(Assignment.due_on))
    .where(LessonProgress.pupil_id.in_(_IN_CLASS)),
    sa.select(sa.literal(2, sa.Integer), QuizAttempt.pupil_id, QuizAttempt.quiz_id, sa.null(),
              sa.func.max(QuizAttempt.score), sa.func.count(QuizAttempt.submitted_at), sa.null(), sa.null())
    .where(QuizAttempt.pupil_id.in_(_IN_CLASS)).group_by(QuizAttempt.pupil_id, QuizAttempt.quiz_id),
    sa.select(sa.literal(3, sa.Integer), Assignment.id, Assignment.activity_kind, Assignment.activity_id, sa.null(),
              sa.null(), sa.null(), Assignment.due_on)
    .where(Assignment.class_id == _CLASS),
)


_CONVERTERS: dict[str, tuple] = {}


def _unchanged(value):
    return value


def _converters(dialect: sa.Dialect) -> tuple:
    """How this database's driver values become a completion time and a due date (SQLite stores them as text;
    PostgreSQL's driver gives them as they are), found once per dialect."""
    known = _CONVERTERS.get(dialect.name)
    if known is None:
        known = _CONVERTERS[dialect.name] = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) or _unchanged
            for column in (LessonProgress.completed_at, Assignment.due_on))
    return known


def read_class(class_id: int) -> ClassRecord:
    """Everything the grid shows of a class, in two queries of plain columns (the ORM's entities cost six times
    as much for a class's 30 pupils): the pupils, then their lessons, quizzes and set work in one."""
    parameters = {"class_id": class_id}
    pupil_name = User.pupil_name
    pupils = [GridPupil(id_, pupil_name(name, initial))
              for id_, name, initial in read_columns(_GRID_PUPILS, parameters).all()]
    lessons, quizzes, set_work = [], [], []
    # The union's few hundred rows straight from the driver, converting only the times and dates there are:
    # SQLAlchemy's rows, converting every column of every row, cost as much as the round trips saved.
    result = read_columns(_CLASS_WORK, parameters)
    rows = result.cursor.fetchall()
    result.close()
    when, day = _converters(result.dialect)
    for part, id_, key, activity_id, number, count, at, due_on in rows:
        if part == 1:
            lessons.append((id_, key, number, when(at) if at is not None else None))
        elif part == 2:
            quizzes.append((id_, key, number, count))
        else:
            set_work.append(SetWork(id_, key, activity_id, day(due_on) if due_on is not None else None))
    return ClassRecord(pupils, lessons, quizzes, set_work)


def _lesson_cells(rows: list[tuple], catalogue: Catalogue, cells: dict[int, dict[str, Cell]],
                  completed: list[datetime]) -> None:
    """Each pupil's cell on each lesson, into `cells`; every completion time (of lessons no longer offered too)
    goes on `completed`, for the weekly chart. Plain rows unpacked as tuples, and one Cell per distinct
    state: a class's few hundred rows cost more in attribute lookups and Cell objects than in the query."""
    lessons, steps_reached = catalogue.lessons, {}
    for pupil_id, lesson_id, step, completed_at in rows:
        if completed_at:
            completed.append(completed_at)
        lesson = lessons.get(lesson_id)
        if lesson is None:
            continue
        if completed_at:
            cell = DONE
        else:
            key = (step, len(lesson.steps))
            cell = steps_reached.get(key)
            if cell is None:
                cell = steps_reached[key] = Cell("started", f"Step {step + 1} of {key[1]}")
        cells.setdefault(pupil_id, {})[lesson_id] = cell


def _quiz_cells(rows: list[tuple], cells: dict[int, dict[str, Cell]]) -> None:
    """Each pupil's cell on each quiz they started, into `cells`: their best score once one is submitted."""
    bests = {}
    for pupil_id, quiz_id, best, done in rows:
        if done:
            cell = bests.get(best)
            if cell is None:
                cell = bests[best] = Cell("done", f"Best {best}%")
        else:
            cell = STARTED
        cells.setdefault(pupil_id, {})[quiz_id] = cell


def class_grid(record: ClassRecord, activities: list, catalogue: Catalogue) -> Grid:
    """The progress grid of a class (read_class) over the given activities. Its `completed` times give the
    weekly chart without reading the lessons again."""
    grid = Grid(pupils=record.pupils, activities=activities)
    _lesson_cells(record.lessons, catalogue, grid.cells, grid.completed)
    _quiz_cells(record.quizzes, grid.cells)
    grid.assignments = {work.activity_id: work for work in record.set_work}
    return grid


# A pupil's record -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRecord:
    """One answer in an attempt, with what it showed."""

    prompt: str
    answer: str
    correct: bool
    understanding: str
    misconception: str | None


def describe_answer(quiz, question_id: str, stored: str) -> tuple[str, str, str | None]:
    """The question's prompt, the answer in words, and the misconception it shows (if any), by choice id."""
    return quiz_kind(quiz).describe(quiz, question_id, stored)


def pupil_record(pupil: User, catalogue: Catalogue) -> dict:
    """Every lesson and submitted attempt of one pupil, with dates, scores and understanding (three queries)."""
    lessons = list(db.session.scalars(
        sa.select(LessonProgress).where(LessonProgress.pupil_id == pupil.id).order_by(LessonProgress.started_at)))
    attempts = list(db.session.scalars(
        sa.select(QuizAttempt).where(QuizAttempt.pupil_id == pupil.id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at)))
    responses = defaultdict(list)
    if attempts:
        for response in db.session.scalars(
            sa.select(QuizResponse).where(QuizResponse.attempt_id.in_([a.id for a in attempts]))
            .order_by(QuizResponse.attempt_id, QuizResponse.position)
        ):
            responses[response.attempt_id].append(response)
    attempt_rows = []
    for attempt in attempts:
        quiz = catalogue.quizzes.get(attempt.quiz_id)
        answers = []
        for response in responses[attempt.id]:
            prompt, words, misconception = describe_answer(quiz, response.question_id, response.answer) \
                if quiz else (response.question_id, response.answer, None)
            answers.append(AnswerRecord(prompt, words, response.correct, response.understanding, misconception))
        attempt_rows.append((attempt, quiz, answers))
    return {
        "lessons": [(row, catalogue.lessons.get(row.lesson_id)) for row in lessons],
        "attempts": attempt_rows,
    }


# Misconceptions -------------------------------------------------------------------------------------------


@dataclass
class AnswerCount:
    """How many pupils gave one answer to one question."""

    answer: str
    count: int
    correct: bool
    understanding: str
    misconception: str | None


def class_misconceptions(pupil_ids: list[int], quizzes: list) -> list[tuple]:
    """For each quiz, each question's answers from every pupil's latest attempt, most common wrong first.

    Two queries: the latest submitted attempt per pupil and quiz, then their responses.
    """
    if not pupil_ids:
        return []
    quiz_ids = [q.id for q in quizzes]
    latest = (
        sa.select(QuizAttempt.pupil_id, QuizAttempt.quiz_id, sa.func.max(QuizAttempt.number).label("number"))
        .where(QuizAttempt.pupil_id.in_(pupil_ids), QuizAttempt.quiz_id.in_(quiz_ids),
               QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.pupil_id, QuizAttempt.quiz_id).subquery()
    )
    rows = db.session.execute(
        sa.select(QuizAttempt.quiz_id, QuizResponse.question_id, QuizResponse.answer, QuizResponse.correct,
                  QuizResponse.understanding)
        .join(latest, sa.and_(latest.c.pupil_id == QuizAttempt.pupil_id, latest.c.quiz_id == QuizAttempt.quiz_id,
                              latest.c.number == QuizAttempt.number))
        .join(QuizResponse, QuizResponse.attempt_id == QuizAttempt.id)
    ).all()
    tallies: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    facts = {}
    for row in rows:
        tallies[row.quiz_id][row.question_id][row.answer] += 1
        facts[(row.quiz_id, row.question_id, row.answer)] = (row.correct, row.understanding)
    report = []
    for quiz in quizzes:
        if quiz.id not in tallies:
            continue
        questions = []
        for question_id, counts in tallies[quiz.id].items():
            answers = []
            prompt = question_id
            for answer, count in counts.items():
                prompt, words, misconception = describe_answer(quiz, question_id, answer)
                correct, understanding = facts[(quiz.id, question_id, answer)]
                answers.append(AnswerCount(words, count, correct, understanding, misconception))
            answers.sort(key=lambda a: (a.correct, -a.count))
            wrong = sum(a.count for a in answers if not a.correct)
            questions.append((prompt, answers, wrong, sum(a.count for a in answers)))
        questions.sort(key=lambda q: -q[2])
        report.append((quiz, questions))
    report.sort(key=lambda item: -max((q[2] for q in item[1]), default=0))
    return report


# Curriculum coverage --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementCoverage:
    """How much of a group of pupils has completed an activity covering one statement, and when."""

    statement: object
    covered: int
    pupils: int
    activities: tuple[str, ...]
    first: datetime | None = None  # when the first of these pupils was covered
    last: datetime | None = None  # when the most recent pupil became covered

    @property
    def percent(self) -> int:
        """The share of pupils covered, as a whole percentage."""
        return share(self.covered, self.pupils)


def share(covered: int, pupils: int) -> int:
    """The share of `pupils` that `covered` is, as a whole percentage (a half rounds to even, as round does)."""
    return round(100 * covered / pupils) if pupils else 0


def completions(pupils) -> list:
    """(activity id, pupil id, scope, first completed) for the pupils of a subquery of (pupil_id, scope): a lesson
    once completed, a quiz once an attempt is submitted, at any content version (two queries, plain rows; a
    pupil has one row per lesson, a unique constraint, so only quizzes need a GROUP BY)."""
    connection = db.session.connection()
    rows = list(connection.execute(
        sa.select(LessonProgress.lesson_id, LessonProgress.pupil_id, pupils.c.scope, LessonProgress.completed_at)
        .join(pupils, pupils.c.pupil_id == LessonProgress.pupil_id)
        .where(LessonProgress.completed_at.is_not(None))
    ))
    rows += connection.execute(
        sa.select(QuizAttempt.quiz_id, QuizAttempt.pupil_id, pupils.c.scope, sa.func.min(QuizAttempt.submitted_at))
        .join(pupils, pupils.c.pupil_id == QuizAttempt.pupil_id)
        .where(QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.quiz_id, QuizAttempt.pupil_id, pupils.c.scope)
    )
    return rows


def pupils_by_activity(pupil_ids: list[int]) -> dict[str, dict[int, datetime]]:
    """For each lesson and quiz, which of these pupils completed it and when they first did (two queries).

    A lesson counts once completed and a quiz once an attempt is submitted, whatever content version the pupil
    saw: coverage follows the activity's current mapping, so re-mapping re-derives past completions.
    Read through the session's connection rather than the ORM: a whole school is thousands of rows, and
    plain rows cost about 30% less (5.8 ms against 8.2 ms for the benchmark school's 3,800 lesson rows).
    """
    done: dict[str, dict[int, datetime]] = defaultdict(dict)
    if not pupil_ids:
        return done
    pupils = sa.select(User.id.label("pupil_id"), sa.literal(0).label("scope")).where(
        User.id.in_(pupil_ids)).subquery("pupils")
    for activity_id, pupil_id, _, when in completions(pupils):
        done[activity_id][pupil_id] = when
    return done


def frameworks_in_force(catalogue: Catalogue, day: date | None = None) -> list:
    """The frameworks that apply on day (today by default): what coverage pages show unless asked otherwise."""
    day = day or utcnow().date()
    return [f for f in catalogue.frameworks if f.in_force(day)]


def statement_activities(catalogue: Catalogue, key_stage: str | None = None,
                         year_group: int | None = None) -> dict[str, list[str]]:
    """For each statement id, the lessons and quizzes whose current content maps to it (for a key stage and year
    group when given): the content side of coverage, read from the catalogue (once per catalogue), never stored.
    Read-only: it is shared by every request."""

    def make() -> dict[str, list[str]]:
        by_statement: dict[str, list[str]] = defaultdict(list)
        for activity in list(catalogue.lessons.values()) + list(catalogue.quizzes.values()):
            if key_stage and activity.key_stage != key_stage or not activity.for_year(year_group):
                continue
            for statement_id in activity.curriculum:
                by_statement[statement_id].append(activity.id)
        return by_statement

    return catalogue.remembered(("statement_activities", key_stage, year_group), make)


@dataclass(frozen=True)
class Tally:
    """How many pupils one statement covers, and when the first and the most recent of them became covered."""

    covered: int
    first: datetime | None = None
    last: datetime | None = None


NO_TALLY = Tally(0)


def statement_tallies(done: dict[str, dict[int, datetime]], by_statement: dict) -> dict[str, Tally]:
    """The coverage rule, in one place: for each statement, the pupils among `done` who completed any activity
    mapped to it, counted once each at their first such completion. Statements nobody covered are left out.

    A statement's pupils are the union of its activities' pupils, so the work grows with the rows read, not with
    statements times pupils. esafety/tallies.py stores this per school and keeps it in step.
    """
    tallies = {}
    for statement_id, activities in by_statement.items():
        first_covered: dict[int, datetime] = {}
        for activity_id in set(activities):
            for pupil_id, when in done.get(activity_id, {}).items():
                if pupil_id not in first_covered or when < first_covered[pupil_id]:
                    first_covered[pupil_id] = when
        if first_covered:
            dates = first_covered.values()
            tallies[statement_id] = Tally(len(first_covered), min(dates), max(dates))
    return tallies


def report_shape(catalogue: Catalogue, by_statement: dict, key_stage: str | None,
                 frameworks: list | None) -> list[tuple]:
    """Each framework's statements (of the key stage when given) with the activities that teach them: what
    every group's report shares, worked out once for a page of many schools."""
    shape = []
    for framework in frameworks_in_force(catalogue) if frameworks is None else frameworks:
        shape.append((framework, [(catalogue.statements[s.id], tuple(sorted(set(by_statement.get(s.id, ())))))
                                  for s in framework.statements if not key_stage or s.key_stage in (None, key_stage)]))
    return shape


def report(tallies: dict[str, Tally], pupils: int, shape: list[tuple]) -> list[tuple]:
    """A report_shape filled in with one group's tallies among `pupils` pupils."""
    result = []
    for framework, statements in shape:
        rows = []
        for statement, activities in statements:
            tally = tallies.get(statement.id, NO_TALLY)
            rows.append(StatementCoverage(statement, tally.covered, pupils, activities, tally.first, tally.last))
        result.append((framework, rows))
    return result


def coverage(pupil_ids: list[int], catalogue: Catalogue, key_stage: str | None = None,
             frameworks: list | None = None, year_group: int | None = None) -> list[tuple]:
    """Each framework's statements with the share of these pupils who completed an activity covering them.

    The rule: a statement is covered for a pupil once the pupil has completed a lesson or submitted a quiz (at
    any content version) that the activity's current content maps to the statement. Derived from recorded
    completions only: nothing here is typed in by a teacher, and nothing is stored, so a re-mapped activity
    counts its past completions for its new statements. For a class, only the statements and activities of
    its key stage are shown (a Year 5 class is not measured against KS1). frameworks defaults to those in
    force today.
    """
    by_statement = statement_activities(catalogue, key_stage, year_group)
    return report(statement_tallies(pupils_by_activity(pupil_ids), by_statement), len(pupil_ids),
                  report_shape(catalogue, by_statement, key_stage, frameworks))


@dataclass(frozen=True)
class FrameworkSummary:
    """A group's coverage of one framework in the figures a trust compares its schools by."""

    framework: object
    statements: int
    reached: int  # statements at least one pupil has covered
    average: int  # the statements' shares of pupils covered, averaged, as a whole percentage
    gaps: tuple  # the statements no pupil has covered, in the framework's order
    pupils: int


def framework_summary(framework, statements: list, reached: set[str], shares: int, pupils: int) -> FrameworkSummary:
    """A framework's summary from its shown statements, the ids of those at least one pupil covered and the
    sum of their shares: one summary whether the figures come from a report's rows or straight from the stored
    tallies (tallies.summaries_for_schools)."""
    gaps = tuple(s for s in statements if s.id not in reached)
    return FrameworkSummary(framework, len(statements), len(statements) - len(gaps),
                            round(shares / len(statements)) if statements else 0, gaps, pupils if statements else 0)


def summarise(report: list[tuple]) -> list[FrameworkSummary]:
    """A coverage report reduced to each framework's summary."""
    return [framework_summary(framework, [row.statement for row in rows],
                              {row.statement.id for row in rows if row.covered}, sum(row.percent for row in rows),
                              rows[0].pupils if rows else 0)
            for framework, rows in report]


def pupils_counted(report: list[tuple]) -> int:
    """How many pupils a coverage report counted (every statement row carries the same figure)."""
    return next((row.pupils for _, rows in report for row in rows), 0)


def school_pupils(school_ids):
    """The pupils a school's coverage counts, as a subquery of (pupil_id, scope = school id): active pupils of
    the school's classes that are not archived."""
    return (
        sa.select(User.id.label("pupil_id"), User.school_id.label("scope"))
        .join(SchoolClass, SchoolClass.id == User.class_id)
        .where(User.school_id.in_(school_ids), User.kind == "pupil", User.active, SchoolClass.archived_at.is_(None))
        .subquery("pupils")
    )


def weekly_counts(dates: list[datetime], weeks: int = 10, today: date | None = None) -> list[tuple[date, int]]:
    """Lessons completed per week for the last few weeks, for a progress grid's chart: counted from the completion
    times its lesson rows already gave (`Grid.completed`), so the chart needs no query of its own."""
    today = today or utcnow().date()
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    first, counts = start.toordinal(), [0] * weeks
    for day, completions in Counter(map(datetime.toordinal, dates)).items():  # by day: a term's days, not its rows
        week = (day - first) // 7
        if 0 <= week < weeks:
            counts[week] += completions
    return [(start + timedelta(weeks=i), counts[i]) for i in range(weeks)]
