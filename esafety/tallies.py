"""Stored curriculum coverage: for each school and statement, how many counted pupils are covered, and when;
and for each school, how many pupils it counts.

Whole-school and trust coverage read these tallies (a few hundred rows a school) and the school's stamp instead
of every completion (about 10,000 rows a school) and every pupil (a trust of 40 schools has 20,000). The rules
stay in one place each, `progress.statement_tallies` and `progress.school_pupils`: a school's tallies are
exactly what the first gives over the school's completions, and its stamp's pupils what the second counts,
which tests/test_tallies.py and `flask coverage rebuild --check` prove.

They are kept in step in the transaction of each change:
- a completion (`record`, from learning.complete_lesson and learning.submit) adds the pupil to the statements
  that activity newly covers for them, in one upsert;
- a change to who is counted (a pupil moved, deactivated, reactivated or deleted; a class archived or restored)
  or a completion written through the ORM (the demo, tests) recounts the school, from an after_flush listener,
  so no write path can forget it; a new pupil (the ORM's, or a roster import's bulk insert, seen by a
  do_orm_execute listener) recounts only the school's pupils, having nothing covered yet; a new school starts
  stamped, with nothing covered and no pupils;
- each school's stamp fingerprints the content's activity-to-statement map it was counted under. A school with
  no stamp (one that existed before revision 0009), another mapping's or no pupil count (before revision 0010)
  is counted live from its completions, correct but slower, until `flask coverage rebuild` recounts it (`make
  run` does; so must a content deploy).

Bulk writers that bypass the ORM (benchmarks, `flask demo --trust`) call `rebuild` afterwards.

Concurrency on PostgreSQL: a completion locks its pupil's row, then takes a shared lock on the school's stamp
before it adds; a recount takes the stamp exclusively before it counts, in a later statement (so on READ
COMMITTED it sees every pupil and completion committed while it waited). So a recount either sees a completion
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

def mapping_fingerprint(catalogue: Catalogue) -> str:
    """A fingerprint of which activities map to which statements: tallies counted under another are stale."""

    def make() -> str:
        by_statement = progress.statement_activities(catalogue)
        text = "\n".join(f"{s}:{','.join(sorted(set(a)))}" for s, a in sorted(by_statement.items()))
        return hashlib.sha256(text.encode()).hexdigest()

    return catalogue.remembered(("mapping_fingerprint",), make)


def _shape(catalogue: Catalogue, frameworks: list | None) -> list[tuple]:
    """Every school's report shape for these frameworks (those in force today by default), made once per
    catalogue and set of frameworks: a coverage or trust page worked it out afresh on every view."""
    frameworks = progress.frameworks_in_force(catalogue) if frameworks is None else frameworks
    return catalogue.remembered(("report_shape", *(framework.key for framework in frameworks)),
                                lambda: progress.report_shape(catalogue, progress.statement_activities(catalogue),
                                                              None, frameworks))


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
    (active pupils of classes not archived): one query however many schools and pupils when their tallies
    are fresh; stale schools add the three queries of counting them live.

    frameworks defaults to those in force today; catalogue to the loaded content. A school with no pupils gets
    every statement at 0 of 0. dates=False leaves out when the first and latest pupils were covered (a page of
    40 schools would parse 10,000 of them on SQLite to show none).
    """
    school_ids = list(dict.fromkeys(school_ids))
    if not school_ids:
        return {}
    catalogue = _catalogue(catalogue)
    connection = db.session.connection()
    shape = _shape(catalogue, frameworks)
    shown = [statement.id for _, statements in shape for statement, _ in statements]
    stored = _stored(connection, school_ids, mapping_fingerprint(catalogue), shown, dates)
    stale = [school_id for school_id in school_ids if school_id not in stored]
    if stale:
        sizes = _pupils(connection, stale)
        for school_id, counted in _count(stale, catalogue).items():
            stored[school_id] = (sizes.get(school_id, 0), counted)
    return {school_id: progress.report(stored[school_id][1], stored[school_id][0], shape) for school_id in school_ids}


