"""Teacher views: classes, pupils, parent links and login cards."""

from datetime import timedelta

import segno
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import accounts, consent, linking, progress, throttle
from ..access import my_class_or_404, my_classes, my_pupil_or_404
from ..audit import record
from ..auth.forms import EmptyForm
from ..auth.pictures import wrong_pictures_today
from ..content import catalogue
from ..content.schema import SMART_NAMES
from ..extensions import db
from ..linking import new_code, withdraw_codes
from ..links import external_url
from ..models import SchoolClass, User, utcnow
from ..passcodes import PICTURES, new_card_token, new_passcode, token_hash
from ..roster import parse_roster
from . import bp
from .forms import ClassForm, CoTeacherForm, PupilForm, PupilsForm


# Classes --------------------------------------------------------------------------------------------------


def _home_page(form: ClassForm, status: int = 200):
    """The teacher's classes with pupil counts, and the add-a-class form."""
    classes = my_classes(include_archived=True)
    counts = accounts.active_pupil_counts(classes)
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
    school_class.teachers = [current_user.account]
    db.session.add(school_class)
    db.session.flush()
    record("class created", target=f"class:{school_class.id}")
    db.session.commit()
    flash(f"{school_class.name} is ready. Add your pupils next.", "info")
    return redirect(url_for("teacher.class_view", class_id=school_class.id))


@bp.get("/classes/<int:class_id>")
def class_view(class_id: int):
    """A class: its pupils, class code, co-teachers, and links to everything else."""
    school_class = my_class_or_404(class_id)
    pupils, answers, _ = consent.class_register(school_class)
    rename = ClassForm(obj=school_class)
    return render_template("teacher/class.html", school_class=school_class, pupils=pupils, rename=rename,
                           add_form=PupilsForm(), co_form=CoTeacherForm(), form=EmptyForm(),
                           targeted=wrong_pictures_today(pupils),
                           kept_out={p.id: consent.restrictions(answers[p.id]) for p in pupils})


@bp.post("/classes/<int:class_id>/rename")
def rename_class(class_id: int):
    """Rename a class or change its year group."""
    school_class = my_class_or_404(class_id)
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
    school_class = my_class_or_404(class_id)
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
    school_class = my_class_or_404(class_id)
    form = CoTeacherForm()
    colleague = None
    if form.validate_on_submit():
        colleague = accounts.colleague_by_email(current_user.school_id, form.email.data)
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
    school_class = my_class_or_404(class_id)
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
    item = my_pupil_or_404(pupil_id)
    form = PupilForm(obj=item)
    form.class_id.choices = [(c.id, c.name) for c in my_classes()]
    if request.method == "POST":
        if form.validate_on_submit():
            target = my_class_or_404(form.class_id.data)
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
    item = my_pupil_or_404(pupil_id)
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
    item = my_pupil_or_404(pupil_id)
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
    item = my_pupil_or_404(pupil_id)
    code = new_code(item, current_user)
    db.session.commit()
    return render_template("teacher/parent_code.html", pupil=item, code=code,
                           register_url=external_url("parents.register"))


@bp.post("/pupils/<int:pupil_id>/parents/<int:link_id>/remove")
def unlink_parent(pupil_id: int, link_id: int):
    """Remove a parent's or carer's link to this pupil: they stop seeing the child's learning at once."""
    item = my_pupil_or_404(pupil_id)
    if not linking.unlink(item, link_id, current_user):
        abort(404)  # no such link for this pupil
    db.session.commit()
    flash("That adult is no longer linked and can no longer see this pupil's learning.", "info")
    return redirect(url_for("teacher.pupil", pupil_id=item.id))


@bp.post("/pupils/<int:pupil_id>/parent-codes/withdraw")
def withdraw_parent_codes(pupil_id: int):
    """Withdraw every unused parent link code for this pupil."""
    item = my_pupil_or_404(pupil_id)
    count = withdraw_codes(item, current_user)
    db.session.commit()
    flash(f"{count} unused code{'s' if count != 1 else ''} withdrawn: they no longer work.", "info")
    return redirect(url_for("teacher.pupil", pupil_id=item.id))


@bp.post("/classes/<int:class_id>/pictures-unlock")
def unlock_pictures(class_id: int):
    """Let the class use picture sign-in again after it was paused for too many wrong pictures."""
    school_class = my_class_or_404(class_id)
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
    school_class = my_class_or_404(class_id)
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
