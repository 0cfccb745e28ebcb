"""Stored coverage tallies and pupil counts always equal a count from the completions and pupils: after
completions, new pupils, moves, leavers, deletions, archived classes and a re-mapped curriculum, through the
app's own write paths."""

import dataclasses
from datetime import datetime

import sqlalchemy as sa

from esafety import progress, tallies
from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import CoverageStamp, CoverageTally, LessonProgress, School, SchoolClass, User
from esafety.privacy import erase_pupil

from . import factories


def counted_live(school_id, content=None):
    """The school's coverage as the live rule counts it: coverage() of its active pupils in open classes."""
    content = content or catalogue()
    ids = db.session.scalars(sa.select(progress.school_pupils([school_id]).c.pupil_id)).all()
    return figures(progress.coverage(ids, content))


def figures(report):
    """What a coverage page shows for each statement."""
    return [(s.statement.id, s.covered, s.pupils, s.first, s.last) for _, rows in report for s in rows]


def shown(school_id, content=None):
    """The school's coverage as its coverage page reads it."""
    return figures(tallies.coverage_for_schools([school_id], content or catalogue())[school_id])


def covered(school_id, statement_id):
    """How many pupils the school's page says have covered one statement."""
    report = tallies.coverage_for_schools([school_id], catalogue())[school_id]
    return next(s.covered for _, rows in report for s in rows if s.statement.id == statement_id)


def stored_pupils(school_id):
    """The pupils the school's stamp says it counts, as stored (not the session's copy)."""
    return db.session.scalar(sa.select(CoverageStamp.pupils).where(CoverageStamp.school_id == school_id))


def live_pupils(school_id):
    """The pupils the school counts, by the one rule."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(progress.school_pupils([school_id])))


def assert_in_step(school_id):
    """The stored tallies and pupils are fresh and equal a live count."""
    assert tallies.differences([school_id]) == []
    assert tallies.stale_schools() == []
    assert stored_pupils(school_id) == live_pupils(school_id)
    assert shown(school_id) == counted_live(school_id)


def test_a_new_school_starts_stamped_and_completions_keep_its_tallies_exact(app, school):
    """Lessons and quizzes completed through the app's own paths add to the stored tallies, once per pupil and
    statement; a second attempt at a quiz changes nothing."""
    school_id = school.school.id
    assert db.session.get(CoverageStamp, school_id).mapping == tallies.mapping_fingerprint(catalogue())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoverageTally)) == 0
    factories.complete_lesson(school.pupil, "ks2-reliable")
    assert covered(school_id, "comp-ks2-5") == 1
    factories.complete_lesson(school.ks2_pupils[1], "ks2-reliable")
    assert covered(school_id, "comp-ks2-5") == 2
    factories.complete_lesson(school.ks1_pupil, "ks1-tell")
    for quiz_id in ("age-ks2", "age-ks2"):  # the second attempt covers nothing new
        factories.finish_quiz(school.pupil, quiz_id)
    stored = db.session.scalar(sa.select(sa.func.sum(CoverageTally.covered)))
    assert stored > 3
    assert_in_step(school_id)
    factories.finish_quiz(school.pupil, "age-ks2")
    assert db.session.scalar(sa.select(sa.func.sum(CoverageTally.covered))) == stored


def test_tallies_follow_pupils_who_move_leave_return_or_are_deleted(app, school):
    """A pupil's coverage goes with them: moved to another class it stays in the school, deactivated or deleted
    it leaves the school's figures, reactivated it comes back; each time the tallies equal a recount."""
    school_id = school.school.id
    leaver, stayer = school.ks2_pupils[0], school.ks2_pupils[1]
    factories.complete_lesson(leaver, "ks2-reliable")
    factories.complete_lesson(stayer, "ks2-reliable")
    assert covered(school_id, "comp-ks2-5") == 2
    other_class = factories.make_class(school.school, "Year 6 Rowan", 6)
    leaver.class_id = other_class.id
    db.session.commit()
    assert covered(school_id, "comp-ks2-5") == 2
    assert_in_step(school_id)
    leaver.active = False
    db.session.commit()
    assert covered(school_id, "comp-ks2-5") == 1
    assert_in_step(school_id)
    leaver.active = True
    db.session.commit()
    assert covered(school_id, "comp-ks2-5") == 2
    erase_pupil(db.session.get(User, stayer.id), school.admin)
    db.session.commit()
    assert covered(school_id, "comp-ks2-5") == 1
    assert_in_step(school_id)


