"""Curriculum frameworks with dates and confirmation levels, coverage derived from completions, and the evidence page."""

import csv
import dataclasses
import io
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from esafety import progress, tallies
from esafety.content import catalogue
from esafety.content.loader import ContentError, load
from esafety.extensions import db
from esafety.models import LessonProgress

from . import factories

ROOT = Path(__file__).resolve().parent.parent
ONLINE_2025 = (
    [f"rshe2025-osa-{n}" for n in range(1, 7)] + [f"rshe2025-wo-{n}" for n in range(1, 12)]
    + [f"rshe2025-bs-{n}" for n in range(1, 8)]
    + ["rshe2025-rkr-9", "rshe2025-rkr-11", "rshe2025-cf-7", "rshe2025-gw-7", "rshe2025-gw-9", "rshe2025-hpp-3",
       "rshe2025-bfa-1"]
)


@pytest.fixture
def admin(client, school, sign_in):
    """A client signed in as the school's admin (the subject lead)."""
    sign_in(client, school.admin)
    return client


def _csv(response) -> list[list[str]]:
    """The rows of a CSV download."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_content_check_json_lists_every_rshe_2025_statement_as_required_and_taught(app):
    """`flask content check --json` lists each listed 2025 statement, required, and a lesson or quiz teaches each."""
    result = app.test_cli_runner().invoke(args=["content", "check", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    listed = {s["id"]: s for s in data["curriculum"] if s["framework"] == "rshe" and s["version"] == "2025"}
    assert sorted(listed) == sorted(ONLINE_2025)
    assert all(s["required"] and s["confirmation"] in ("secondary", "secondary-x2") for s in listed.values())
    taught = {c for activity in data["lessons"] + data["quizzes"] for c in activity["curriculum"]}
    assert set(ONLINE_2025) <= taught


def test_2025_text_is_the_reference_wording():
    """Each 2025 statement's text is word for word the text in the shared reference file."""
    reference = Path("/work/shared/reference/curriculum_2025.md")
    if not reference.exists():
        pytest.skip("the shared reference file is not on this machine")
    ours = {s["id"]: s["text"] for s in yaml.safe_load((ROOT / "curriculum" / "rshe-2025.yaml").read_text())["statements"]}
    text = reference.read_text()
    for statement_id, words in ours.items():
        assert f'text: "{words}"' in text, statement_id


