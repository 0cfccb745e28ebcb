"""The school year: importing class lists from the MIS, the September rollover, and leavers' data.

Each step is a plan (what would change, shown to the user) and an apply that writes it, so the preview and
the change can never disagree about what is counted.
"""

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from . import privacy
from .audit import record
from .extensions import db
from .models import (
    LEAVING_YEAR, RECEPTION, Rollover, School, SchoolClass, User, class_teacher, utcnow, year_name,
)
from .passcodes import new_passcode
from .roster import ImportRow, RowProblem
from .signed_in import Person

# Importing -------------------------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What importing a file would do: every usable row lands in exactly one list, every other in problems."""

    new: list[tuple[ImportRow, str]] = field(default_factory=list)
    unchanged: list[tuple[ImportRow, User]] = field(default_factory=list)
    linked: list[tuple[ImportRow, User]] = field(default_factory=list)
    moved: list[tuple[ImportRow, User, str, str]] = field(default_factory=list)
    renamed: list[tuple[ImportRow, User]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    new_classes: dict[str, int] = field(default_factory=dict)
    targets: dict[int, int | str] = field(default_factory=dict)  # line -> class id, or the new class's name

    @property
    def changes(self) -> int:
        """How many rows would change something."""
        return len(self.new) + len(self.linked) + len(self.moved) + len(self.renamed)


def _classes(school_id: int) -> list[SchoolClass]:
    """The school's current classes."""
    return list(db.session.scalars(sa.select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.archived_at.is_(None)).order_by(SchoolClass.name)))


def taught_class_ids(user: Person) -> set[int]:
    """The ids of the classes a teacher teaches."""
    return set(db.session.scalars(sa.select(class_teacher.c.class_id).where(class_teacher.c.user_id == user.id)))


def _find_class(classes: list[SchoolClass], name: str, year: int | None) -> SchoolClass | None:
    """The class a file names: the same name, else the one class of that year whose name has it as a word
    ("Rowan" finds "Year 5 Rowan")."""
    key = name.lower()
    exact = [c for c in classes if c.name.lower() == key]
    if exact:
        return exact[0]
    near = [c for c in classes if key in c.name.lower().split() and (year is None or c.year_group == year)]
    return near[0] if len(near) == 1 else None


def plan_import(rows: list[ImportRow], problems: list[RowProblem], user: Person) -> ImportPlan:
    """Match each row to a class and a pupil (by MIS id hash, else by name in that class) in four queries."""
    plan = ImportPlan(problems=list(problems))
    classes = _classes(user.school_id)
    names = {c.id: c.name for c in classes}
    allowed = None if user.is_admin else taught_class_ids(user)
    pupils = db.session.scalars(sa.select(User).where(User.school_id == user.school_id, User.kind == "pupil"))
    by_hash, unlinked = {}, {}
    for pupil in pupils:
        if pupil.mis_id_hash:
            by_hash[pupil.mis_id_hash] = pupil
        elif pupil.active and pupil.class_id:
            unlinked.setdefault((pupil.class_id, pupil.name.lower(), pupil.last_initial.upper()), []).append(pupil)
    for row in rows:
        target = _find_class(classes, row.class_name, row.year)
        if target is None:
            if allowed is not None:
                plan.problems.append(RowProblem(row.line, f"there is no class “{row.class_name}” that you teach "
                                                          "(an admin's import can create it)"))
                continue
            if row.year is None:
                plan.problems.append(RowProblem(row.line, f"no year group, needed to create “{row.class_name}”"))
                continue
            if plan.new_classes.setdefault(row.class_name, row.year) != row.year:
                plan.problems.append(RowProblem(row.line, f"“{row.class_name}” is {year_name(row.year)} here but "
                                                          f"{year_name(plan.new_classes[row.class_name])} above"))
                continue
        elif allowed is not None and target.id not in allowed:
            plan.problems.append(RowProblem(row.line, f"“{target.name}” is not one of your classes"))
            continue
        label = target.name if target else row.class_name
        pupil = by_hash.get(row.mis_hash)
        if pupil is None and target is not None:
            same = unlinked.get((target.id, row.first.lower(), row.initial), [])
            if len(same) == 1:
                plan.linked.append((row, same.pop()))
                plan.targets[row.line] = target.id
                continue
        if pupil is None:
            plan.new.append((row, label))
        elif not pupil.active:
            plan.problems.append(RowProblem(row.line, f"{pupil.display_name}'s account is closed (removed or left); "
                                                      "an import does not reopen it"))
            continue
        elif target is None or pupil.class_id != target.id:
            if allowed is not None and pupil.class_id not in allowed:
                plan.problems.append(RowProblem(row.line, f"{pupil.display_name} is in a class you do not teach; "
                                                          "ask an admin to move them"))
                continue
            plan.moved.append((row, pupil, names.get(pupil.class_id, "an archived class"), label))
        elif (pupil.name, pupil.last_initial) != (row.first, row.initial):
            plan.renamed.append((row, pupil))
        else:
            plan.unchanged.append((row, pupil))
        plan.targets[row.line] = target.id if target else row.class_name
    return plan


