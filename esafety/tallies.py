"""Stored curriculum coverage: for each school and statement, how many counted pupils are covered, and when.

Whole-school and trust coverage read these tallies (a few hundred rows a school) instead of every completion
(about 10,000 rows a school). The rule stays in one place, `progress.statement_tallies`: a school's tallies are
exactly what that rule gives over the school's completions, which tests/test_tallies.py and
`flask coverage rebuild --check` prove.

They are kept in step in the transaction of each change:
- a completion (`record`, from learning.complete_lesson and learning.submit) adds the pupil to the statements
  that activity newly covers for them, in one upsert;
- a change to who is counted (a pupil moved, deactivated, reactivated or deleted; a class archived or restored)
  or a completion written through the ORM (the demo, tests) recounts the school, from an after_flush listener,
  so no write path can forget it; a new school starts stamped, with nothing covered;
- each school's stamp fingerprints the content's activity-to-statement map it was counted under. A school with
  no stamp (one that existed before revision 0009) or another mapping's is counted live from its completions,
  correct but slower, until `flask coverage rebuild` recounts it (`make run` does; so must a content deploy).

Bulk writers that bypass the ORM (benchmarks, `flask demo --trust`) call `rebuild` afterwards.

Concurrency on PostgreSQL: a completion locks its pupil's row, then takes a shared lock on the school's stamp
before it adds; a recount takes the stamp exclusively before it counts. So a recount either sees a completion
or the completion adds to the recounted rows afterwards: nothing is counted twice or lost. Completions upsert
their rows in statement order, so two of them never deadlock. SQLite runs one writer at a time.
"""

import hashlib
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from . import progress
from .content import Catalogue
from .database import Prepared
from .extensions import db
from .models import CoverageStamp, CoverageTally, LessonProgress, QuizAttempt, School, SchoolClass, User, utcnow

_fingerprints: dict[int, tuple[Catalogue, str]] = {}


def mapping_fingerprint(catalogue: Catalogue) -> str:
    """A fingerprint of which activities map to which statements: tallies counted under another are stale."""
    known = _fingerprints.get(id(catalogue))
    if known and known[0] is catalogue:
        return known[1]
    by_statement = progress.statement_activities(catalogue)
    text = "\n".join(f"{s}:{','.join(sorted(set(a)))}" for s, a in sorted(by_statement.items()))
    fingerprint = hashlib.sha256(text.encode()).hexdigest()
    _fingerprints[id(catalogue)] = (catalogue, fingerprint)
    return fingerprint


def _catalogue(catalogue: Catalogue | None) -> Catalogue:
    if catalogue is not None:
        return catalogue
    from .content import catalogue as loaded

    return loaded()


def _postgres(connection: sa.Connection) -> bool:
    return connection.dialect.name == "postgresql"


# Reading ------------------------------------------------------------------------------------------------


def coverage_for_schools(school_ids, catalogue: Catalogue | None = None, frameworks: list | None = None,
                         dates: bool = True) -> dict[int, list[tuple]]:
    """Whole-school coverage for each of these schools, as progress.coverage reports it for the school's pupils
    (active pupils of classes not archived): two queries however many schools and pupils when their tallies
    are fresh; a stale school adds the two queries of counting it live.

    frameworks defaults to those in force today; catalogue to the loaded content. A school with no pupils gets
    every statement at 0 of 0. dates=False leaves out when the first and latest pupils were covered (a page of
    40 schools would parse 10,000 of them on SQLite to show none).
    """
    school_ids = list(dict.fromkeys(school_ids))
    if not school_ids:
        return {}
    catalogue = _catalogue(catalogue)
    connection = db.session.connection()
    pupils = progress.school_pupils(school_ids)
    sizes = dict(connection.execute(sa.select(pupils.c.scope, sa.func.count()).group_by(pupils.c.scope)).all())
    shape = progress.report_shape(catalogue, progress.statement_activities(catalogue), None, frameworks)
    shown = [statement.id for _, statements in shape for statement, _ in statements]
    stored = _stored(connection, school_ids, mapping_fingerprint(catalogue), shown, dates)
    stale = [school_id for school_id in school_ids if school_id not in stored]
    if stale:
        stored.update(_count(stale, catalogue))
    return {school_id: progress.report(stored[school_id], sizes.get(school_id, 0), shape) for school_id in school_ids}


