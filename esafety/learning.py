"""Recording a pupil's own learning: lesson steps, completions, quiz attempts. Each write is idempotent,
so a double click, a resubmitted form or two tabs never record anything twice."""

import hashlib
import random
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .content.schema import Lesson, QuestionQuiz, ScenarioQuiz
from .database import Prepared, read_columns, read_rows, typed_null
from .extensions import db
from .activities import ScenarioStory, quiz_kind
from . import tallies
from .assignments import SOONEST_DUE_FIRST, SetWork
from .verdicts import Verdict
from .models import Assignment, LessonProgress, QuizAttempt, QuizResponse, User, utcnow
from .signed_in import PageRead, Person, read_early, read_with_person


# Built once: a pupil page runs these on every request (a statement's construction costs more than its cache hit).
_PUPIL_PROGRESS = sa.select(LessonProgress).where(LessonProgress.pupil_id == sa.bindparam("pupil_id"))
_PUPIL_LESSON_STATES = sa.select(LessonProgress.lesson_id, LessonProgress.step, LessonProgress.completed_at).where(
    LessonProgress.pupil_id == sa.bindparam("pupil_id"))
_PROGRESS_IN = _PUPIL_PROGRESS.where(LessonProgress.lesson_id == sa.bindparam("lesson_id"))
_PLACE_IN = Prepared(sa.select(LessonProgress.step, LessonProgress.answers, LessonProgress.completed_at).where(
    LessonProgress.pupil_id == sa.bindparam("pupil_id"), LessonProgress.lesson_id == sa.bindparam("lesson_id")))


_UNREAD = object()  # the caller has not looked for the row (None: it looked, and there is none)


class Place(NamedTuple):
    """Where a pupil is in one lesson, as a page that only shows it reads it."""

    step: int
    answers: dict | None
    completed_at: object


class AttemptInPlay(NamedTuple):
    """A quiz attempt as the player reads it on every click: plain values, not an entity (loading a QuizAttempt
    cost the quiz answer more than its UPDATE did)."""

    id: int
    pupil_id: int
    quiz_id: str
    number: int
    content_version: int
    state: dict
    choice_order: dict | None
    submitted_at: object


_ATTEMPT_IN_PLAY = Prepared(sa.select(*(QuizAttempt.__table__.c[name] for name in AttemptInPlay._fields))
                            .where(QuizAttempt.id == sa.bindparam("attempt_id")))


# The quiz player's every click (a question, an answer, a Finish) reads its attempt in the signed-in person's
# own statement (signed_in.PageRead): one statement fewer on each, a round trip on PostgreSQL. A POST's read is
# in its transaction, as the person's is.
read_with_person("pupil.quiz_attempt", PageRead(
    tuple(QuizAttempt.__table__.c[name] for name in AttemptInPlay._fields),  # id: never NULL
    QuizAttempt.id == sa.bindparam("attempt_id"),
    lambda pupil_id, values: ("attempt", values["attempt_id"]), methods=("GET", "POST")))


def attempt_in_play(attempt_id: int) -> AttemptInPlay | None:
    """A quiz attempt's values, by id (access.my_attempt_in_play_or_404 checks it is the pupil's)."""
    early = read_early(("attempt", attempt_id), _UNREAD)
    if early is not _UNREAD:
        return AttemptInPlay(*early) if early is not None else None
    rows = read_rows(_ATTEMPT_IN_PLAY, {"attempt_id": attempt_id})
    return AttemptInPlay(*rows[0]) if rows else None


def lesson_progress(pupil_id: int) -> dict[str, LessonProgress]:
    """Every lesson the pupil has started, by lesson id (one query)."""
    rows = db.session.scalars(_PUPIL_PROGRESS, {"pupil_id": pupil_id})
    return {row.lesson_id: row for row in rows}


def lesson_states(pupil_id: int) -> dict[str, sa.Row]:
    """Where the pupil is in every lesson they have started (lesson_id, step, completed_at), by lesson id: one
    query of three columns, for pages that show states (the answers are not read)."""
    return {row.lesson_id: row for row in read_columns(_PUPIL_LESSON_STATES, {"pupil_id": pupil_id})}


