"""Teacher views: classes, pupils, login cards, set work, progress, misconceptions and coverage."""

import segno
import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from datetime import timedelta

from .. import linking, progress, throttle
from ..audit import record
from ..auth.forms import EmptyForm
from ..auth.pictures import wrong_pictures_today
from ..content import catalogue
from ..content.schema import SMART_NAMES
from ..extensions import db
from ..linking import new_code, withdraw_codes
from ..links import external_url
from ..baseline import GRADES, checks_for, class_report, rounds_of
from ..models import Assignment, CheckRound, SchoolClass, User, class_teacher, utcnow
from ..passcodes import PICTURES, new_card_token, new_passcode, token_hash
from ..roster import parse_roster
from . import bp
from .forms import (
    AssignForm, ClassForm, CoTeacherForm, FilterForm, FrameworkForm, GapLessonsForm, OpenCheckForm, PupilForm,
    PupilsForm,
)


def my_classes(include_archived: bool = False) -> list[SchoolClass]:
    """The classes this teacher teaches (admins: every class of their school)."""
    query = sa.select(SchoolClass).where(SchoolClass.school_id == current_user.school_id)
    if not current_user.is_admin:
        query = query.join(class_teacher, class_teacher.c.class_id == SchoolClass.id).where(
            class_teacher.c.user_id == current_user.id)
    if not include_archived:
        query = query.where(SchoolClass.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(SchoolClass.archived_at.is_not(None), SchoolClass.year_group,
                                                  SchoolClass.name)))


def class_or_404(class_id: int) -> SchoolClass:
    """One of this teacher's classes; 404 for any other (ids of other classes reveal nothing)."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != current_user.school_id:
        abort(404)
    if not current_user.is_admin and current_user.id not in {t.id for t in school_class.teachers}:
        abort(404)
    return school_class


def pupil_or_404(pupil_id: int) -> User:
    """A pupil in one of this teacher's classes; 404 otherwise."""
    pupil = db.session.get(User, pupil_id)
    if pupil is None or pupil.kind != "pupil" or pupil.class_id is None:
        abort(404)
    class_or_404(pupil.class_id)
    return pupil


def activities_for(key_stage: str) -> list:
    """The lessons and quizzes of a key stage, in the order pupils see them."""
    content = catalogue()
    return content.lessons_for(key_stage) + content.quizzes_for(key_stage)


def is_lesson(activity) -> bool:
    """True for a lesson, False for a quiz."""
    return hasattr(activity, "steps")


@bp.app_template_global()
def activity_kind(activity) -> str:
    """"lesson" or "quiz", for templates."""
    return "lesson" if is_lesson(activity) else "quiz"


# Classes --------------------------------------------------------------------------------------------------


def _home_page(form: ClassForm, status: int = 200):
    """The teacher's classes with pupil counts, and the add-a-class form."""
    classes = my_classes(include_archived=True)
    counts = dict(db.session.execute(
        sa.select(User.class_id, sa.func.count()).where(User.class_id.in_([c.id for c in classes]),
                                                        User.kind == "pupil", User.active).group_by(User.class_id)
    ).all()) if classes else {}
    return render_template("teacher/home.html", classes=classes, counts=counts, form=form), status


@bp.get("/")
def home():
    """The teacher's classes with pupil counts, and a form to add a class."""
    return _home_page(ClassForm())


@bp.post("/classes")
def create_class():
    """Create a class taught by this teacher."""
    form = ClassForm()
    if not form.validate_on_submit():
        return _home_page(form, 400)
    school_class = SchoolClass(school_id=current_user.school_id, name=form.name.data, year_group=form.year_group.data)
    school_class.teachers = [current_user]
    db.session.add(school_class)
    db.session.flush()
    record("class created", target=f"class:{school_class.id}")
    db.session.commit()
    flash(f"{school_class.name} is ready. Add your pupils next.", "info")
    return redirect(url_for("teacher.class_view", class_id=school_class.id))