def summaries_for_schools(school_ids, catalogue: Catalogue | None = None,
                          frameworks: list | None = None) -> dict[int, list[progress.FrameworkSummary]]:
    """Each school's coverage as the trust page compares it, per framework: exactly progress.summarise of
    coverage_for_schools, without building a row per school and statement (40 schools' report is 5,000 rows,
    and building them was most of the page). One query for the schools whose tallies are fresh, however many;
    stale schools are counted live through coverage_for_schools."""
    school_ids = list(dict.fromkeys(school_ids))
    catalogue = _catalogue(catalogue)
    shape = progress.report_shape(catalogue, progress.statement_activities(catalogue), None, frameworks)
    counts = _counts(db.session.connection(), school_ids, mapping_fingerprint(catalogue)) if school_ids else {}
    stale = [school_id for school_id in school_ids if school_id not in counts]
    live = coverage_for_schools(stale, catalogue, frameworks, dates=False) if stale else {}
    summaries = {school_id: progress.summarise(report) for school_id, report in live.items()}
    share = progress.share
    for school_id, (pupils, covered) in counts.items():
        summaries[school_id] = [
            progress.framework_summary(framework, [s for s, _ in statements],
                                       {s.id for s, _ in statements if s.id in covered},
                                       sum(share(covered.get(s.id, 0), pupils) for s, _ in statements), pupils)
            for framework, statements in shape]
    return {school_id: summaries[school_id] for school_id in school_ids}


def _counts(connection: sa.Connection, school_ids: list[int], mapping: str) -> dict[int, tuple[int, dict[str, int]]]:
    """For each school stamped with this mapping, its counted pupils and how many of them each statement covers
    (statements nobody covered left out): one query. A school's tallies come back as one string of "statement
    count" pairs, read in one range of the primary key: reading them as rows cost SQLite about a microsecond
    each in the driver alone, for over 5,000 rows."""
    pupils = progress.school_pupils(school_ids)
    sizes = sa.select(pupils.c.scope, sa.func.count().label("pupils")).group_by(pupils.c.scope).subquery("sizes")
    pair = CoverageTally.statement_id + " " + sa.cast(CoverageTally.covered, sa.String)
    rows = connection.execute(
        sa.select(CoverageStamp.school_id, sa.func.coalesce(sizes.c.pupils, 0), sa.func.aggregate_strings(pair, " "))
        .select_from(CoverageStamp).outerjoin(sizes, sizes.c.scope == CoverageStamp.school_id)
        .outerjoin(CoverageTally, sa.and_(CoverageTally.school_id == CoverageStamp.school_id, CoverageTally.covered > 0))
        .where(CoverageStamp.school_id.in_(school_ids), CoverageStamp.mapping == mapping)
        .group_by(CoverageStamp.school_id, sizes.c.pupils))
    counts = {}
    for school_id, pupils_counted, pairs in rows:
        words = pairs.split(" ") if pairs else []
        counts[school_id] = (pupils_counted, dict(zip(words[::2], map(int, words[1::2]), strict=True)))
    return counts


def _stored(connection: sa.Connection, school_ids: list[int], mapping: str, statement_ids: list[str] | None = None,
            dates: bool = True) -> dict[int, dict]:
    """The stored tallies of those schools stamped with this mapping (of these statements when given): one
    query. Without dates the rows are plain integers and strings, read straight from the driver's cursor:
    SQLAlchemy's rows cost about 5 microseconds each, and a trust of 40 schools is over 5,000 of them."""
    when = (CoverageTally.first_at, CoverageTally.last_at) if dates else (sa.null(), sa.null())
    joined = CoverageTally.school_id == CoverageStamp.school_id
    if statement_ids is not None:
        joined = sa.and_(joined, CoverageTally.statement_id.in_(statement_ids))
    result = connection.execute(
        sa.select(CoverageStamp.school_id, CoverageTally.statement_id, CoverageTally.covered, *when)
        .outerjoin(CoverageTally, joined)
        .where(CoverageStamp.school_id.in_(school_ids), CoverageStamp.mapping == mapping)
    )
    rows = result.all() if dates else result.cursor.fetchall()
    stored: dict[int, dict] = {}
    tally = progress.Tally
    for school_id, statement_id, covered, first, last in rows:
        tallies = stored.setdefault(school_id, {})
        if statement_id is not None:
            tallies[statement_id] = tally(covered, first, last)
    return stored