def progress_in(pupil_id: int, lesson_id: str) -> LessonProgress | None:
    """The pupil's progress row for one lesson, if they have started it (one query)."""
    return db.session.scalar(_PROGRESS_IN, {"pupil_id": pupil_id, "lesson_id": lesson_id})


# A lesson step's page reads the pupil's place in the signed-in person's own statement (signed_in.PageRead):
# the page every click of a lesson shows then makes one statement, not two.
read_with_person("pupil.lesson_step", PageRead(
    (LessonProgress.step, LessonProgress.answers, LessonProgress.completed_at),  # step: never NULL
    sa.and_(LessonProgress.pupil_id == User.id, LessonProgress.lesson_id == sa.bindparam("lesson_id")),
    lambda pupil_id, values: ("place", pupil_id, values["lesson_id"])))


def place_in(pupil_id: int, lesson_id: str) -> Place | None:
    """Where the pupil is in one lesson (step, answers, completed_at), for a page that only shows it: plain
    columns, cheaper to read than the row `progress_in` gives to change; read with the signed-in person when
    the page is the lesson step's."""
    early = read_early(("place", pupil_id, lesson_id), _UNREAD)
    if early is not _UNREAD:
        return Place(*early) if early is not None else None
    rows = read_rows(_PLACE_IN, {"pupil_id": pupil_id, "lesson_id": lesson_id})
    return Place(*rows[0]) if rows else None


def furthest_step(lesson: Lesson, row: LessonProgress | None) -> int:
    """The index of the furthest step the pupil has reached, within the lesson as it is now."""
    return min(row.step, len(lesson.steps) - 1) if row else 0


def chosen_answer(lesson: Lesson, row: LessonProgress | None, index: int) -> int | None:
    """The choice the pupil made at a check step, or None (also when the lesson has changed since)."""
    chosen = (row.answers or {}).get(str(index)) if row else None
    step = lesson.steps[index]
    if step.type != "check" or not isinstance(chosen, int) or not 0 <= chosen < len(step.choices):
        return None
    return chosen


def check_order(lesson: Lesson, index: int, pupil_id: int | None = None) -> list[int]:
    """The order a check step's choices are shown in, as indexes into the file's choices.

    Each pupil has an order of their own, the same on every reload and device (it is derived, not stored), so
    the place of the right answer teaches nothing; the board and the worksheet share one order per lesson.
    Answers are still recorded by the choice's index in the file, never by where it was shown.
    """
    seed = hashlib.sha256(f"{lesson.id}:{lesson.version}:{index}:{pupil_id}".encode()).digest()
    order = list(range(len(lesson.steps[index].choices)))
    random.Random(seed).shuffle(order)
    return order


@dataclass(frozen=True)
class QuizSummary:
    """A pupil's results on one quiz."""

    attempts: int
    best: int | None
    latest: int | None
    passed: bool
    in_progress_id: int | None


_QUIZ_SUMMARY_ROWS = (
    sa.select(QuizAttempt.quiz_id, QuizAttempt.id, QuizAttempt.score, QuizAttempt.passed, QuizAttempt.submitted_at)
    .where(QuizAttempt.pupil_id == sa.bindparam("pupil_id")).order_by(QuizAttempt.number)
)


def quiz_summaries(pupil_id: int) -> dict[str, QuizSummary]:
    """Best and latest score, pass and any unfinished attempt, for every quiz the pupil has tried (one query)."""
    return _summarise(read_columns(_QUIZ_SUMMARY_ROWS, {"pupil_id": pupil_id}).all())


def _summarise(rows) -> dict[str, QuizSummary]:
    """Each quiz's summary from its attempts' rows (quiz_id, id, score, passed, submitted_at), oldest first."""
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.quiz_id, []).append(row)
    summaries = {}
    for quiz_id, attempts in grouped.items():
        done = [a for a in attempts if a.submitted_at is not None]
        open_ = [a for a in attempts if a.submitted_at is None]
        summaries[quiz_id] = QuizSummary(
            attempts=len(done),
            best=max((a.score for a in done), default=None),
            latest=done[-1].score if done else None,
            passed=any(a.passed for a in done),
            in_progress_id=open_[-1].id if open_ else None,
        )
    return summaries


