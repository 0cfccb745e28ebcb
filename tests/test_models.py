"""Database constraints hold whatever the app code does."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from esafety.extensions import db
from esafety.models import LessonProgress, SchoolClass, User, key_stage_for

from . import factories


def test_pupils_cannot_have_an_email(school):
    """The database refuses an email address on a pupil (data minimisation)."""
    pupil = school.pupil
    pupil.email = "child@example.com"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_adults_need_an_email(school):
    """Staff and parents sign in by email, so they must have one."""
    db.session.add(User(school_id=school.school.id, kind="staff", name="No Email"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_progress_row_per_pupil_and_lesson(school):
    """Lesson progress is unique per pupil and lesson, so a completion can never be recorded twice."""
    for _ in range(2):
        db.session.add(LessonProgress(pupil_id=school.pupil.id, lesson_id="ks2-safe", content_version=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("year", [-1, 7])
def test_year_group_is_primary(school, year):
    """Classes are Reception (0) to Year 6: nursery and secondary years are refused by the database."""
    db.session.add(SchoolClass(school_id=school.school.id, name="Not primary", year_group=year))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(SchoolClass(school_id=school.school.id, name="Reception Acorn", year_group=0))
    db.session.commit()


@pytest.mark.parametrize("year, stage", [(0, "KS1"), (1, "KS1"), (2, "KS1"), (3, "KS2"), (6, "KS2")])
def test_key_stage_follows_year_group(year, stage):
    """Reception uses the KS1 material with Years 1-2; Years 3-6 are KS2."""
    assert key_stage_for(year) == stage


def test_join_codes_are_unique_and_unambiguous(school):
    """Class codes avoid easily confused characters and never repeat."""
    codes = {factories.make_class(school.school, f"C{i}", 3).join_code for i in range(40)}
    assert len(codes) == 40
    assert not any(set(code) & set("O0I1L5S2Z8B") for code in codes)


def test_passwords_are_hashed_with_scrypt_or_pbkdf2(school):
    """No adult's password is stored in a form anyone could read back."""
    hashes = db.session.scalars(sa.select(User.password_hash).where(User.password_hash.is_not(None))).all()
    assert hashes and all(h.startswith(("scrypt:", "pbkdf2:")) for h in hashes)
    assert not any(factories.PASSWORD in h for h in hashes)