def summaries_for_schools(school_ids, catalogue: Catalogue | None = None,
                          frameworks: list | None = None) -> dict[int, list[progress.FrameworkSummary]]:
    """Each school's coverage as the trust page compares it, per framework: exactly progress.summarise of
    coverage_for_schools, without building a row per school and statement (40 schools' report is 5,000 rows,
    and building them was most of the page). One query for the schools whose tallies are fresh, however many;
    stale schools are counted live through coverage_for_schools."""
    school_ids = list(dict.fromkeys(school_ids))
    catalogue = _catalogue(catalogue)
    shape = _shape(catalogue, frameworks)
    counts = _counts(db.session.connection(), school_ids, mapping_fingerprint(catalogue)) if school_ids else {}
    stale = [school_id for school_id in school_ids if school_id not in counts]
    live = coverage_for_schools(stale, catalogue, frameworks, dates=False) if stale else {}
    summaries = {school_id: progress.summarise(report) for school_id, report in live.items()}
    # Each framework's statements and their ids once for the page, then for each school only the statements it
    # covers (a set intersection; an uncovered statement's share is 0): 40 schools once walked ~4,600 statements
    # three times over.
    frames = [(framework, [s for s, _ in statements], {s.id for s, _ in statements}) for framework, statements in shape]
    share = progress.share
    for school_id, (pupils, covered) in counts.items():
        summaries[school_id] = items = []
        for framework, statements, ids in frames:
            reached = ids & covered.keys()
            shares = sum([share(covered[statement_id], pupils) for statement_id in reached])
            items.append(progress.framework_summary(framework, statements, reached, shares, pupils))
    return {school_id: summaries[school_id] for school_id in school_ids}


def _counts(connection: sa.Connection, school_ids: list[int], mapping: str) -> dict[int, tuple[int, dict[str, int]]]:
    """For each school whose stamp is fresh (this mapping, pupils counted), its counted pupils and how many of
    them each statement covers (statements nobody covered left out): one query. A school's tallies come back as
    one JSON object of statement: count, read in one range of the primary key: reading them as rows cost SQLite
    about a microsecond each in the driver alone, for over 5,000 rows, and a string of pairs, split in Python,
    half as much again as the JSON."""
    aggregate = sa.func.json_object_agg if _postgres(connection) else sa.func.json_group_object
    tallied = (sa.select(CoverageTally.school_id, aggregate(CoverageTally.statement_id, CoverageTally.covered)
                         .label("covered"))
               .where(CoverageTally.school_id.in_(school_ids), CoverageTally.covered > 0)
               .group_by(CoverageTally.school_id).subquery("tallied"))
    rows = connection.execute(
        sa.select(CoverageStamp.school_id, CoverageStamp.pupils, sa.type_coerce(tallied.c.covered, sa.JSON))
        .outerjoin(tallied, tallied.c.school_id == CoverageStamp.school_id)
        .where(CoverageStamp.school_id.in_(school_ids), _fresh(mapping)))
    return {school_id: (pupils, covered or {}) for school_id, pupils, covered in rows}


def _stored(connection: sa.Connection, school_ids: list[int], mapping: str, statement_ids: list[str] | None = None,
            dates: bool = True) -> dict[int, tuple[int, dict]]:
    """The stored pupils and tallies of those schools whose stamp is fresh (of these statements when given):
    one query. Without dates the rows are plain integers and strings, read straight from the driver's cursor:
    SQLAlchemy's rows cost about 5 microseconds each, and a trust of 40 schools is over 5,000 of them."""
    when = (CoverageTally.first_at, CoverageTally.last_at) if dates else (sa.null(), sa.null())
    joined = CoverageTally.school_id == CoverageStamp.school_id
    if statement_ids is not None:
        joined = sa.and_(joined, CoverageTally.statement_id.in_(statement_ids))
    result = connection.execute(
        sa.select(CoverageStamp.school_id, CoverageStamp.pupils, CoverageTally.statement_id, CoverageTally.covered,
                  *when)
        .outerjoin(CoverageTally, joined)
        .where(CoverageStamp.school_id.in_(school_ids), _fresh(mapping))
    )
    rows = result.all() if dates else result.cursor.fetchall()
    stored: dict[int, tuple[int, dict]] = {}
    tally = progress.Tally
    for school_id, pupils, statement_id, covered, first, last in rows:
        tallies = stored.setdefault(school_id, (pupils, {}))[1]
        if statement_id is not None:
            tallies[statement_id] = tally(covered, first, last)
    return stored


def _fresh(mapping: str):
    """A stamp whose figures can be read: counted under this mapping, its pupils included."""
    return sa.and_(CoverageStamp.mapping == mapping, CoverageStamp.pupils.is_not(None))