@bp.get("/classes/<int:class_id>")
def class_view(class_id: int):
    """A class: its pupils, class code, co-teachers, and links to everything else."""
    school_class = class_or_404(class_id)
    pupils = progress.class_pupils(school_class.id)
    rename = ClassForm(obj=school_class)
    return render_template("teacher/class.html", school_class=school_class, pupils=pupils, rename=rename,
                           add_form=PupilsForm(), co_form=CoTeacherForm(), form=EmptyForm(),
                           targeted=wrong_pictures_today(pupils))


@bp.post("/classes/<int:class_id>/rename")
def rename_class(class_id: int):
    """Rename a class or change its year group."""
    school_class = class_or_404(class_id)
    form = ClassForm()
    if form.validate_on_submit():
        school_class.name, school_class.year_group = form.name.data, form.year_group.data
        record("class renamed", target=f"class:{school_class.id}")
        db.session.commit()
        flash("Class details saved.", "info")
    else:
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("teacher.class_view", class_id=school_class.id))


@bp.post("/classes/<int:class_id>/archive")
def archive_class(class_id: int):
    """Archive a class at the end of the year (its pupils can no longer sign in with its code), or restore it."""
    school_class = class_or_404(class_id)
    school_class.archived_at = None if school_class.archived_at else utcnow()
    if school_class.archived_at:
        for item in progress.class_pupils(school_class.id):
            item.end_sessions()  # nobody stays signed in to a class that has been archived
    record("class archived" if school_class.archived_at else "class restored", target=f"class:{school_class.id}")
    db.session.commit()
    flash(f"{school_class.name} {'archived' if school_class.archived_at else 'restored'}.", "info")
    return redirect(url_for("teacher.home"))


@bp.post("/classes/<int:class_id>/co-teachers")
def add_co_teacher(class_id: int):
    """Add a teacher from the same school to the class."""
    school_class = class_or_404(class_id)
    form = CoTeacherForm()
    colleague = None
    if form.validate_on_submit():
        colleague = db.session.scalar(sa.select(User).where(
            User.email == form.email.data.lower(), User.kind == "staff", User.school_id == current_user.school_id,
            User.active))
    if colleague is None or not (colleague.is_teacher or colleague.is_admin):
        flash("There is no teacher with that email address at this school.", "error")
    elif colleague in school_class.teachers:
        flash(f"{colleague.name} already teaches this class.", "info")
    else:
        school_class.teachers.append(colleague)
        record("co-teacher added", target=f"class:{school_class.id}", detail=f"user:{colleague.id}")
        db.session.commit()
        flash(f"{colleague.name} can now see and teach {school_class.name}.", "info")
    return redirect(url_for("teacher.class_view", class_id=school_class.id))


# Pupils ---------------------------------------------------------------------------------------------------


@bp.post("/classes/<int:class_id>/pupils")
def add_pupils(class_id: int):
    """Add pupils from a pasted list; each gets a random picture passcode."""
    school_class = class_or_404(class_id)
    form = PupilsForm()
    if not form.validate_on_submit():
        flash("Paste at least one name, one per line.", "error")
        return redirect(url_for("teacher.class_view", class_id=school_class.id))
    existing = {(p.name.lower(), p.last_initial.lower()) for p in progress.class_pupils(school_class.id)}
    added, notes = parse_roster(form.names.data, existing)
    for name, initial in added:
        pupil = User(school_id=school_class.school_id, kind="pupil", name=name, last_initial=initial,
                     class_id=school_class.id)
        pupil.set_passcode(new_passcode())
        db.session.add(pupil)
    record("pupils added", target=f"class:{school_class.id}", detail=str(len(added)))
    db.session.commit()
    flash(f"Added {len(added)} pupil{'s' if len(added) != 1 else ''}.", "info")
    for note in notes[:20]:
        flash(note, "error")
    return redirect(url_for("teacher.class_view", class_id=school_class.id))


