"""School admin pages: the school's settings, and each pupil's data (export and deletion)."""

import json

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import accounts, consent, privacy, schoolyear
from ..access import school_pupil_or_404
from ..audit import record
from ..auth.forms import EmptyForm
from ..extensions import db
from ..models import School, year_name
from ..parents.forms import ConsentForm
from ..schoolhours import describe_minutes
from . import bp
from .deleting import delete_for_good
from . import forms as admin_forms
from .forms import SETTINGS_FIELDS, DeletePupilForm, PupilSearchForm, SchoolSettingsForm


@bp.get("/")
def home():
    """The admin's starting page."""
    return render_template("admin/home.html")


def my_school() -> School:
    """The admin's own school (404 if the account has none)."""
    school = current_user.school
    if school is None:
        abort(404)  # an admin account not attached to a school has nothing to manage
    return school


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Edit what parents are told on the public 'This school' page."""
    school = my_school()
    form = SchoolSettingsForm(obj=school)
    if form.validate_on_submit():
        changed = [name for name in SETTINGS_FIELDS if getattr(school, name) != form[name].data]
        for name in changed:
            setattr(school, name, form[name].data)
        record("school settings changed", target=f"school:{school.id}", detail=", ".join(changed) or "nothing changed")
        db.session.commit()
        flash("Saved. Parents see these on the 'This school' page (all but the headteacher's escalation contact).",
              "info")
        return redirect(url_for("admin.settings"))
    minutes = int(current_app.config["ESCALATE_AFTER_SCHOOL_MINUTES"])
    return render_template("admin/settings.html", form=form, escalate_after=describe_minutes(minutes)), \
        400 if form.errors else 200




@bp.get("/pupils")
def pupils():
    """Every pupil of the school, found by class and name, with links to their data."""
    classes = accounts.school_classes(current_user.school_id)
    form = PupilSearchForm(request.args)
    form.class_id.choices = [(0, "Every class")] + [
        (c.id, c.name + (" (archived)" if c.archived_at else "")) for c in classes]
    if not form.validate():
        form.class_id.data, form.name.data = 0, ""  # an unknown class or overlong name: show everyone
    rows = accounts.find_pupils(current_user.school_id, form.class_id.data, form.name.data or "")
    return render_template("admin/pupils.html", form=form, rows=rows,
                           filtered=bool(form.class_id.data or form.name.data))


@bp.get("/pupils/<int:pupil_id>")
def pupil_record(pupil_id: int):
    """Everything held about one pupil, as a page (the export is audited)."""
    pupil = school_pupil_or_404(pupil_id)
    data = privacy.pupil_record(pupil)
    record("pupil data exported", target=f"pupil:{pupil.id}", detail="page")
    db.session.commit()
    return render_template("admin/pupil_record.html", pupil_id=pupil_id, data=data,
                           filename=privacy.export_filename(pupil))


@bp.get("/pupils/<int:pupil_id>/export.json")
def pupil_export(pupil_id: int):
    """Everything held about one pupil, as a JSON download (audited)."""
    pupil = school_pupil_or_404(pupil_id)
    data = privacy.pupil_record(pupil)
    filename = privacy.export_filename(pupil)
    record("pupil data exported", target=f"pupil:{pupil.id}", detail="json")
    db.session.commit()
    return Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/pupils/<int:pupil_id>/delete", methods=["GET", "POST"])
def delete_pupil(pupil_id: int):
    """Confirm, then delete a pupil and their data; safeguarding records are kept and the page says so."""
    pupil = school_pupil_or_404(pupil_id)
    form = DeletePupilForm()
    if form.validate_on_submit():
        name = pupil.display_name
        if not delete_for_good(lambda: privacy.erase_pupil(pupil, by=current_user), f"pupil {pupil_id}"):
            return redirect(url_for("admin.delete_pupil", pupil_id=pupil_id))
        flash(f"{name}'s account and learning records have been deleted. Safeguarding records, if any, stay "
              f"with the DSL. {privacy.SAFEGUARDING_NOTE}", "info")
        return redirect(url_for("admin.pupils"))
    data = privacy.pupil_record(pupil)
    return render_template("admin/delete_pupil.html", pupil=pupil, data=data, form=form,
                           retention=privacy.SAFEGUARDING_NOTE), 400 if form.errors else 200


@bp.get("/privacy-register")
def privacy_register():
    """Every table and column esafety keeps, with its purpose, retention and what deleting a pupil does."""
    return render_template("admin/privacy_register.html", registry=privacy.REGISTRY)


# The new school year ----------------------------------------------------------------------------------------


@bp.route("/new-school-year", methods=["GET", "POST"])
def new_year():
    """Preview the September rollover, then run it: classes move up a year, Year 6 leave."""
    school = my_school()
    plan = schoolyear.plan_rollover(school)
    form = admin_forms.rollover_form(plan)
    if form.validate_on_submit():
        if form.target_year.data != str(plan.target_year) or not plan.can_run:
            flash(f"Nothing was changed: the school is already in {schoolyear.school_year_label(school.school_year)}.",
                  "info")
            return redirect(url_for("admin.new_year"))
        rollover = schoolyear.run_rollover(plan, current_user, admin_forms.teacher_choices(form, plan))
        db.session.commit()
        if rollover:
            flash(f"Welcome to {schoolyear.school_year_label(rollover.school_year)}. Every class has moved up; "
                  f"{plan.leavers} leavers' accounts are closed. Parents are asked to renew photo consent.", "info")
        return redirect(url_for("admin.new_year"))
    form.target_year.data = str(plan.target_year)
    _, blocker = schoolyear.undo_blocker(school)
    return render_template("admin/new_year.html", plan=plan, form=form, undo_form=EmptyForm(), blocker=blocker,
                           label=schoolyear.school_year_label, year_name=year_name,
                           retention=privacy.LEAVERS), 400 if form.errors else 200


@bp.post("/new-school-year/undo")
def undo_new_year():
    """Undo this year's rollover, while no pupil has signed in since it ran."""
    school = my_school()
    if not EmptyForm().validate_on_submit():
        abort(400)
    _, blocker = schoolyear.undo_blocker(school)
    if blocker:
        flash(blocker, "error")
    elif schoolyear.undo_rollover(school, current_user):
        db.session.commit()
        flash(f"Undone: the school is back in {schoolyear.school_year_label(school.school_year)}.", "info")
    return redirect(url_for("admin.new_year"))


# Photo and video consent from paper forms -------------------------------------------------------------------


@bp.route("/pupils/<int:pupil_id>/consent", methods=["GET", "POST"])
def pupil_consent(pupil_id: int):
    """Record the answers on a parent's paper consent form for this school year."""
    pupil = school_pupil_or_404(pupil_id)
    school = my_school()
    form = ConsentForm()
    if form.validate_on_submit():
        changes = consent.record_answers(pupil, form.answers(), current_user, "office", school.school_year)
        db.session.commit()
        flash(f"Saved for {pupil.display_name}: " + ("; ".join(changes) if changes else "no change") + ".", "info")
        return redirect(url_for("admin.pupil_consent", pupil_id=pupil.id))
    answers = consent.register([pupil.id], school.school_year)[pupil.id]
    if request.method == "GET":
        form.fill(answers)
    return render_template("admin/pupil_consent.html", pupil=pupil, form=form, answers=answers,
                           year=schoolyear.school_year_label(school.school_year)), 400 if form.errors else 200