# The three reads of the pupil home (each pupil's lesson states and quiz attempts, the class's set work) as one
# statement, in one shape: on PostgreSQL every statement costs its own round trip and a share of the server's
# CPU on the same cores. Each part keeps the order its own read has: attempts by number, set work soonest due
# first (assignments.SOONEST_DUE_FIRST; its order columns are nulls elsewhere). Built once.
_HOME_PARTS = sa.union_all(
    # Named, so the union's columns keep their own names when it is a subquery (the person's statement).
    sa.select(sa.literal(0, sa.Integer).label("part"), LessonProgress.lesson_id.label("key"),
              typed_null(Assignment.activity_id).label("activity_id"), LessonProgress.step.label("number"),
              typed_null(QuizAttempt.score).label("score"), typed_null(QuizAttempt.passed).label("passed"),
              LessonProgress.completed_at.label("at"), typed_null(Assignment.due_on).label("due_on"),
              sa.literal(0, sa.Integer).label("order_1"), typed_null(Assignment.due_on).label("order_2"),
              typed_null(Assignment.created_at).label("order_3"))
    .where(LessonProgress.pupil_id == sa.bindparam("pupil_id")),
    sa.select(sa.literal(1, sa.Integer), QuizAttempt.quiz_id, sa.null(), QuizAttempt.id, QuizAttempt.score,
              QuizAttempt.passed, QuizAttempt.submitted_at, sa.null(), QuizAttempt.number, sa.null(), sa.null())
    .where(QuizAttempt.pupil_id == sa.bindparam("pupil_id")),
    sa.select(sa.literal(2, sa.Integer), Assignment.activity_kind, Assignment.activity_id, Assignment.id, sa.null(),
              sa.null(), sa.null(), Assignment.due_on, *SOONEST_DUE_FIRST)
    .where(Assignment.class_id == sa.select(User.class_id).where(User.id == sa.bindparam("pupil_id"))
           .scalar_subquery().correlate(None)),
)
_HOME_ORDER = (0, 8, 9, 10)  # the union's columns it is ordered by: part, then that part's own order
_HOME_READS = Prepared(_HOME_PARTS.order_by(*(sa.literal_column(str(position + 1)) for position in _HOME_ORDER)))
# On PostgreSQL the home's union comes in the signed-in person's own statement (signed_in.PageRead): one round
# trip for the page, not two. On SQLite a statement costs no round trip, and the person's columns repeated on
# every row cost more than they would save: the home reads its union itself there.
_HOME_UNION = _HOME_PARTS.subquery("home")
read_with_person("pupil.home", PageRead(
    tuple(_HOME_UNION.c), sa.true(), lambda pupil_id, values: ("home", pupil_id), many=True,
    order_by=tuple(list(_HOME_UNION.c)[position] for position in _HOME_ORDER),
    parameters=lambda pupil_id, values: {"pupil_id": pupil_id}, only_on="postgresql"))


class _LessonState(NamedTuple):
    """A lesson's row of the home's read, as lesson_states gives it."""

    lesson_id: str
    step: int
    completed_at: object


class _Attempt(NamedTuple):
    """A quiz attempt's row of the home's read, as quiz_summaries reads it."""

    quiz_id: str
    id: int
    score: int | None
    passed: bool | None
    submitted_at: object


class HomeReads(NamedTuple):
    """What the pupil home shows of one pupil: lesson_states, quiz_summaries and the class's set work."""

    lessons: dict[str, _LessonState]
    quizzes: dict[str, QuizSummary]
    set_work: list[SetWork]


def home_reads(pupil_id: int) -> HomeReads:
    """lesson_states and quiz_summaries of the pupil, each exactly as its own read gives it, and the work set for
    their class, soonest due first: one query (none of its own on PostgreSQL, read with the person)."""
    lessons, attempts, set_work = {}, [], []
    rows = read_early(("home", pupil_id))
    if rows is None:
        rows = read_rows(_HOME_READS, {"pupil_id": pupil_id})
    for part, key, activity_id, number, score, passed, at, due_on, *_ in rows:
        if part == 0:
            lessons[key] = _LessonState(key, number, at)
        elif part == 1:
            attempts.append(_Attempt(key, number, score, passed, at))
        else:
            set_work.append(SetWork(number, key, activity_id, due_on))
    return HomeReads(lessons, _summarise(attempts), set_work)