def apply_import(plan: ImportPlan, user: Person) -> dict[str, int]:
    """Write the plan: create classes and pupils, link, move and rename; one audit entry for the import."""
    created = {}
    for name, year in plan.new_classes.items():
        school_class = SchoolClass(school_id=user.school_id, name=name, year_group=year)
        db.session.add(school_class)
        created[name] = school_class
    db.session.flush()
    for name, school_class in created.items():
        record("class created", target=f"class:{school_class.id}", detail="roster import")

    def class_id(line: int) -> int:
        """The id of the class a row goes to."""
        target = plan.targets[line]
        return created[target].id if isinstance(target, str) else target

    if plan.new:  # one multi-row INSERT: a whole-school file adds thousands of pupils
        db.session.execute(sa.insert(User), [
            {"school_id": user.school_id, "kind": "pupil", "name": row.first, "last_initial": row.initial,
             "class_id": class_id(row.line), "mis_id_hash": row.mis_hash, "passcode": new_passcode()}
            for row, _ in plan.new])
    for row, pupil in plan.linked:
        pupil.mis_id_hash = row.mis_hash
    for row, pupil, _, _ in plan.moved:
        pupil.class_id = class_id(row.line)
        pupil.name, pupil.last_initial = row.first, row.initial
        record("pupil moved", target=f"pupil:{pupil.id}", detail=f"class:{pupil.class_id} (roster import)")
    for row, pupil in plan.renamed:
        pupil.name, pupil.last_initial = row.first, row.initial
    counts = {"new": len(plan.new), "linked": len(plan.linked), "moved": len(plan.moved),
              "renamed": len(plan.renamed), "classes": len(created), "skipped": len(plan.problems)}
    record("roster imported", target=f"school:{user.school_id}",
           detail=", ".join(f"{count} {what}" for what, count in counts.items()))
    db.session.flush()
    return counts


# The September rollover ------------------------------------------------------------------------------------

FIRST_RUN_MONTH_DAY = (6, 1)  # a school can prepare next year's classes from 1 June


def school_year_label(year: int) -> str:
    """2026 as "2026/27"."""
    return f"{year}/{(year + 1) % 100:02d}"


def next_name(name: str, year_group: int) -> str:
    """The class's name next year: a leading "Year 4" or "Reception" moves on; other names stay."""
    pattern = r"^(reception|rec)\b" if year_group == RECEPTION else rf"^(year\s*{year_group}|y{year_group})\b"
    return re.sub(pattern, year_name(year_group + 1), name, count=1, flags=re.I)


@dataclass
class ClassMove:
    """One class in the rollover: where it goes (None: it leaves) and who teaches it next year."""

    school_class: SchoolClass
    pupils: int
    new_year: int | None
    new_name: str
    default_teacher_ids: list[int]


@dataclass
class RolloverPlan:
    """What "new school year" would do, or why it cannot run now."""

    school: School
    target_year: int
    moves: list[ClassMove]
    leavers: int
    delete_after: date
    can_run_from: date
    teachers: list[User]
    done: Rollover | None = None  # the rollover into the school's current year, if it ran in esafety

    @property
    def can_run(self) -> bool:
        """True from 1 June of the year the next school year starts."""
        return utcnow().date() >= self.can_run_from


def plan_rollover(school: School) -> RolloverPlan:
    """Each current class moves up a year; Year 6 leave. Teachers stay with their year group by default."""
    target = school.school_year + 1
    classes = list(db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.archived_at.is_(None))
        .options(selectinload(SchoolClass.teachers)).order_by(SchoolClass.year_group, SchoolClass.name)))
    counts = dict(db.session.execute(
        sa.select(User.class_id, sa.func.count()).where(User.school_id == school.id, User.kind == "pupil",
                                                        User.active).group_by(User.class_id)).all())
    by_year: dict[int, list[SchoolClass]] = {}
    for school_class in classes:
        by_year.setdefault(school_class.year_group, []).append(school_class)
    moves = []
    for school_class in classes:
        if school_class.year_group >= LEAVING_YEAR:
            moves.append(ClassMove(school_class, counts.get(school_class.id, 0), None, school_class.name, []))
            continue
        new_year = school_class.year_group + 1
        now_there = by_year.get(new_year, [])
        teachers = now_there[0].teachers if len(now_there) == 1 and len(by_year.get(school_class.year_group, [])) == 1 \
            else school_class.teachers
        moves.append(ClassMove(school_class, counts.get(school_class.id, 0), new_year,
                               next_name(school_class.name, school_class.year_group), [t.id for t in teachers]))
    teachers = list(db.session.scalars(sa.select(User).where(
        User.school_id == school.id, User.kind == "staff", User.active, User.is_teacher | User.is_admin)
        .order_by(User.name)))
    done = db.session.scalar(sa.select(Rollover).where(Rollover.school_id == school.id,
                                                       Rollover.school_year == school.school_year))
    return RolloverPlan(
        school=school, target_year=target, moves=moves,
        leavers=sum(m.pupils for m in moves if m.new_year is None),
        delete_after=privacy.leaver_deletion_date(target),
        can_run_from=date(target, *FIRST_RUN_MONTH_DAY), teachers=teachers,
        done=done,
    )