def _copy_content(tmp_path: Path) -> Path:
    """A copy of the content folders a test can break."""
    for folder in ("curriculum", "lessons", "quizzes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "static").symlink_to(ROOT / "static")
    return tmp_path


def test_a_required_statement_no_activity_teaches_fails_the_check(tmp_path):
    """Removing the only mapping of a required 2025 statement makes the content check fail, naming it."""
    root = _copy_content(tmp_path)
    teachers = []
    for path in list(root.glob("lessons/ks*/*.yaml")) + list(root.rglob("quizzes/**/*.yaml")):
        data = yaml.safe_load(path.read_text())
        if "rshe2025-bfa-1" in (data.get("curriculum") or []):
            teachers.append(path)
            path.write_text(path.read_text().replace("  - rshe2025-bfa-1\n", ""))
    assert teachers, "some activity teaches rshe2025-bfa-1"
    with pytest.raises(ContentError) as error:
        load(root, check_reading_level=False)
    assert "required statement rshe2025-bfa-1" in str(error.value)


def test_a_framework_superseded_before_it_began_is_refused(tmp_path):
    """A framework whose superseded_on is not after its in_force_from is refused with the field named."""
    root = _copy_content(tmp_path)
    path = root / "curriculum" / "rshe-2019.yaml"
    path.write_text(path.read_text().replace("superseded_on: 2026-09-01", "superseded_on: 2019-01-01"))
    with pytest.raises(ContentError) as error:
        load(root, check_reading_level=False)
    assert "superseded_on must be after in_force_from" in str(error.value)


def test_frameworks_in_force_follow_their_dates(app):
    """On 1 December 2026: computing 2013, EfCW 2020 and RSHE 2025; on 31 August 2026 RSHE 2019 instead of 2025."""
    content = catalogue()
    assert {f.key for f in progress.frameworks_in_force(content, date(2026, 12, 1))} == {
        "computing-2013", "ecacw-2020", "rshe-2025"}
    assert {f.key for f in progress.frameworks_in_force(content, date(2026, 8, 31))} == {
        "computing-2013", "ecacw-2020", "rshe-2019"}
    rshe2019 = next(f for f in content.frameworks if f.key == "rshe-2019")
    assert rshe2019.superseded_on == date(2026, 9, 1)
    assert {"rshe2019-bs-3", "rshe2019-mw-bullying", "rshe2019-mw-support"} <= {s.id for s in rshe2019.statements}


def test_class_coverage_shows_rshe_2025_by_default_and_2019_on_request(client, school, sign_in):
    """The class page shows the frameworks in force today; RSHE 2019 can be chosen; an unknown one gets a message."""
    sign_in(client, school.teacher)
    page = client.get(f"/teacher/classes/{school.ks2.id}/coverage").get_data(as_text=True)
    assert "Relationships Education and Health Education (primary) (2025)" in page
    assert "Online safety and awareness 3" in page and "Strand headings not confirmed" in page
    assert "rshe2019" not in page and "(2019)" not in page.split("<option")[-1].split("</select>")[-1]
    old = client.get(f"/teacher/classes/{school.ks2.id}/coverage?framework=rshe-2019").get_data(as_text=True)
    assert "Internet safety and harms" in old and "Online safety and awareness 3" not in old
    assert "superseded on 1 September 2026" in old
    odd = client.get(f"/teacher/classes/{school.ks2.id}/coverage?framework=rshe-1999")
    assert odd.status_code == 200 and "not one we know" in odd.get_data(as_text=True)


def test_a_completion_recorded_before_a_remap_counts_for_the_new_statement(app, school):
    """A lesson completed at an older version, before it taught BFA-1, covers BFA-1 now; the row is not rewritten."""
    lesson = catalogue().lessons["ks2-tell"]
    assert lesson.version >= 2 and "rshe2025-bfa-1" in lesson.curriculum
    db.session.add(LessonProgress(pupil_id=school.pupil.id, lesson_id="ks2-tell", content_version=1,
                                  step=len(lesson.steps) - 2, completed_at=datetime(2026, 6, 10, 14, 0)))
    db.session.commit()
    ids = [p.id for p in school.ks2_pupils]
    rows = {r.statement.id: r for _, found in progress.coverage(ids, catalogue(), "KS2") for r in found}
    assert rows["rshe2025-bfa-1"].covered == 1 and rows["rshe2025-bfa-1"].first == datetime(2026, 6, 10, 14, 0)
    assert rows["rshe2025-hpp-3"].covered == 0  # ks2-tell does not teach sleep
    # Re-map the lesson to a statement it did not cover: the same row now counts for it.
    remapped = dataclasses.replace(catalogue(), lessons={
        **catalogue().lessons, "ks2-tell": lesson.model_copy(update={"curriculum": lesson.curriculum + ("rshe2025-hpp-3",)})})
    rows = {r.statement.id: r for _, found in progress.coverage(ids, remapped, "KS2") for r in found}
    assert rows["rshe2025-hpp-3"].covered == 1
    assert db.session.get(LessonProgress, 1).content_version == 1


def test_evidence_page_lists_every_statement_with_activities_share_and_dates(admin, school):
    """Year 5 against RSHE 2025: every statement, the activities teaching it, the share covered and when; CSV agrees."""
    factories.complete_lesson(school.pupil, "ks2-topic-screen-time")
    page = admin.get("/teacher/evidence?year=5&framework=rshe-2025").get_data(as_text=True)
    for statement in (catalogue().statements[i] for i in ONLINE_2025):
        assert f'<span class="statement-id">{statement.reference}</span>' in page, statement.id
    assert page.split("<tbody>")[1].split("</tbody>")[0].count("<tr") == len(ONLINE_2025)
    assert "Test Primary: Year 5, RSHE 2025" in page and "Screen time and a healthy balance" in page
    assert "1 of 3 (33%)" in page and "0 of 3 (0%)" in page and "Latest" in page
    rows = _csv(admin.get("/teacher/evidence.csv?year=5&framework=rshe-2025"))
    assert [r[2] for r in rows[1:]] == ONLINE_2025
    sleep = next(r for r in rows if r[2] == "rshe2025-hpp-3")
    assert sleep[8:11] == ["1", "3", "33%"] and sleep[11] == sleep[12] != ""
    report = next(r for r in rows if r[2] == "rshe2025-bfa-1")
    assert report[8:11] == ["0", "3", "0%"] and "T is for Tell" in report[7]


def test_evidence_for_year_1_counts_ks1_activities_only(admin, school):
    """Year 1 has no pupils in this school and is measured against KS1 activities; EfCW 7-11 rows are not shown."""
    rows = _csv(admin.get("/teacher/evidence.csv?year=1&framework=ecacw-2020"))
    assert rows[1:] and all(r[9] == "0" for r in rows[1:])
    assert not any("7-11" in r[2] for r in rows[1:])
    ks2_titles = {a.title for a in (*catalogue().lessons.values(), *catalogue().quizzes.values()) if a.key_stage == "KS2"}
    assert not any(title in ks2_titles for r in rows[1:] for title in r[7].split("; "))
    assert any(r[7] for r in rows[1:])


@pytest.mark.parametrize("query", ["year=7&framework=rshe-2025", "year=five", "framework=nope"])
def test_evidence_refuses_a_year_or_framework_not_on_the_list(admin, school, query):
    """A year outside 1-6 or an unknown framework gets a 400 page that says what to choose."""
    response = admin.get(f"/teacher/evidence?{query}")
    assert response.status_code == 400
    assert "Choose a year group from Year 1 to Year 6" in response.get_data(as_text=True)
    assert admin.get(f"/teacher/evidence.csv?{query}").status_code == 400


def test_evidence_page_uses_a_fixed_number_of_queries(admin, school, queries):
    """The evidence page runs the same number of queries for a year group of 3 pupils and of 63."""
    counts = []
    for extra in (0, 60):
        if extra:
            big = factories.make_class(school.school, "Year 5 Elm", 5)
            for i in range(extra):
                pupil = factories.make_pupil(big, f"P{i}", "M")
                db.session.flush()
                if i % 2:
                    factories.complete_lesson(pupil, "ks2-safe")
            db.session.commit()
        with queries() as statements:
            assert admin.get("/teacher/evidence?year=5&framework=rshe-2025").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


CORRECTED_ECACW = {  # the seven statements whose words differed from the 2020 text, as seen on Roman Way / BBC pages
    "ecacw-rel-7-11-2": "including what information and content they are trusted with.",
    "ecacw-rep-7-11-2": "I can describe ways that information about anyone online",
    "ecacw-info-7-11-1": "I can demonstrate how to use key phrases in search engines to gather accurate information online.",
    "ecacw-info-7-11-3": "I can explain what is meant by fake news e.g. why some people will create stories",
    "ecacw-health-7-11-1": "I can give some examples of both positive and negative activities",
    "ecacw-privacy-7-11-1": "I can explain that if they are not sure or feel pressured then they should tell a trusted adult.",
    "ecacw-copyright-4-7-3": "under a suitable title or name so that",
}


def test_efcw_is_corrected_confirmed_where_seen_and_has_a_core_per_strand_and_band(app):
    """The seven corrected EfCW statements read as published; unconfirmed ones say so; every taught strand and band has a required statement."""
    content = catalogue()
    efcw = content.frameworks_by_key["ecacw-2020"]
    for statement_id, words in CORRECTED_ECACW.items():
        statement = content.statements[statement_id]
        assert words in statement.text and statement.source.startswith("https://"), statement_id
    assert content.statements["ecacw-info-7-11-3"].level == "partial"
    assert content.statements["ecacw-self-7-11-1"].level == "unconfirmed"
    assert sum(s.level.startswith("secondary") for s in efcw.statements) >= 40
    cells = {(s.strand, s.age_band) for s in efcw.statements}
    required = {(s.strand, s.age_band) for s in efcw.statements if s.required}
    assert cells - required == set()  # the copyright strand too, now that a lesson teaches it at each band


def test_unconfirmed_wording_is_marked_on_the_coverage_page(client, school, sign_in):
    """An EfCW statement whose wording is recalled is shown with 'not yet confirmed'; a confirmed one with its level."""
    sign_in(client, school.teacher)
    page = client.get(f"/teacher/classes/{school.ks2.id}/coverage?framework=ecacw-2020").get_data(as_text=True)
    row = page.split("I can explain how my online identity can be different to my offline identity.")[1][:200]
    assert "Wording not yet confirmed against the official document" in row
    row = page.split("I can explain how to block abusive users.")[1][:200]
    assert "Wording as in one copy of the official text" in row


def test_coverage_for_schools_answers_each_school_as_its_own_page_would(app, school, queries):
    """Many schools in one query (their stored pupils and tallies): each school's figures are coverage() of its own active
    pupils in classes not archived, and a school without pupils is all 0 of 0."""
    other = factories.make_school("Other Primary")
    other_class = factories.make_class(other, "Year 6 Elm", 6)
    other_pupils = [factories.make_pupil(other_class, n, "M") for n in ("Gus", "Hana")]
    empty = factories.make_school("Empty Primary")
    archived = factories.make_class(school.school, "Year 4 Old", 4)
    gone = factories.make_pupil(archived, "Ivo", "N")
    archived.archived_at = datetime(2026, 7, 20)
    db.session.commit()
    factories.complete_lesson(school.pupil, "ks2-reliable")
    factories.complete_lesson(school.ks1_pupil, "ks1-tell")
    factories.complete_lesson(other_pupils[0], "ks2-reliable")
    factories.complete_lesson(gone, "ks2-reliable")  # an archived class's pupil is not counted
    ids = [p.id for p in school.ks1_pupils + school.ks2_pupils]
    school_ids = [school.school.id, other.id, empty.id]
    with queries() as statements:
        found = tallies.coverage_for_schools(school_ids, catalogue())
    assert len(statements) == 1, statements

    def figures(report):
        return [(s.statement.id, s.covered, s.pupils, s.activities, s.first, s.last) for _, rows in report for s in rows]

    assert figures(found[school.school.id]) == figures(progress.coverage(ids, catalogue()))
    assert figures(found[other.id]) == figures(progress.coverage([p.id for p in other_pupils], catalogue()))
    reliable = {s.statement.id: s for _, rows in found[school.school.id] for s in rows}["comp-ks2-5"]
    assert (reliable.covered, reliable.pupils) == (1, 6)
    assert progress.pupils_counted(found[empty.id]) == 0
    assert all(s.covered == 0 for _, rows in found[empty.id] for s in rows)