def _progress_for(pupil: User, lesson: Lesson, row=_UNREAD) -> LessonProgress:
    """The pupil's progress row for a lesson, created on first use; safe when two requests race (the insert of
    a row another request has just made fails, and that row is read). `row` is what the caller already read in
    this transaction (progress_in), so a press on a step reads it once."""
    if row is _UNREAD:
        row = progress_in(pupil.id, lesson.id)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = LessonProgress(pupil_id=pupil.id, lesson_id=lesson.id, content_version=lesson.version,
                                 step=0, answers={})
            db.session.add(row)
    except IntegrityError:
        row = progress_in(pupil.id, lesson.id)
    return row


def answer_check(pupil: User, lesson: Lesson, step: int, choice: int, row=_UNREAD) -> LessonProgress:
    """Record the pupil's answer to a check step (they may change it after reading the feedback)."""
    row = _progress_for(pupil, lesson, row)
    row.answers = {**(row.answers or {}), str(step): choice}
    row.step = max(row.step, step)
    return row


def reach_step(pupil: User, lesson: Lesson, step: int, row=_UNREAD) -> LessonProgress:
    """Save that the pupil has reached a step, so they resume there on any device."""
    row = _progress_for(pupil, lesson, row)
    if step > row.step:
        row.step = step
    return row


def unanswered_checks(lesson: Lesson, row: LessonProgress | None) -> list[int]:
    """Check steps the pupil has not answered yet."""
    return [i for i in lesson.check_steps if chosen_answer(lesson, row, i) is None]


_COMPLETE_LESSON = (
    sa.update(LessonProgress.__table__)
    .where(LessonProgress.id == sa.bindparam("row"), LessonProgress.completed_at.is_(None))
    .values(completed_at=sa.bindparam("now"), content_version=sa.bindparam("version"))
)


def complete_lesson(pupil: User, lesson: Lesson, row=_UNREAD) -> bool:
    """Mark the lesson complete once, with the content version; False if it was already complete."""
    row = reach_step(pupil, lesson, len(lesson.steps) - 1, row)
    tallies.before_completion(pupil.id)
    db.session.flush()
    now = utcnow()
    result = db.session.connection().execute(_COMPLETE_LESSON, {"row": row.id, "now": now, "version": lesson.version})
    if result.rowcount == 1:  # what was written is known: no need to read the row back
        set_committed_value(row, "completed_at", now)
        set_committed_value(row, "content_version", lesson.version)
        tallies.record(pupil.id, lesson.id, now)
        return True
    db.session.refresh(row)  # another request completed it first: its values
    return False


# Quizzes --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """Where the lesson player goes after a press: a step number (from 1), or the lesson's end."""

    number: int | None = None
    anchor: str | None = None
    done: bool = False


class NotAChoice(ValueError):
    """The pressed choice is not one of the step's choices (a tampered or very old form)."""


def step_allowed(lesson: Lesson, row: LessonProgress | None, index: int) -> int | None:
    """None when the pupil may see step `index`; else the step number to send them to (the furthest reached).

    Steps come one at a time: a finished lesson can be looked back at freely.
    """
    reached = furthest_step(lesson, row)
    if index > reached and not (row and row.completed_at):
        return reached + 1
    return None


def press(pupil: Person, lesson: Lesson, row: LessonProgress | None, index: int, choice: int | None,
          moving_on: bool) -> Move:
    """The lesson player's one rule for a press on step `index`: save an answer, or move on (completing the
    lesson at its last step once every check is answered). The caller commits."""
    step = lesson.steps[index]
    number = index + 1
    if step.type == "check" and not moving_on:
        if choice is None or not 0 <= choice < len(step.choices):
            raise NotAChoice(choice)
        answer_check(pupil, lesson, index, choice, row)  # the row the view loaded: not read a second time
        return Move(number, anchor="feedback")
    if step.type == "check" and chosen_answer(lesson, row, index) is None:
        return Move(number)  # answer this check first
    if number == len(lesson.steps):
        missing = unanswered_checks(lesson, row)
        if missing:
            return Move(missing[0] + 1)
        complete_lesson(pupil, lesson, row)
        return Move(done=True)
    reach_step(pupil, lesson, index + 1, row)
    return Move(number + 1)


