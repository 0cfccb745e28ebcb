"""A school's own copy of the scheme of work (curriculum/scheme.yaml): where each activity sits, read and saved
in one query each, and the statements a half term covers."""

import sqlalchemy as sa

from .content import catalogue
from .content.schema import HALF_TERMS
from .extensions import db
from .models import SchemePlacement


def _placements(school_id: int, year_group: int) -> dict[str, SchemePlacement]:
    """The school's saved places for a year, by activity id (one query)."""
    return {row.activity_id: row for row in db.session.scalars(sa.select(SchemePlacement).where(
        SchemePlacement.school_id == school_id, SchemePlacement.year_group == year_group))}


def school_sequence(school_id: int, year_group: int) -> list[list]:
    """The school's own copy of a year's scheme: the activities of each half term, in order (one query).

    Without a saved copy it is the suggested one. A saved copy keeps its places; an activity the suggested
    scheme gained since goes at the end of its suggested half term, and one it lost is left out.
    """
    content = catalogue()
    activities = {**content.lessons, **content.quizzes}
    placed = {activity_id: (row.half_term, row.position) for activity_id, row in _placements(school_id,
                                                                                                year_group).items()}
    halves: list[list] = [[] for _ in HALF_TERMS]
    for index, ids in enumerate(content.scheme.year(year_group).half_terms):
        for order, activity_id in enumerate(ids):
            half, position = placed.get(activity_id, (index + 1, 1000 + order))
            halves[half - 1].append((position, index, order, activities[activity_id]))
    # Equal positions keep the suggested order (its half term, then its place there).
    return [[item[-1] for item in sorted(half, key=lambda item: item[:3])] for half in halves]


def covers(activities: list, frameworks: list) -> list:
    """The statements of these frameworks that the activities cover, in framework order."""
    ids = {s for activity in activities for s in activity.curriculum}
    return [(framework, statement) for framework in frameworks for statement in framework.statements
            if statement.id in ids]


def has_own_copy(school_id: int, year_group: int) -> bool:
    """Whether the school has saved its own order for a year."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(SchemePlacement).where(
        SchemePlacement.school_id == school_id, SchemePlacement.year_group == year_group)) > 0


def save_order(school_id: int, year_group: int, places: dict[str, tuple[int, int]]) -> None:
    """Keep the school's own place (half term, position) of each activity of a year."""
    rows = _placements(school_id, year_group)
    for activity_id, (half, position) in places.items():
        row = rows.get(activity_id)
        if row is None:
            db.session.add(SchemePlacement(school_id=school_id, year_group=year_group, activity_id=activity_id,
                                           half_term=half, position=position))
        else:
            row.half_term, row.position = half, position


def reset(school_id: int, year_group: int) -> None:
    """Forget the school's own order of a year: it follows the suggested scheme again."""
    db.session.execute(sa.delete(SchemePlacement).where(SchemePlacement.school_id == school_id,
                                                        SchemePlacement.year_group == year_group))