@bp.route("/pupils/<int:pupil_id>", methods=["GET", "POST"])
def pupil(pupil_id: int):
    """A pupil: their record (lessons, attempts, understanding), and edit, move, reset or remove them."""
    item = pupil_or_404(pupil_id)
    form = PupilForm(obj=item)
    form.class_id.choices = [(c.id, c.name) for c in my_classes()]
    if request.method == "POST":
        if form.validate_on_submit():
            target = class_or_404(form.class_id.data)
            item.name, item.last_initial = form.name.data, (form.last_initial.data or "").upper()
            if target.id != item.class_id:
                record("pupil moved", target=f"pupil:{item.id}", detail=f"class:{target.id}")
            item.class_id = target.id
            db.session.commit()
            flash("Pupil details saved.", "info")
            return redirect(url_for("teacher.pupil", pupil_id=item.id))
    record_data = progress.pupil_record(item, catalogue())
    return render_template("teacher/pupil.html", pupil=item, form=form, record=record_data, action=EmptyForm(),
                           smart_names=SMART_NAMES, adults=linking.linked_adults(item),
                           unused_codes=linking.unused_codes(item)), 400 if form.errors else 200


@bp.post("/pupils/<int:pupil_id>/reset")
def reset_pupil(pupil_id: int):
    """Give a pupil new secret pictures and a new login card (the old card stops working)."""
    item = pupil_or_404(pupil_id)
    item.set_passcode(new_passcode())
    token = issue_card(item)
    item.end_sessions()
    withdraw_codes(item, current_user, "at reset")
    throttle.forgive("pupil", str(item.id))  # a lock-out from wrong pictures ends with the new pictures
    record("pupil reset", target=f"pupil:{item.id}")
    db.session.commit()
    return render_template("teacher/cards.html", school_class=item.school_class,
                           cards=[card_for(item, token)], single=True)


@bp.post("/pupils/<int:pupil_id>/remove")
def remove_pupil(pupil_id: int):
    """Take a pupil off the class list and stop them signing in (an admin can delete their data)."""
    item = pupil_or_404(pupil_id)
    class_id = item.class_id
    item.active = False
    item.card_token_hash = None
    item.end_sessions()
    withdraw_codes(item, current_user, "on leaving")
    record("pupil removed", target=f"pupil:{item.id}")
    db.session.commit()
    flash(f"{item.display_name} has been removed from the class and can no longer sign in.", "info")
    return redirect(url_for("teacher.class_view", class_id=class_id))


@bp.post("/pupils/<int:pupil_id>/parent-code")
def parent_code(pupil_id: int):
    """Make a one-time code a parent uses to link their account to this pupil."""
    item = pupil_or_404(pupil_id)
    code = new_code(item, current_user)
    db.session.commit()
    return render_template("teacher/parent_code.html", pupil=item, code=code,
                           register_url=external_url("parents.register"))


@bp.post("/pupils/<int:pupil_id>/parents/<int:link_id>/remove")
def unlink_parent(pupil_id: int, link_id: int):
    """Remove a parent's or carer's link to this pupil: they stop seeing the child's learning at once."""
    item = pupil_or_404(pupil_id)
    if not linking.unlink(item, link_id, current_user):
        abort(404)  # no such link for this pupil
    db.session.commit()
    flash("That adult is no longer linked and can no longer see this pupil's learning.", "info")
    return redirect(url_for("teacher.pupil", pupil_id=item.id))


@bp.post("/pupils/<int:pupil_id>/parent-codes/withdraw")
def withdraw_parent_codes(pupil_id: int):
    """Withdraw every unused parent link code for this pupil."""
    item = pupil_or_404(pupil_id)
    count = withdraw_codes(item, current_user)
    db.session.commit()
    flash(f"{count} unused code{'s' if count != 1 else ''} withdrawn: they no longer work.", "info")
    return redirect(url_for("teacher.pupil", pupil_id=item.id))