_SHUFFLE = random.SystemRandom()


def choice_order(quiz, previous: dict | None) -> dict[str, list[str]]:
    """A fresh order of every question's choices for a new attempt, by choice id, never the same as the
    pupil's previous attempt when the choices allow another order (so a position cannot be learned)."""
    kind = quiz_kind(quiz)
    order = kind.orders(quiz, _SHUFFLE)
    for _ in range(5):
        if order != previous:
            return order
        order = kind.orders(quiz, _SHUFFLE)
    for key, ids in order.items():  # still the same: turn one question's choices round by one
        if len(ids) > 1:
            order[key] = ids[1:] + ids[:1]
            break
    return order


def open_attempt(pupil: Person, quiz) -> QuizAttempt:
    """The pupil's unfinished attempt at a quiz, or a new one with its own choice order; never two open at once."""
    attempts = db.session.scalars(
        sa.select(QuizAttempt).where(QuizAttempt.pupil_id == pupil.id, QuizAttempt.quiz_id == quiz.id)
        .order_by(QuizAttempt.number)
    ).all()
    for attempt in attempts:
        if attempt.submitted_at is None:
            return attempt
    number = (attempts[-1].number + 1) if attempts else 1
    order = choice_order(quiz, attempts[-1].choice_order if attempts else None)
    try:
        with db.session.begin_nested():
            attempt = QuizAttempt(pupil_id=pupil.id, quiz_id=quiz.id, number=number,
                                  content_version=quiz.version, state={}, choice_order=order)
            db.session.add(attempt)
    except IntegrityError:  # the same click arrived twice: use the attempt the other request made
        attempt = db.session.scalar(sa.select(QuizAttempt).where(
            QuizAttempt.pupil_id == pupil.id, QuizAttempt.quiz_id == quiz.id, QuizAttempt.number == number))
    return attempt


def answers_of(attempt: QuizAttempt) -> dict[str, str]:
    """The encoded answers given so far in a question quiz."""
    return dict((attempt.state or {}).get("answers", {}))


def path_of(attempt: QuizAttempt) -> list[int]:
    """The choices made so far in a scenario."""
    return list((attempt.state or {}).get("path", []))


def fit_to_content(attempt: QuizAttempt, quiz) -> bool:
    """Start an unfinished attempt afresh if the quiz has changed since it began (its answers may not fit)."""
    if attempt.submitted_at is not None or attempt.content_version == quiz.version:
        return False
    attempt.state = {}
    attempt.content_version = quiz.version
    attempt.choice_order = choice_order(quiz, None)
    return True


# Built once: every answer and decision runs it. Written with one UPDATE rather than through the session's
# flush, which cost as much again as the statement (the attempt is told what was written).
_SET_STATE = sa.update(QuizAttempt.__table__).where(QuizAttempt.id == sa.bindparam("attempt")).values(
    state=sa.bindparam("state", type_=QuizAttempt.__table__.c.state.type))


def _written(attempt: QuizAttempt | AttemptInPlay, **values) -> None:
    """Tell an attempt entity what was just written to its row, rather than read it back (a test's attempt
    answered question by question). The player's AttemptInPlay is read afresh on the next click instead."""
    if isinstance(attempt, QuizAttempt):
        for name, value in values.items():
            set_committed_value(attempt, name, value)


def _store(attempt: QuizAttempt | AttemptInPlay, state: dict | None) -> bool:
    """Keep a new state on the attempt; False when there was nothing new (a repeated click)."""
    if state is None:
        return False
    db.session.connection().execute(_SET_STATE, {"attempt": attempt.id, "state": state})
    _written(attempt, state=state)
    return True


def record_move(attempt: QuizAttempt | AttemptInPlay, quiz, form) -> bool:
    """Record the answer or decision on a submitted form, as the quiz's kind reads it. False for a repeat."""
    return _store(attempt, quiz_kind(quiz).answer(attempt.state, quiz, form))


