"""The scheme of work: checked coverage per year, pages per year group, Set this half term, a school's own order."""

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from esafety.content import catalogue
from esafety.content.loader import ContentError, load, scheme_required
from esafety.extensions import db
from esafety.models import Assignment, SchemePlacement

from . import factories

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def year3(school):
    """A Year 3 class taught by a new teacher, with two pupils."""
    teacher = factories.make_staff(school.school, "y3@test.example", teacher=True, name="Mr Three")
    school_class = factories.make_class(school.school, "Year 3 Elm", 3, teachers=[teacher], code="ELMY33")
    pupils = [factories.make_pupil(school_class, n, "T") for n in ("Gus", "Hana")]
    db.session.commit()
    return teacher, school_class, pupils


def test_every_year_covers_its_key_stages_required_statements(app):
    """Each of Years 1 to 6 covers every required RSHE 2025 and computing statement its key stage teaches."""
    content = catalogue()
    activities = {**content.lessons, **content.quizzes}
    for year in content.scheme.years:
        covered = {s for ids in year.half_terms for i in ids for s in activities[i].curriculum}
        required = scheme_required(content.statements, list(activities.values()), year.key_stage)
        assert required and required <= covered, year.year
        assert all(activities[i].key_stage == year.key_stage for ids in year.half_terms for i in ids)
    assert "rshe2025-osa-3" in scheme_required(content.statements, list(activities.values()), "KS2")


def _copy_content(tmp_path: Path) -> Path:
    """A copy of the content folders a test can break."""
    for folder in ("curriculum", "lessons", "quizzes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "static").symlink_to(ROOT / "static")
    return tmp_path


@pytest.mark.parametrize(("change", "reason"), [
    (lambda years: years[5].update(half_terms=[["ks2-safe"], ["ks2-tell"], ["ks2-reliable"], ["ks2-accepting"],
                                               ["ks2-meeting"], ["ks2-topic-ready-for-phone"]]),
     "years.6: the year does not cover required statement"),
    (lambda years: years[0]["half_terms"][0].append("ks2-safe"), "ks2-safe is KS2, Year 1 is KS1"),
    (lambda years: years[2]["half_terms"][0].append("no-such-lesson"), "no lesson or quiz no-such-lesson"),
    (lambda years: years[2]["half_terms"][1].append("ks2-safe"), "more than once in the year: ks2-safe"),
    (lambda years: years.pop(), "give each of Years 1 to 6 once"),
])
def test_a_broken_scheme_fails_the_content_check(tmp_path, change, reason):
    """A year that misses a required statement, mixes key stages, names an unknown or repeated activity, or a
    missing year, is refused with the reason."""
    root = _copy_content(tmp_path)
    path = root / "curriculum" / "scheme.yaml"
    data = yaml.safe_load(path.read_text())
    change(data["years"])
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ContentError) as error:
        load(root, check_reading_level=False)
    assert "curriculum/scheme.yaml" in str(error.value) and reason in str(error.value)


def test_year_page_shows_each_half_term_and_its_curriculum(client, school, sign_in):
    """The Year 5 page lists the six half terms, each with its activities and the statements they cover."""
    sign_in(client, school.teacher)
    text = client.get("/teacher/scheme/5").get_data(as_text=True)
    for name in ("Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"):
        assert f">{name}</h2>" in text
    first = catalogue().scheme.year(5).half_terms[0]
    autumn = text.split(">Autumn 1</h2>")[1].split(">Autumn 2</h2>")[0]
    for activity_id in first:
        assert catalogue().activity("lesson" if activity_id in catalogue().lessons else "quiz", activity_id).title \
            .replace("'", "&#39;") in autumn
    assert "RSHE 2025" in autumn and "Set this half term" in autumn
    assert "covers all" in text


def test_year3_teacher_sets_a_half_term_and_pupils_see_it(app, school, year3, sign_in):
    """One press sets Autumn 1's lessons and quizzes to the Year 3 class; its pupils see them as set work; a
    second press adds nothing."""
    teacher, school_class, pupils = year3
    client = app.test_client()
    sign_in(client, teacher)
    response = client.post("/teacher/scheme/3/1/set", data={"class_id": school_class.id})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/classes/{school_class.id}/work")
    autumn = catalogue().scheme.year(3).half_terms[0]
    set_ids = set(db.session.scalars(sa.select(Assignment.activity_id).where(Assignment.class_id == school_class.id)))
    assert set_ids == set(autumn)
    again = client.post("/teacher/scheme/3/1/set", data={"class_id": school_class.id}, follow_redirects=True)
    assert f"0 new pieces of work, {len(autumn)} already set" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)
                             .where(Assignment.class_id == school_class.id)) == len(autumn)
    pupil = app.test_client()
    sign_in(pupil, pupils[0])
    home = pupil.get("/pupil/").get_data(as_text=True)
    set_part = home.split("Your teacher has set you")[1].split("SMART lessons")[0]
    for activity_id in autumn:
        assert catalogue().lessons[activity_id].title.replace("'", "&#39;") in set_part