@bp.post("/classes/<int:class_id>/pictures-unlock")
def unlock_pictures(class_id: int):
    """Let the class use picture sign-in again after it was paused for too many wrong pictures."""
    school_class = class_or_404(class_id)
    throttle.forgive("class", str(school_class.id))
    record("class picture sign-in unlocked", target=f"class:{school_class.id}")
    db.session.commit()
    flash("Your class can sign in with their pictures again.", "info")
    return redirect(url_for("teacher.class_view", class_id=school_class.id))


# Login cards ----------------------------------------------------------------------------------------------


def issue_card(pupil: User) -> str:
    """A new login card token for the pupil (the old card stops working); it expires after a term."""
    token = new_card_token()
    pupil.card_token_hash = token_hash(token)
    pupil.card_expires_at = utcnow() + timedelta(days=current_app.config["CARD_LIFETIME_DAYS"])
    return token


def card_for(pupil: User, token: str) -> dict:
    """What one printed card shows: name, class code, pictures, and a QR code of the card link."""
    link = external_url("auth.card_login", token=token)
    return {
        "pupil": pupil,
        "pictures": (pupil.passcode or "").split("-"),
        "qr": segno.make(link, error="m").svg_inline(scale=3, border=2),
        "link": link,
    }


@bp.route("/classes/<int:class_id>/cards", methods=["GET", "POST"])
def cards(class_id: int):
    """Printable login cards. Making cards replaces every old card of the class (they stop working)."""
    school_class = class_or_404(class_id)
    form = EmptyForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("teacher/cards_confirm.html", school_class=school_class, form=form)
    made = []
    for item in progress.class_pupils(school_class.id):
        made.append(card_for(item, issue_card(item)))
        item.end_sessions()  # sessions opened with the old cards end with them
    record("login cards printed", target=f"class:{school_class.id}", detail=str(len(made)))
    db.session.commit()
    return render_template("teacher/cards.html", school_class=school_class, cards=made, pictures=PICTURES)


# Set work -------------------------------------------------------------------------------------------------


def set_activity(school_class: SchoolClass, kind: str, activity_id: str, due_on=None) -> Assignment:
    """Set a lesson or quiz for the class, or change the due date of work already set (the caller commits)."""
    exists = db.session.scalar(sa.select(Assignment).where(
        Assignment.class_id == school_class.id, Assignment.activity_kind == kind,
        Assignment.activity_id == activity_id))
    if exists:
        exists.due_on = due_on
        return exists
    assignment = Assignment(class_id=school_class.id, activity_kind=kind, activity_id=activity_id, due_on=due_on,
                            set_by_id=current_user.id)
    db.session.add(assignment)
    return assignment


@bp.route("/classes/<int:class_id>/work", methods=["GET", "POST"])
def work(class_id: int):
    """Set lessons and quizzes for the class, with an optional due date, and see who has done them."""
    school_class = class_or_404(class_id)
    activities = activities_for(school_class.key_stage)
    form = AssignForm()
    form.activity.choices = [(f"{activity_kind(a)}:{a.id}", f"{'Lesson' if is_lesson(a) else 'Quiz'}: {a.title}")
                             for a in activities]
    if form.validate_on_submit():
        kind, _, activity_id = form.activity.data.partition(":")
        set_activity(school_class, kind, activity_id, form.due_on.data)
        db.session.commit()
        flash("Work set. Pupils see it first on their home page.", "info")
        return redirect(url_for("teacher.work", class_id=school_class.id))
    grid = progress.class_grid(school_class.id, activities, catalogue())
    done = dict(zip((a.id for a in activities), grid.done_counts()))
    set_work = [(grid.assignments[a.id], a, done[a.id]) for a in activities if a.id in grid.assignments]
    return render_template("teacher/work.html", school_class=school_class, form=form, set_work=set_work,
                           pupils=len(grid.pupils), remove=EmptyForm()), 400 if form.errors else 200


@bp.post("/classes/<int:class_id>/work/<int:assignment_id>/remove")
def remove_work(class_id: int, assignment_id: int):
    """Stop setting a piece of work (pupils keep what they did)."""
    school_class = class_or_404(class_id)
    db.session.execute(sa.delete(Assignment).where(Assignment.id == assignment_id,
                                                   Assignment.class_id == school_class.id))
    db.session.commit()
    flash("That work is no longer set.", "info")
    return redirect(url_for("teacher.work", class_id=school_class.id))