def test_an_archived_class_leaves_the_figures_and_comes_back_when_restored(app, school):
    """Archiving a class takes its pupils out of the school's coverage; restoring it puts them back."""
    school_id = school.school.id
    factories.complete_lesson(school.ks1_pupil, "ks1-tell")
    before = shown(school_id)
    school.ks1.archived_at = datetime(2026, 7, 20)
    db.session.commit()
    assert shown(school_id) != before
    assert_in_step(school_id)
    school.ks1.archived_at = None
    db.session.commit()
    assert shown(school_id) == before
    assert_in_step(school_id)


def test_new_pupils_are_counted_as_they_join(app, school):
    """A pupil added to a class, a new class with its pupils, a new school with its own, and a pupil added to an
    archived class (not counted) each leave the stored pupil count equal to a live count."""
    school_id = school.school.id
    factories.complete_lesson(school.pupil, "ks2-reliable")
    before = live_pupils(school_id)
    assert stored_pupils(school_id) == before
    factories.make_pupil(school.ks2, "Nia", "N")  # flushed, not committed: the count is right at once
    assert stored_pupils(school_id) == before + 1
    db.session.commit()
    assert_in_step(school_id)
    db.session.add(SchoolClass(school_id=school_id, name="Year 3 Elm", year_group=3, pupils=[
        User(school_id=school_id, kind="pupil", name=name, last_initial="E") for name in ("Ada", "Bo")]))
    db.session.commit()
    assert stored_pupils(school_id) == before + 3
    assert_in_step(school_id)
    school.ks1.archived_at = datetime(2026, 7, 20)
    db.session.commit()
    factories.make_pupil(school.ks1, "Cy", "C")
    db.session.commit()
    assert_in_step(school_id)
    new_school = School(name="Hawthorn Primary")
    new_class = SchoolClass(school=new_school, name="Year 1 Oak", year_group=1)
    db.session.add(User(school=new_school, school_class=new_class, kind="pupil", name="Dot", last_initial="D"))
    db.session.commit()
    assert stored_pupils(new_school.id) == 1
    assert_in_step(new_school.id)
    assert covered(school_id, "comp-ks2-5") == 1


def test_completions_written_through_the_orm_recount_the_school(app, school):
    """A completion the ORM writes (the demo school, an import) is counted without a call to `record`."""
    lesson = catalogue().lessons["ks2-tell"]
    db.session.add(LessonProgress(pupil_id=school.pupil.id, lesson_id="ks2-tell", content_version=1,
                                  step=len(lesson.steps) - 1, completed_at=datetime(2026, 6, 10, 14, 0)))
    db.session.commit()
    assert covered(school.school.id, "rshe2025-bfa-1") == 1
    assert_in_step(school.school.id)


def test_a_remapped_curriculum_is_counted_live_until_rebuilt_then_stored_again(app, school, queries):
    """After a content change re-maps a lesson, the old tallies are never shown: the page counts live (the
    re-mapped lesson's past completions count for its new statement) until the rebuild stores the new count."""
    school_id = school.school.id
    factories.complete_lesson(school.pupil, "ks2-tell")
    lesson = catalogue().lessons["ks2-tell"]
    remapped = dataclasses.replace(catalogue(), lessons={
        **catalogue().lessons, "ks2-tell": lesson.model_copy(update={"curriculum": lesson.curriculum + ("rshe2025-hpp-3",)})})
    assert tallies.mapping_fingerprint(remapped) != tallies.mapping_fingerprint(catalogue())
    with queries() as stale_reads:
        found = shown(school_id, remapped)
    assert found == counted_live(school_id, remapped)
    assert dict((s, c) for s, c, *_ in found)["rshe2025-hpp-3"] == 1
    assert len(stale_reads) == 4  # stamp, pupils, and the live count's two
    assert tallies.stale_schools(remapped) == [school_id]
    assert tallies.rebuild(catalogue=remapped) == 1
    assert tallies.stale_schools(remapped) == []
    assert tallies.differences([school_id], remapped) == []
    with queries() as fresh_reads:
        assert shown(school_id, remapped) == found
    assert len(fresh_reads) == 1  # stamp and tallies, pupils included