def answer_question(attempt: QuizAttempt, quiz: QuestionQuiz, question_id: str, raw) -> bool:
    """Record an answer; an answer once given stays (a repeat is ignored). False if it was a repeat."""
    return _store(attempt, quiz_kind(quiz).record_answer(attempt.state, quiz, question_id, raw))


def choose(attempt: QuizAttempt, quiz: ScenarioQuiz, position: int, index: int) -> bool:
    """Record a decision at a point in the story; a repeat of an earlier click is ignored (False).

    `position` is the number of decisions already made when the page was shown: a smaller one is a second
    click on an old page; a larger or negative one was never on any page.
    """
    return _store(attempt, ScenarioStory.record_choice(attempt.state, quiz, position, index))


# Built once: a Finish runs them on every click (building an UPDATE cost more than running it).
_CLOSE_ATTEMPT = (
    sa.update(QuizAttempt.__table__)
    .where(QuizAttempt.id == sa.bindparam("attempt"), QuizAttempt.submitted_at.is_(None))
    .values(submitted_at=sa.bindparam("now"), score=sa.bindparam("score"), passed=sa.bindparam("passed"))
)
_INSERT_RESPONSES = sa.insert(QuizResponse.__table__)
_RESPONSE_COLUMNS = ("position", "question_id", "answer", "correct", "understanding")


def _close_and_write_responses() -> Prepared:
    """PostgreSQL's Finish in one statement: the pupil locked first (tallies.locking_first), the attempt closed
    only if still open, and every response written for it, from one array per column (the SQL is the same
    whatever the number of questions, so the server prepares it once); it gives 1 when it closed the attempt,
    0 when another request had. Two statements, each a round trip, before."""
    closed = tallies.locking_first(_CLOSE_ATTEMPT).returning(QuizAttempt.id).cte("closed")
    table = QuizResponse.__table__
    arrays = [sa.bindparam(name, type_=sa.ARRAY(table.c[name].type)) for name in _RESPONSE_COLUMNS]
    rows = sa.func.unnest(*arrays).table_valued(*_RESPONSE_COLUMNS).render_derived(name="response")
    written = sa.insert(table).from_select(
        ["attempt_id", *_RESPONSE_COLUMNS], sa.select(closed.c.id, *(rows.c[name] for name in _RESPONSE_COLUMNS))
    ).cte("written")
    return Prepared(sa.select(sa.func.count()).select_from(closed).add_cte(written))


_CLOSE_AND_WRITE_RESPONSES = _close_and_write_responses()


def submit(attempt: QuizAttempt | AttemptInPlay, quiz) -> Verdict:
    """Mark and close the attempt exactly once; a second submit returns the stored verdict unchanged."""
    verdict = quiz_kind(quiz).mark(quiz, attempt.state)
    db.session.flush()
    now = utcnow()
    connection = db.session.connection()
    closing = {"attempt": attempt.id, "now": now, "score": verdict.score, "passed": verdict.passed}
    server = connection.dialect.name == "postgresql"
    if server:
        # The pupil's lock (tallies.before_completion's), the close and the responses: one statement.
        closed = _CLOSE_AND_WRITE_RESPONSES.rows(connection, {
            **closing, "pupil": attempt.pupil_id,
            **{name: [getattr(r, name) for r in verdict.results] for name in _RESPONSE_COLUMNS[1:]},
            "position": list(range(len(verdict.results)))})[0][0]
    else:
        closed = connection.execute(_CLOSE_ATTEMPT, closing).rowcount
    if not closed:
        if isinstance(attempt, QuizAttempt):
            db.session.refresh(attempt)  # another request submitted it first: its values
        return verdict
    # One INSERT of every response (not an ORM object each), and the attempt is told what was written rather
    # than read back.
    if verdict.results and not server:
        connection.execute(_INSERT_RESPONSES, [
            {"attempt_id": attempt.id, "position": i, "question_id": r.question_id, "answer": r.answer,
             "correct": r.correct, "understanding": r.understanding}
            for i, r in enumerate(verdict.results)
        ])
    _written(attempt, submitted_at=now, score=verdict.score, passed=verdict.passed)
    tallies.record(attempt.pupil_id, attempt.quiz_id, now, attempt.id)
    return verdict