# Progress, misconceptions, coverage -----------------------------------------------------------------------


def filtered_activities(school_class: SchoolClass, filters: FilterForm, assigned: set[str]) -> list:
    """The activities the grid shows, after the teacher's filters."""
    chosen = []
    for activity in activities_for(school_class.key_stage):
        if filters.smart.data and activity.smart != filters.smart.data:
            continue
        if filters.kind.data and activity_kind(activity) != filters.kind.data:
            continue
        if filters.set_only.data and activity.id not in assigned:
            continue
        chosen.append(activity)
    return chosen


def grid_for(school_class: SchoolClass):
    """The grid for the request's filters (shared by the page and the CSV export)."""
    filters = FilterForm(request.args)
    filters.validate()
    assigned = set(db.session.scalars(sa.select(Assignment.activity_id).where(Assignment.class_id == school_class.id)))
    activities = filtered_activities(school_class, filters, assigned)
    return filters, progress.class_grid(school_class.id, activities, catalogue())


@bp.get("/classes/<int:class_id>/progress")
def class_progress(class_id: int):
    """The class progress grid: pupils by activities, each cell in words, with filters."""
    school_class = class_or_404(class_id)
    filters, grid = grid_for(school_class)
    chart = progress.completions_by_week([p.id for p in grid.pupils])
    return render_template("teacher/progress.html", school_class=school_class, grid=grid, filters=filters,
                           chart=chart, chart_max=max([c for _, c in chart] + [1]))


@bp.get("/classes/<int:class_id>/misconceptions")
def misconceptions(class_id: int):
    """Which answers the class chose, wrong ones first, with the misconception and the lesson that helps."""
    school_class = class_or_404(class_id)
    pupils = progress.class_pupils(school_class.id)
    report = progress.class_misconceptions([p.id for p in pupils], catalogue().quizzes_for(school_class.key_stage))
    return render_template("teacher/misconceptions.html", school_class=school_class, report=report,
                           lessons=catalogue().lessons)


@bp.get("/classes/<int:class_id>/baseline")
def baseline(class_id: int):
    """Baseline and impact: per strand the class's shares at the baseline and now, who holds which misconception
    now, and the lessons that teach each gap (one click sets them)."""
    school_class = class_or_404(class_id)
    content = catalogue()
    checks = checks_for(content, school_class.key_stage)
    pupils = progress.class_pupils(school_class.id)
    reports = [class_report(school_class.id, pupils, quiz, content) for quiz in checks]
    form = OpenCheckForm()
    form.quiz.choices = [(q.id, q.title) for q in checks]
    return render_template("teacher/baseline.html", school_class=school_class, reports=reports, form=form,
                           set_lessons=GapLessonsForm(), grades=GRADES)


def _check_or_404(school_class: SchoolClass, quiz_id: str):
    """A What do I know? check of the class's key stage (404 for anything else)."""
    check = next((q for q in checks_for(catalogue(), school_class.key_stage) if q.id == quiz_id), None)
    if check is None:
        abort(404)
    return check


@bp.post("/classes/<int:class_id>/baseline/open")
def open_check(class_id: int):
    """Open a check to the class as its baseline or as a later check, and set it as work so pupils see it."""
    school_class = class_or_404(class_id)
    form = OpenCheckForm()
    form.quiz.choices = [(q.id, q.title) for q in checks_for(catalogue(), school_class.key_stage)]
    if not form.validate_on_submit():
        flash("Choose a check and whether it is the baseline or a later check.", "error")
        return redirect(url_for("teacher.baseline", class_id=school_class.id))
    check = _check_or_404(school_class, form.quiz.data)
    if form.stage.data == "later" and not rounds_of(school_class.id, check.id):
        flash("Open the baseline first: a later check is compared with it.", "error")
        return redirect(url_for("teacher.baseline", class_id=school_class.id))
    db.session.add(CheckRound(class_id=school_class.id, quiz_id=check.id, stage=form.stage.data,
                              opened_by_id=current_user.id))
    set_activity(school_class, "quiz", check.id)
    record("check opened", target=f"class:{school_class.id}", detail=f"{check.id} {form.stage.data}")
    db.session.commit()
    flash(f"“{check.title}” is open to the class as {'the baseline' if form.stage.data == 'baseline' else 'a later check'}"
          ". Pupils see it first on their home page.", "info")
    return redirect(url_for("teacher.baseline", class_id=school_class.id))