def _pupils(connection: sa.Connection, school_ids: list[int]) -> dict[int, int]:
    """How many pupils each of these schools counts, by the one rule (schools with none left out): one query."""
    pupils = progress.school_pupils(school_ids)
    return dict(connection.execute(sa.select(pupils.c.scope, sa.func.count()).group_by(pupils.c.scope)).all())


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
    transaction): one query. Nothing on SQLite, which runs one writer at a time. A quiz's Finish takes the same
    locks in the statement that closes the attempt instead (locking_first)."""
    connection = db.session.connection()
    if _postgres(connection):
        connection.execute(_LOCK_PUPIL_AND_STAMP, {"pupil": pupil_id})


# Two locking clauses in one statement, which SQLAlchemy cannot express.
_LOCK_PUPIL_AND_STAMP = sa.text('SELECT u.id FROM "user" u JOIN coverage_stamp s ON s.school_id = u.school_id '
                                "WHERE u.id = :pupil FOR UPDATE OF u FOR SHARE OF s")


def locking_first(statement: sa.Update) -> sa.Update:
    """The write that makes a completion, taking before_completion's locks itself, on PostgreSQL: a Finish
    then sends one statement where it sent two (each a round trip). The locking select is a CTE that the
    statement's condition reads, so PostgreSQL takes the locks (waiting for another tab's Finish to commit)
    before the write; the next statement (the upsert) then sees what that Finish wrote. `pupil` is the
    pupil's id. Use only on PostgreSQL; SQLite runs one writer at a time and needs no lock."""
    locked = _LOCK_PUPIL_AND_STAMP.columns(sa.column("id", sa.Integer)).cte("completion_lock")
    return statement.add_cte(locked).where(sa.select(sa.func.count()).select_from(locked).scalar_subquery() >= 0)


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
    return catalogue.remembered(("coverage_upsert", activity_id, dialect),
                                lambda: _build_upsert(activity_id, catalogue, dialect))


def _build_upsert(activity_id: str, catalogue: Catalogue, dialect: str) -> Prepared | None:
    """The upsert of _upsert, or None for an activity that teaches no statement."""
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


def _lock(connection: sa.Connection, school_ids) -> list[int]:
    """Take these schools' stamps exclusively, in school order (so two recounts never deadlock); those that
    have one. A stamp made here could miss a completion committed meanwhile, so none is."""
    return connection.execute(
        sa.select(CoverageStamp.school_id).where(CoverageStamp.school_id.in_(list(school_ids)))
        .order_by(CoverageStamp.school_id).with_for_update()).scalars().all()


def _store_pupils(connection: sa.Connection, stamped: list[int], **values) -> None:
    """Count the pupils of these locked schools and store them on their stamps, with any other values."""
    sizes = _pupils(connection, stamped)
    connection.execute(
        sa.update(CoverageStamp).where(CoverageStamp.school_id == sa.bindparam("school"))
        .values(pupils=sa.bindparam("counted"), **values),
        [{"school": school_id, "counted": sizes.get(school_id, 0)} for school_id in stamped])


def recount_pupils(connection: sa.Connection, school_ids) -> None:
    """Count these schools' pupils again and store them, leaving the tallies: after pupils were added, who
    have no completions yet (a new pupil's completions written in the same flush recount the whole school)."""
    stamped = _lock(connection, school_ids)
    if stamped:
        _store_pupils(connection, stamped)


def recount(connection: sa.Connection, school_ids, catalogue: Catalogue | None = None) -> None:
    """Count these schools again from their completions and pupils and store the tallies and pupils, stamped
    with the mapping: for schools that already have a stamp."""
    catalogue = _catalogue(catalogue)
    stamped = _lock(connection, school_ids)
    if not stamped:
        return
    counted = _count(stamped, catalogue)
    connection.execute(sa.delete(CoverageTally).where(CoverageTally.school_id.in_(stamped)))
    rows = [{"school_id": school_id, "statement_id": statement_id, "covered": tally.covered,
             "first_at": tally.first, "last_at": tally.last}
            for school_id in stamped for statement_id, tally in sorted(counted[school_id].items())]
    if rows:
        connection.execute(sa.insert(CoverageTally), rows)
    _store_pupils(connection, stamped, mapping=mapping_fingerprint(catalogue), counted_at=utcnow())


