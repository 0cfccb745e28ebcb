"""The bulk seeder (esafety/bulk_seed.py) that the benchmark and `flask demo --trust` write schools with."""

import sqlalchemy as sa

from esafety import bulk_seed, tallies
from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import CoverageStamp, CoverageTally, LessonProgress, School, User


def test_seed_school_reports_what_it_wrote_and_leaves_the_ids_free_for_the_app(app):
    """Two bulk-seeded schools: each SchoolInfo names its own school, pupils and staff as written (with the
    caller's email domain and slug), and afterwards the app can still add a school and a user of its own (on
    PostgreSQL the sequences were moved past the explicit ids); their coverage tallies are counted."""
    connection = db.session.connection()
    first = bulk_seed.seed_school(connection, catalogue(), name="First Bulk School", class_sizes=[5, 4], seed=3)
    second = bulk_seed.seed_school(connection, catalogue(), name="Second Bulk School", class_sizes=[6], seed=4,
                                   email_domain="trust.example", slug="second")
    bulk_seed.after_bulk_seed(connection, [first.id, second.id])
    db.session.commit()
    for info in (first, second):
        assert db.session.get(School, info.id).name == info.name
        pupils = db.session.scalars(sa.select(User.id).where(User.school_id == info.id, User.kind == "pupil")).all()
        assert sorted(pupils) == sorted(p.id for p in info.pupils)
    assert (len(first.pupils), len(second.pupils)) == (9, 6)
    assert second.classes[0].teacher_email == "teacher1@second.trust.example"
    assert first.admins[0][0] == f"admin1@s{first.id}.bench.example"
    done = db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress).join(
        User, User.id == LessonProgress.pupil_id).where(User.school_id == second.id))
    assert done > 0
    # Their coverage tallies were counted with them: fresh, and equal to a live count.
    assert tallies.stale_schools() == [] and tallies.differences([first.id, second.id]) == []
    assert [db.session.get(CoverageStamp, info.id).pupils for info in (first, second)] == [9, 6]
    assert db.session.scalar(sa.select(sa.func.sum(CoverageTally.covered)).where(CoverageTally.school_id == second.id))
    school = School(name="Added Later")
    db.session.add(school)
    db.session.flush()
    user = User(kind="staff", school_id=school.id, name="Added Later", email="later@example.org")
    db.session.add(user)
    db.session.commit()
    assert school.id > second.id and user.id > max(p.id for p in second.pupils)