def _count(school_ids: list[int], catalogue: Catalogue) -> dict[int, dict]:
    """Each school's tallies counted live from its completions (two queries), by the one rule."""
    done: dict[int, dict] = {school_id: defaultdict(dict) for school_id in school_ids}
    for activity_id, pupil_id, school_id, when in progress.completions(progress.school_pupils(school_ids)):
        done[school_id][activity_id][pupil_id] = when
    by_statement = progress.statement_activities(catalogue)
    return {school_id: progress.statement_tallies(done[school_id], by_statement) for school_id in school_ids}


# A completion -------------------------------------------------------------------------------------------


def before_completion(pupil_id: int) -> None:
    """Call before a completion is written. On PostgreSQL, lock the pupil's row (so two tabs of one pupil cannot
    both count a statement) and take a shared lock on the school's stamp (so a recount waits for this
    transaction): one query. Nothing on SQLite, which runs one writer at a time."""
    connection = db.session.connection()
    if _postgres(connection):
        connection.execute(_LOCK_PUPIL_AND_STAMP, {"pupil": pupil_id})


# Two locking clauses in one statement, which SQLAlchemy cannot express.
_LOCK_PUPIL_AND_STAMP = sa.text('SELECT u.id FROM "user" u JOIN coverage_stamp s ON s.school_id = u.school_id '
                                "WHERE u.id = :pupil FOR UPDATE OF u FOR SHARE OF s")


_upserts: dict[tuple[int, str, str], tuple[Catalogue, Prepared | None]] = {}


def _inline(ids: list[str]) -> list:
    """Content ids written into the statement itself. A list of values would be an "expanding" parameter,
    which SQLAlchemy re-renders on every run (half the cost of a Finish); the ids are the content's own slugs
    (a-z, 0-9 and hyphens, checked when the content loads), so quoting them is all they need."""
    if not ids:
        return [sa.null()]  # IN (NULL): matches nothing, as an empty list would
    return [sa.literal_column("'" + activity_id.replace("'", "''") + "'", sa.String) for activity_id in ids]


def _newly_covered(activity_id: str, catalogue: Catalogue):
    """The statements of this completion that none of the pupil's other completions covers, as a subquery:
    for each statement, no other completed lesson and no other submitted attempt of an activity teaching it.
    The pupil and the attempt are bound parameters (`pupil`, `attempt`)."""
    activity = catalogue.lessons.get(activity_id) or catalogue.quizzes.get(activity_id)
    if activity is None or not activity.curriculum:
        return None
    by_statement = progress.statement_activities(catalogue)
    pupil, attempt = sa.bindparam("pupil", type_=sa.Integer), sa.bindparam("attempt", type_=sa.Integer)
    names = []
    for statement_id in sorted(set(activity.curriculum)):
        teaching = set(by_statement[statement_id])
        lessons = sorted(a for a in teaching if a in catalogue.lessons and a != activity_id)
        quizzes = sorted(a for a in teaching if a in catalogue.quizzes)
        earlier_lesson = sa.exists().where(LessonProgress.pupil_id == pupil,
                                           LessonProgress.lesson_id.in_(_inline(lessons)),
                                           LessonProgress.completed_at.is_not(None))
        earlier_quiz = sa.exists().where(QuizAttempt.pupil_id == pupil, QuizAttempt.quiz_id.in_(_inline(quizzes)),
                                         QuizAttempt.submitted_at.is_not(None), QuizAttempt.id != attempt)
        names.append(sa.select(sa.literal(statement_id, sa.String(80)).label("statement_id"))
                     .where(~earlier_lesson, ~earlier_quiz))
    return sa.union_all(*names).subquery("statements")