def stale_schools(catalogue: Catalogue | None = None) -> list[int]:
    """The schools whose tallies are missing, were counted under another content mapping or lack their pupils."""
    fresh = sa.select(CoverageStamp.school_id).where(_fresh(mapping_fingerprint(_catalogue(catalogue))))
    return db.session.scalars(sa.select(School.id).where(School.id.not_in(fresh)).order_by(School.id)).all()


def rebuild(school_ids=None, catalogue: Catalogue | None = None) -> int:
    """Recount these schools (by default the stale ones), committing each: `flask coverage rebuild`, after a
    content deploy, a bulk seed or the upgrade to revision 0009 or 0010. A school without a stamp gets one
    first, in its own commit, so that completions from then on take the stamp's lock and none is missed. Returns
    how many schools were recounted."""
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
    """Where the stored tallies and pupils of fresh schools differ from a live count: empty when all agree (the
    check of `flask coverage rebuild --check` and of the tests)."""
    catalogue = _catalogue(catalogue)
    if school_ids is None:
        school_ids = db.session.scalars(sa.select(School.id).order_by(School.id)).all()
    connection = db.session.connection()
    stored = _stored(connection, list(school_ids), mapping_fingerprint(catalogue))
    live = _count(list(stored), catalogue) if stored else {}
    sizes = _pupils(connection, list(stored)) if stored else {}
    problems = []
    for school_id in sorted(stored):
        pupils, tallies = stored[school_id]
        if pupils != sizes.get(school_id, 0):
            problems.append(f"school {school_id}: stored {pupils} pupils, counted {sizes.get(school_id, 0)}")
        for statement_id in sorted(set(tallies) | set(live[school_id])):
            have = tallies.get(statement_id, progress.NO_TALLY)
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
    """Keep tallies and pupils exact whatever the ORM wrote: stamp new schools; recount schools whose counted
    pupils or ORM-written completions changed (the app's own completions go through `record`, not this); count
    the pupils again where pupils were added."""
    schools, pupils, joined = set(), set(), set()
    new_schools = [obj.id for obj in session.new if isinstance(obj, School)]
    for obj in session.new | session.dirty | session.deleted:
        if isinstance(obj, User):
            if obj in session.new:
                if obj.kind == "pupil":
                    joined.add(obj.school_id)
            elif obj in session.deleted or _changed(obj, _COUNTED):
                if "pupil" in _old_and_new(obj, "kind"):
                    schools |= _old_and_new(obj, "school_id")
        elif isinstance(obj, SchoolClass):
            if obj in session.deleted or (obj not in session.new and _changed(obj, ("archived_at", "school_id"))):
                schools |= _old_and_new(obj, "school_id")
        elif isinstance(obj, LessonProgress) and _completion_changed(session, obj, "completed_at"):
            pupils |= _old_and_new(obj, "pupil_id")
        elif isinstance(obj, QuizAttempt) and _completion_changed(session, obj, "submitted_at"):
            pupils |= _old_and_new(obj, "pupil_id")
    if not (schools or pupils or new_schools or joined):
        return
    connection = session.connection()
    if new_schools:  # nothing to count yet, so the empty tally is exact from the start; its pupils come below
        mapping = mapping_fingerprint(_catalogue(None))
        connection.execute(sa.insert(CoverageStamp), [{"school_id": s, "mapping": mapping, "counted_at": utcnow(),
                                                       "pupils": 0} for s in new_schools])
    if pupils:
        schools |= set(connection.execute(sa.select(User.school_id).where(User.id.in_(pupils))
                                          .distinct()).scalars())
    schools.discard(None)
    if schools:
        recount(connection, sorted(schools))
    joined -= schools | {None}
    if joined:
        recount_pupils(connection, sorted(joined))


@sa.event.listens_for(so.Session, "do_orm_execute")
def _bulk_insert(state: so.ORMExecuteState):
    """Count the pupils again of schools that a bulk INSERT of users through the session gave pupils (the roster
    import adds a whole school's in one statement), which no flush sees. Other bulk writes of users, outside
    the session, call `rebuild` or `recount` themselves (bulk_seed.after_bulk_seed)."""
    if not (state.is_insert and state.bind_mapper is sa.inspect(User)):
        return None
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
    joined = sorted({row.get("school_id") for row in rows if row.get("kind") == "pupil"} - {None})
    result = state.invoke_statement()
    if joined:
        recount_pupils(state.session.connection(), joined)
    return result