def test_a_school_from_before_the_tallies_is_counted_live_then_rebuilt(app, school):
    """A school with no stamp (made before revision 0009) shows live figures; `flask coverage rebuild` stores
    them, and `--check` finds a corrupted tally or pupil count."""
    school_id = school.school.id

    def cli(*args):
        return app.test_cli_runner().invoke(args=list(args))

    factories.complete_lesson(school.pupil, "ks2-reliable")
    db.session.execute(sa.delete(CoverageTally))
    db.session.execute(sa.delete(CoverageStamp))
    db.session.commit()
    assert covered(school_id, "comp-ks2-5") == 1  # live
    assert tallies.stale_schools() == [school_id]
    result = cli("coverage", "rebuild")
    assert result.exit_code == 0 and "Recounted the coverage tallies of 1 school(s)." in result.output
    assert_in_step(school_id)
    assert cli("coverage", "rebuild", "--check").exit_code == 0
    db.session.execute(sa.update(CoverageTally).where(CoverageTally.statement_id == "comp-ks2-5").values(covered=9))
    db.session.commit()
    result = cli("coverage", "rebuild", "--check")
    assert result.exit_code == 1 and "comp-ks2-5: stored 9" in result.output
    assert cli("coverage", "rebuild", "--all").exit_code == 0
    assert covered(school_id, "comp-ks2-5") == 1
    db.session.execute(sa.update(CoverageStamp).values(pupils=99))
    db.session.commit()
    result = cli("coverage", "rebuild", "--check")
    assert result.exit_code == 1 and f"school {school_id}: stored 99 pupils, counted {live_pupils(school_id)}" \
        in result.output


def test_a_stamp_without_its_pupil_count_is_counted_live_until_rebuilt(app, school, queries):
    """A stamp with no pupil count (one from before revision 0010) makes the school stale: its pages count
    pupils and tallies live, never a missing figure, until the rebuild stores them; a fresh school's page then
    reads its stamp alone."""
    school_id = school.school.id
    factories.complete_lesson(school.pupil, "ks2-reliable")
    expected = shown(school_id)
    db.session.execute(sa.update(CoverageStamp).values(pupils=None))
    db.session.commit()
    assert tallies.stale_schools() == [school_id]
    with queries() as stale_reads:
        found = shown(school_id)
    assert found == expected == counted_live(school_id)
    assert len(stale_reads) == 4  # stamp, pupils, and the live count's two
    assert tallies.summaries_for_schools([school_id])[school_id][0].pupils == live_pupils(school_id)
    assert tallies.rebuild() == 1
    assert_in_step(school_id)
    with queries() as fresh_reads:
        assert shown(school_id) == expected
    assert len(fresh_reads) == 1


def test_the_school_coverage_page_reads_the_stored_tallies(client, school, sign_in, queries):
    """The admin's whole-school page shows a lesson a pupil finished, read from the tallies, not the completions."""
    factories.complete_lesson(school.pupil, "ks2-reliable")
    sign_in(client, school.admin)
    with queries() as statements:
        page = client.get("/teacher/coverage").get_data(as_text=True)
    assert any("coverage_tally" in s for s in statements)
    assert not any("lesson_progress" in s or "quiz_attempt" in s for s in statements)
    row = page.split(catalogue().statements["comp-ks2-5"].text)[1].split("</tr>")[0]
    assert "1 of 6" in row
    assert '<span class="statement-id">' in page and "R is for Reliable" in row  # cells as HTML, titles shown