def run_rollover(plan: RolloverPlan, by: Person, teacher_choice: dict[int, list[int]]) -> Rollover | None:
    """Move every class up, close the leavers' accounts and schedule their data for deletion. Runs once per
    school year: None (and nothing written) when this year's rollover has already run."""
    school = plan.school
    if db.session.scalar(sa.select(Rollover.id).where(Rollover.school_id == school.id,
                                                      Rollover.school_year == plan.target_year)):
        return None
    now = utcnow()
    staff = {t.id: t for t in plan.teachers}
    before: dict = {"school_year": school.school_year, "classes": {}, "leavers": []}
    leaving = [m.school_class.id for m in plan.moves if m.new_year is None]
    for move in plan.moves:
        school_class = move.school_class
        before["classes"][str(school_class.id)] = {
            "name": school_class.name, "year_group": school_class.year_group,
            "teachers": [t.id for t in school_class.teachers]}
        if move.new_year is None:
            school_class.archived_at = now
            continue
        school_class.year_group, school_class.name = move.new_year, move.new_name
        chosen = teacher_choice.get(school_class.id, move.default_teacher_ids)
        school_class.teachers = [staff[i] for i in chosen if i in staff]
    leavers = db.session.scalars(sa.select(User).where(User.class_id.in_(leaving), User.kind == "pupil",
                                                       User.active)).all() if leaving else []
    for pupil in leavers:
        before["leavers"].append({"id": pupil.id, "card": pupil.card_token_hash})
        pupil.active, pupil.card_token_hash, pupil.left_at = False, None, now
        pupil.delete_after = plan.delete_after
        pupil.end_sessions()
    school.school_year = plan.target_year
    rollover = Rollover(school_id=school.id, school_year=plan.target_year, run_at=now, run_by_id=by.id,
                        before=before)
    db.session.add(rollover)
    record("new school year", user=by, target=f"school:{school.id}",
           detail=f"{school_year_label(plan.target_year)}: {len(plan.moves) - len(leaving)} classes moved up, "
                  f"{len(leavers)} leavers closed, their data deleted after {plan.delete_after.isoformat()}")
    db.session.flush()
    return rollover


def undo_blocker(school: School) -> tuple[Rollover | None, str | None]:
    """This year's rollover, and why it can no longer be undone (None when it can)."""
    rollover = db.session.scalar(sa.select(Rollover).where(Rollover.school_id == school.id,
                                                           Rollover.school_year == school.school_year))
    if rollover is None:
        return None, "There is no rollover to undo."
    signed_in = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.school_id == school.id, User.kind == "pupil", User.last_sign_in_at > rollover.run_at))
    if signed_in:
        return rollover, (f"{signed_in} pupil{' has' if signed_in == 1 else 's have'} signed in since the new "
                          "school year started, so it can no longer be undone.")
    return rollover, None


def undo_rollover(school: School, by: Person) -> bool:
    """Put every class, teacher and leaver back as they were before this year's rollover (if still allowed)."""
    rollover, blocker = undo_blocker(school)
    if rollover is None or blocker:
        return False
    before = rollover.before
    ids = [int(i) for i in before["classes"]]
    classes = {c.id: c for c in db.session.scalars(sa.select(SchoolClass).where(SchoolClass.id.in_(ids)))}
    staff = {u.id: u for u in db.session.scalars(sa.select(User).where(
        User.school_id == school.id, User.kind == "staff"))}
    for class_id, was in before["classes"].items():
        school_class = classes.get(int(class_id))
        if school_class is None:
            continue
        school_class.name, school_class.year_group, school_class.archived_at = was["name"], was["year_group"], None
        school_class.teachers = [staff[i] for i in was["teachers"] if i in staff]
    leavers = {p["id"]: p for p in before["leavers"]}
    for pupil in db.session.scalars(sa.select(User).where(User.id.in_(list(leavers)))) if leavers else []:
        pupil.active, pupil.left_at, pupil.delete_after = True, None, None
        pupil.card_token_hash = leavers[pupil.id]["card"]
    school.school_year = before["school_year"]
    record("new school year undone", user=by, target=f"school:{school.id}",
           detail=f"back to {school_year_label(school.school_year)}")
    db.session.delete(rollover)
    db.session.flush()
    return True


# Leavers' data ---------------------------------------------------------------------------------------------


def delete_due_leavers(today: date) -> list[int]:
    """Delete every leaver whose retention period has ended (safeguarding records are kept); their ids."""
    due = db.session.scalars(sa.select(User).where(User.kind == "pupil", User.active.is_(False),
                                                   User.delete_after.is_not(None), User.delete_after <= today)
                             .order_by(User.id)).all()
    deleted = []
    for pupil in due:
        deleted.append(pupil.id)
        privacy.erase_pupil(pupil, by=None, reason=f"leaver, retention ended {pupil.delete_after.isoformat()}: ")
    db.session.flush()
    return deleted
