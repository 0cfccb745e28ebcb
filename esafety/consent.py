"""The photo and video consent register: each pupil's yes or no for each use, renewed every school year.

An answer given for an earlier school year is "renewal due" and counts as not given, so staff never act on a
consent nobody has confirmed this year. A withdrawal is written at once; every page reads the register fresh.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from .audit import record
from .extensions import db
from .models import MEDIA_PURPOSES, SHORT_PURPOSES, MediaConsent, User, utcnow
from .signed_in import Person

YES, NO, DUE, MISSING = "yes", "no", "due", "missing"
WORDS = {YES: "Yes", NO: "No", DUE: "Not renewed", MISSING: "Not recorded"}


@dataclass(frozen=True)
class Answer:
    """One pupil's consent for one use, as staff and parents see it."""

    purpose: str
    status: str
    row: MediaConsent | None

    @property
    def allowed(self) -> bool:
        """Only a yes given for this school year allows the use."""
        return self.status == YES

    @property
    def words(self) -> str:
        """The status in words: Yes, No, Not renewed or Not recorded."""
        return WORDS[self.status]

    @property
    def label(self) -> str:
        """The use, short."""
        return SHORT_PURPOSES[self.purpose]


def status_of(row: MediaConsent | None, school_year: int) -> str:
    """Yes, no, renewal due (given for an earlier year) or never recorded."""
    if row is None:
        return MISSING
    if row.school_year < school_year:
        return DUE
    return YES if row.given else NO


def register(pupil_ids: list[int], school_year: int) -> dict[int, list[Answer]]:
    """Each pupil's answer for every use, in one query."""
    rows: dict[tuple[int, str], MediaConsent] = {}
    if pupil_ids:
        for row in db.session.scalars(sa.select(MediaConsent).where(MediaConsent.pupil_id.in_(pupil_ids))):
            rows[(row.pupil_id, row.purpose)] = row
    return {pid: [Answer(p, status_of(rows.get((pid, p)), school_year), rows.get((pid, p))) for p in MEDIA_PURPOSES]
            for pid in pupil_ids}


def needs_renewal(answers: list[Answer]) -> bool:
    """True when any use has not been answered for this school year."""
    return any(a.status in (DUE, MISSING) for a in answers)


def restrictions(answers: list[Answer]) -> list[Answer]:
    """The uses a pupil must be kept out of (anything not a yes for this year)."""
    return [a for a in answers if not a.allowed]


def record_answers(pupil: User, answers: dict[str, bool], by: Person, source: str, school_year: int) -> list[str]:
    """Save a parent's or the office's answers for this school year; audit each change. Returns the changes."""
    existing = {row.purpose: row for row in db.session.scalars(
        sa.select(MediaConsent).where(MediaConsent.pupil_id == pupil.id))}
    changes = []
    for purpose, given in answers.items():
        if purpose not in MEDIA_PURPOSES:
            continue
        row = existing.get(purpose)
        if row is not None and row.given == given and row.school_year >= school_year:
            continue
        if row is None:
            what = "given" if given else "refused"
            row = MediaConsent(pupil_id=pupil.id, purpose=purpose)
            db.session.add(row)
        elif row.given == given:
            what = "renewed" if given else "refusal renewed"
        else:
            what = "given" if given else "withdrawn"
        row.given, row.school_year, row.source = given, max(school_year, row.school_year or 0), source
        row.recorded_by_id, row.recorded_by_name, row.recorded_at = by.id, by.name[:100], utcnow()
        changes.append(f"{SHORT_PURPOSES[purpose]}: {what}")
        record(f"photo consent {what}", user=by, target=f"pupil:{pupil.id}",
               detail=f"{purpose}, {'by the parent' if source == 'parent' else 'paper form recorded by the office'}")
    db.session.flush()
    return changes


def class_register(school_class) -> tuple[list[User], dict[int, list[Answer]], int]:
    """A class's pupils with their consent answers for their school's current year (two queries)."""
    from .models import School
    from .progress import class_pupils

    pupils = class_pupils(school_class.id)
    school_year = db.session.scalar(sa.select(School.school_year).where(School.id == school_class.school_id))
    return pupils, register([p.id for p in pupils], school_year), school_year