def test_a_teacher_cannot_set_a_half_term_to_another_teachers_class(app, school, year3, sign_in):
    """The Year 5 teacher cannot set Year 3 work, even naming the Year 3 class's id."""
    _, school_class, _ = year3
    client = app.test_client()
    sign_in(client, school.teacher)
    response = client.post("/teacher/scheme/3/1/set", data={"class_id": school_class.id})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)
                             .where(Assignment.class_id == school_class.id)) == 0


@pytest.mark.parametrize("path", ["/teacher/scheme/7", "/teacher/scheme/0", "/teacher/scheme/x"])
def test_unknown_years_are_not_found(client, school, sign_in, path):
    """Only Years 1 to 6 have a scheme."""
    sign_in(client, school.teacher)
    assert client.get(path).status_code == 404


def test_set_half_term_seven_is_not_found(client, school, sign_in):
    """There are six half terms."""
    sign_in(client, school.teacher)
    assert client.post("/teacher/scheme/5/7/set", data={"class_id": school.ks2.id}).status_code == 404


def _order_form(year_group: int, moves: dict) -> dict:
    """The reorder form for a year's suggested scheme, with some activities moved: {id: (half, position)}."""
    data = {}
    for half, ids in enumerate(catalogue().scheme.year(year_group).half_terms, 1):
        for position, activity_id in enumerate(ids, 1):
            data[f"half-{activity_id}"], data[f"pos-{activity_id}"] = moves.get(activity_id, (half, position))
    return data


def test_admin_reorders_the_schools_own_copy_and_setting_follows_it(app, school, year3, sign_in):
    """Moving a Summer 2 lesson to the top of Autumn 1 is saved for this school only, and Set this half term
    then sets it; going back to the suggested order removes the school's copy."""
    admin = app.test_client()
    sign_in(admin, school.admin)
    moved = catalogue().scheme.year(3).half_terms[5][0]
    response = admin.post("/teacher/scheme/3/order", data=_order_form(3, {moved: (1, 1)}))
    assert response.status_code == 302
    row = db.session.scalar(sa.select(SchemePlacement).where(SchemePlacement.activity_id == moved))
    assert (row.school_id, row.year_group, row.half_term, row.position) == (school.school.id, 3, 1, 1)
    page = admin.get("/teacher/scheme/3").get_data(as_text=True)
    autumn = page.split(">Autumn 1</h2>")[1].split(">Autumn 2</h2>")[0]
    assert catalogue().lessons[moved].title.replace("'", "&#39;") in autumn
    teacher, school_class, _ = year3
    client = app.test_client()
    sign_in(client, teacher)
    client.post("/teacher/scheme/3/1/set", data={"class_id": school_class.id})
    assert moved in set(db.session.scalars(sa.select(Assignment.activity_id)
                                           .where(Assignment.class_id == school_class.id)))
    other = factories.make_school("Other Primary")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchemePlacement)
                             .where(SchemePlacement.school_id == other.id)) == 0
    admin.post("/teacher/scheme/3/reset")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchemePlacement)) == 0


def test_teachers_cannot_reorder_and_bad_positions_are_refused(app, school, sign_in):
    """Only admins save the school's order; a position outside 1-20 is refused with a message, nothing saved."""
    teacher = app.test_client()
    sign_in(teacher, school.teacher)
    assert teacher.post("/teacher/scheme/5/order", data=_order_form(5, {})).status_code == 403
    admin = app.test_client()
    sign_in(admin, school.admin)
    first = catalogue().scheme.year(5).half_terms[0][0]
    response = admin.post("/teacher/scheme/5/order", data=_order_form(5, {first: (1, 99)}))
    assert response.status_code == 400 and "Give a number from 1 to 20." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchemePlacement)) == 0


def test_scheme_page_runs_a_fixed_number_of_queries(app, school, sign_in, queries):
    """The year page costs the same number of queries with a saved copy as without."""
    admin = app.test_client()
    sign_in(admin, school.admin)
    with queries() as before:
        admin.get("/teacher/scheme/5")
    admin.post("/teacher/scheme/5/order", data=_order_form(5, {}))
    with queries() as after:
        admin.get("/teacher/scheme/5")
    assert len(after) == len(before) <= 8