@bp.post("/classes/<int:class_id>/baseline/lessons")
def set_gap_lessons(class_id: int):
    """Set, in one click, the lessons that teach one strand of a check (as Set work does, one by one)."""
    school_class = class_or_404(class_id)
    form = GapLessonsForm()
    if not form.validate_on_submit():
        flash("Those lessons could not be set. Try again from this page.", "error")
        return redirect(url_for("teacher.baseline", class_id=school_class.id))
    check = _check_or_404(school_class, form.quiz.data)
    strand = next((r for r in class_report(school_class.id, [], check, catalogue()).strands
                   if r.strand == form.strand.data), None)
    if strand is None or not strand.lessons:
        flash("No lessons teach that strand yet.", "error")
        return redirect(url_for("teacher.baseline", class_id=school_class.id))
    for lesson in strand.lessons:
        set_activity(school_class, "lesson", lesson.id)
    db.session.commit()
    flash(f"Set {len(strand.lessons)} lesson{'s' if len(strand.lessons) != 1 else ''} for {strand.strand}: "
          + ", ".join(lesson.title for lesson in strand.lessons) + ".", "info")
    return redirect(url_for("teacher.baseline", class_id=school_class.id))


def chosen_frameworks() -> tuple[FrameworkForm, list]:
    """The frameworks a coverage page shows: those in force today, unless the teacher picked one version."""
    content = catalogue()
    form = FrameworkForm(content.frameworks, utcnow().date(), request.args)
    if request.args.get("framework") and not form.validate():
        flash("That framework is not one we know, so this page shows the frameworks in force today.", "error")
        form.framework.data = ""
    if form.framework.data:
        return form, [f for f in content.frameworks if f.key == form.framework.data]
    return form, progress.frameworks_in_force(content)


@bp.get("/classes/<int:class_id>/coverage")
def class_coverage(class_id: int):
    """Every statement of the chosen frameworks with the share of the class that completed an activity covering it."""
    school_class = class_or_404(class_id)
    form, frameworks = chosen_frameworks()
    pupils = progress.class_pupils(school_class.id)
    report = progress.coverage([p.id for p in pupils], catalogue(), school_class.key_stage, frameworks)
    return render_template("teacher/coverage.html", scope=school_class.name, school_class=school_class,
                           report=report, pupils=len(pupils), generated=utcnow(), titles=_titles(), form=form)


@bp.get("/coverage")
def school_coverage():
    """Whole-school coverage of the chosen frameworks, for admins and subject leads."""
    if not current_user.is_admin:
        abort(403)  # whole-school figures are for admins and subject leads
    form, frameworks = chosen_frameworks()
    pupils = list(db.session.scalars(sa.select(User.id).join(SchoolClass, SchoolClass.id == User.class_id).where(
        User.school_id == current_user.school_id, User.kind == "pupil", User.active,
        SchoolClass.archived_at.is_(None))))
    report = progress.coverage(pupils, catalogue(), frameworks=frameworks)
    return render_template("teacher/coverage.html", scope="the whole school", school_class=None, report=report,
                           pupils=len(pupils), generated=utcnow(), titles=_titles(), form=form)


def _titles() -> dict[str, str]:
    content = catalogue()
    return {**{k: v.title for k, v in content.lessons.items()}, **{k: v.title for k, v in content.quizzes.items()}}


from . import evidence, exports  # noqa: E402,F401  (CSV and evidence routes register on bp)