def _upsert(activity_id: str, catalogue: Catalogue, dialect: str):
    """The one statement that adds a completion of this activity to its school's tallies, built once per
    activity and content (building and walking it cost more than running it)."""
    key = (id(catalogue), activity_id, dialect)
    known = _upserts.get(key)
    if known and known[0] is catalogue:
        return known[1]
    names = _newly_covered(activity_id, catalogue)
    statement = None
    if names is not None:
        postgres = dialect == "postgresql"
        pupil, when = sa.bindparam("pupil", type_=sa.Integer), sa.bindparam("when", type_=sa.DateTime)
        counted = (
            sa.select(User.school_id, names.c.statement_id, sa.literal(1), when, when)
            .join(SchoolClass, SchoolClass.id == User.class_id)
            .join(CoverageStamp, CoverageStamp.school_id == User.school_id)
            .join(names, sa.true())
            .where(User.id == pupil, User.kind == "pupil", User.active, SchoolClass.archived_at.is_(None))
            .order_by(names.c.statement_id)
        )
        insert = (postgresql.insert if postgres else sqlite.insert)(CoverageTally).from_select(
            ["school_id", "statement_id", "covered", "first_at", "last_at"], counted)
        earliest, latest = (sa.func.least, sa.func.greatest) if postgres else (sa.func.min, sa.func.max)
        statement = insert.on_conflict_do_update(
            index_elements=["school_id", "statement_id"],
            set_={"covered": CoverageTally.covered + insert.excluded.covered,
                  "first_at": earliest(CoverageTally.first_at, insert.excluded.first_at),
                  "last_at": latest(CoverageTally.last_at, insert.excluded.last_at)})
        statement = Prepared(statement)
    if len(_upserts) < 2_000:
        _upserts[key] = (catalogue, statement)
    return statement


def record(pupil_id: int, activity_id: str, when: datetime, attempt_id: int | None = None,
           catalogue: Catalogue | None = None) -> None:
    """Add a just-written completion (a lesson's, or a quiz attempt's) to its school's tallies, in its
    transaction: one upsert, whatever it covers, of the statements no other completion of the pupil covered.

    Adds nothing for a school without a stamp (counted live until rebuilt) or a pupil who is not counted
    (inactive, or in an archived class), read in the upsert itself so a committed change is seen.
    """
    connection = db.session.connection()
    statement = _upsert(activity_id, _catalogue(catalogue), connection.dialect.name)
    if statement is not None:
        statement.execute(connection, {"pupil": pupil_id, "attempt": attempt_id or 0, "when": when})


# Recounting ---------------------------------------------------------------------------------------------


def recount(connection: sa.Connection, school_ids, catalogue: Catalogue | None = None) -> None:
    """Count these schools again from their completions and store the tallies, stamped with the mapping:
    for schools that already have a stamp (a stamp made here could miss a completion committed meanwhile)."""
    catalogue = _catalogue(catalogue)
    stamped = connection.execute(
        sa.select(CoverageStamp.school_id).where(CoverageStamp.school_id.in_(list(school_ids)))
        .order_by(CoverageStamp.school_id).with_for_update()).scalars().all()
    if not stamped:
        return
    counted = _count(stamped, catalogue)
    connection.execute(sa.delete(CoverageTally).where(CoverageTally.school_id.in_(stamped)))
    rows = [{"school_id": school_id, "statement_id": statement_id, "covered": tally.covered,
             "first_at": tally.first, "last_at": tally.last}
            for school_id in stamped for statement_id, tally in sorted(counted[school_id].items())]
    if rows:
        connection.execute(sa.insert(CoverageTally), rows)
    connection.execute(sa.update(CoverageStamp).where(CoverageStamp.school_id.in_(stamped))
                       .values(mapping=mapping_fingerprint(catalogue), counted_at=utcnow()))


def stale_schools(catalogue: Catalogue | None = None) -> list[int]:
    """The schools whose tallies are missing or were counted under another content mapping."""
    fresh = sa.select(CoverageStamp.school_id).where(CoverageStamp.mapping == mapping_fingerprint(_catalogue(catalogue)))
    return db.session.scalars(sa.select(School.id).where(School.id.not_in(fresh)).order_by(School.id)).all()


def rebuild(school_ids=None, catalogue: Catalogue | None = None) -> int:
    """Recount these schools (by default the stale ones), committing each: `flask coverage rebuild`, after a
    content deploy, a bulk seed or the upgrade to revision 0009. A school without a stamp gets one first, in its
    own commit, so that completions from then on take the stamp's lock and none is missed. Returns how many
    schools were recounted."""
    catalogue = _catalogue(catalogue)
    school_ids = list(stale_schools(catalogue) if school_ids is None else school_ids)
    stamped = set(db.session.scalars(sa.select(CoverageStamp.school_id)
                                     .where(CoverageStamp.school_id.in_(school_ids))))
    missing = [school_id for school_id in school_ids if school_id not in stamped]
    if missing:
        db.session.execute(sa.insert(CoverageStamp), [{"school_id": s, "mapping": "", "counted_at": utcnow()}
                                                      for s in missing])
        db.session.commit()
    for school_id in school_ids:
        recount(db.session.connection(), [school_id], catalogue)
        db.session.commit()
    return len(school_ids)


def differences(school_ids=None, catalogue: Catalogue | None = None) -> list[str]:
    """Where the stored tallies of stamped, fresh schools differ from a live count: empty when all agree (the
    check of `flask coverage rebuild --check` and of the tests)."""
    catalogue = _catalogue(catalogue)
    if school_ids is None:
        school_ids = db.session.scalars(sa.select(School.id).order_by(School.id)).all()
    stored = _stored(db.session.connection(), list(school_ids), mapping_fingerprint(catalogue))
    live = _count(list(stored), catalogue) if stored else {}
    problems = []
    for school_id in sorted(stored):
        for statement_id in sorted(set(stored[school_id]) | set(live[school_id])):
            have = stored[school_id].get(statement_id, progress.NO_TALLY)
            want = live[school_id].get(statement_id, progress.NO_TALLY)
            if have != want:
                problems.append(f"school {school_id}, {statement_id}: stored {have.covered} "
                                f"({have.first} to {have.last}), counted {want.covered} ({want.first} to {want.last})")
    return problems


# Who is counted changed: recount, whatever wrote it -----------------------------------------------------

_COUNTED = ("class_id", "active", "school_id", "kind")


def _changed(obj, names) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _old_and_new(obj, name) -> set:
    history = sa.inspect(obj).attrs[name].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


def _completion_changed(session: so.Session, obj, name: str) -> bool:
    """Whether the ORM wrote, changed or deleted a completion time (starting a lesson or quiz does not)."""
    history = sa.inspect(obj).attrs[name].history
    if obj in session.deleted:
        return any(v is not None for v in (*history.unchanged, *history.deleted))
    return history.has_changes() and any(v is not None for v in (*history.added, *history.deleted))


@sa.event.listens_for(so.Session, "after_flush")
def _after_flush(session: so.Session, _context) -> None:
    """Keep tallies exact whatever the ORM wrote: stamp new schools; recount schools whose counted pupils or
    ORM-written completions changed (the app's own completions go through `record`, not this)."""
    schools, pupils = set(), set()
    new_schools = [obj.id for obj in session.new if isinstance(obj, School)]
    for obj in session.new | session.dirty | session.deleted:
        if isinstance(obj, User):
            if obj in session.deleted or (obj not in session.new and _changed(obj, _COUNTED)):
                if "pupil" in _old_and_new(obj, "kind"):
                    schools |= _old_and_new(obj, "school_id")
        elif isinstance(obj, SchoolClass):
            if obj in session.deleted or (obj not in session.new and _changed(obj, ("archived_at", "school_id"))):
                schools |= _old_and_new(obj, "school_id")
        elif isinstance(obj, LessonProgress) and _completion_changed(session, obj, "completed_at"):
            pupils |= _old_and_new(obj, "pupil_id")
        elif isinstance(obj, QuizAttempt) and _completion_changed(session, obj, "submitted_at"):
            pupils |= _old_and_new(obj, "pupil_id")
    if not (schools or pupils or new_schools):
        return
    connection = session.connection()
    if new_schools:  # nothing to count yet, so the empty tally is exact from the start
        mapping = mapping_fingerprint(_catalogue(None))
        connection.execute(sa.insert(CoverageStamp), [{"school_id": s, "mapping": mapping, "counted_at": utcnow()}
                                                      for s in new_schools])
    if pupils:
        schools |= set(connection.execute(sa.select(User.school_id).where(User.id.in_(pupils))
                                          .distinct()).scalars())
    schools.discard(None)
    if schools:
        recount(connection, sorted(schools))
