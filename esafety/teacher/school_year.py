"""Teacher (and admin) views for the school year: importing a class list from the MIS, and the photo and video
consent register of a class with its printable "do not photograph / do not name" list."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from .. import consent, schoolyear
from ..access import my_class_or_404, my_classes
from ..extensions import db
from ..models import MEDIA_PURPOSES, utcnow, year_name
from ..roster import FIELDS, MAX_BYTES, FileProblem, Table, auto_mapping, check_rows, mis_id_hash, read_csv, which_mis
from . import bp
from .forms import RosterPreviewForm, RosterUploadForm

bp.add_app_template_global(year_name)
PREVIEW_MAX_AGE = 3600  # seconds a preview can be confirmed for
SHOWN = 300  # rows listed per section of the preview; the counts are always complete


def _signer() -> URLSafeTimedSerializer:
    """Signs the file carried by the preview form, so a confirmed import is the file that was previewed."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="esafety roster import")


def _hasher():
    """The keyed hash of an MIS id for the user's school."""
    secret, school_id = current_app.config["SECRET_KEY"], current_user.school_id
    return lambda mis_id: mis_id_hash(secret, school_id, mis_id)


def _upload_page(form: RosterUploadForm, problem: str | None = None, status: int = 200):
    """The upload form, with what was wrong with the last file."""
    return render_template("teacher/import.html", form=form, problem=problem, fields=FIELDS,
                           classes=my_classes()), status


@bp.get("/import")
def import_roster_form():
    """Upload a class list exported from the MIS (Arbor, SIMS, Bromcom or ScholarPack)."""
    return _upload_page(RosterUploadForm())


def _preview(table: Table, form: RosterPreviewForm, mapping: dict, status: int = 200):
    """Check the rows against esafety and show what an import would do; nothing is written."""
    form.set_columns(table.headers)
    form.show(mapping)
    form.payload.data = _signer().dumps(table.as_payload())
    form.action.data = "preview"
    try:
        rows, problems = check_rows(table, mapping, _hasher())
    except FileProblem as error:
        return render_template("teacher/import_preview.html", table=table, form=form, plan=None,
                               problem=str(error), mis=which_mis(table.headers), shown=SHOWN), 400
    plan = schoolyear.plan_import(rows, problems, current_user)
    return render_template("teacher/import_preview.html", table=table, form=form, plan=plan, problem=None,
                           mis=which_mis(table.headers), shown=SHOWN), status


@bp.post("/import")
def import_roster():
    """Read the uploaded file and show the preview (or say what is wrong with the file)."""
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, status=400)
    upload = form.file.data
    data = upload.stream.read(MAX_BYTES + 1)  # enough to know it is too big
    try:
        table = read_csv(data, upload.filename or "")
    except FileProblem as error:
        return _upload_page(form, str(error), 400)
    return _preview(table, RosterPreviewForm(formdata=None), auto_mapping(table.headers))


@bp.post("/import/preview")
def import_preview():
    """Preview again with other columns chosen, or import what the preview showed."""
    form = RosterPreviewForm()
    try:
        table = Table.from_payload(_signer().loads(form.payload.data or "", max_age=PREVIEW_MAX_AGE))
    except (BadSignature, KeyError, TypeError, ValueError):
        return _upload_page(RosterUploadForm(formdata=None), "This preview has expired or was changed. Upload the "
                            "file again; nothing was imported.", 400)
    form.set_columns(table.headers)
    if not form.validate_on_submit():
        return _preview(table, form, auto_mapping(table.headers), 400)
    mapping = form.mapping(len(table.headers))
    if form.action.data != "import":
        return _preview(table, form, mapping)
    return _import(table, form, mapping)


def _import(table: Table, form: RosterPreviewForm, mapping: dict):
    """Import the previewed rows as mapped, once, and say what changed."""
    try:
        rows, problems = check_rows(table, mapping, _hasher())
    except FileProblem:
        return _preview(table, form, mapping, 400)
    plan = schoolyear.plan_import(rows, problems, current_user)
    if not plan.changes:
        flash("Nothing to change: every usable pupil in the file is already in esafety, in the right class.", "info")
        return redirect(url_for("teacher.home"))
    try:
        counts = schoolyear.apply_import(plan, current_user)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash("Someone else changed these pupils at the same moment. Nothing was imported; upload the file again.",
              "error")
        return redirect(url_for("teacher.import_roster_form"))
    flash(f"Imported: {counts['new']} new pupils, {counts['moved']} moved class, {counts['linked']} matched to "
          f"their MIS record, {counts['renamed']} names updated, {counts['classes']} new classes. "
          f"{counts['skipped']} rows were not usable and were left out.", "info")
    return redirect(url_for("teacher.home"))


# The consent register ---------------------------------------------------------------------------------------


@bp.get("/classes/<int:class_id>/consent")
def consent_register(class_id: int):
    """Photo and video consent for every pupil of the class, for this school year."""
    school_class = my_class_or_404(class_id)
    pupils, answers, school_year = consent.class_register(school_class)
    return render_template("teacher/consent.html", school_class=school_class, pupils=pupils, answers=answers,
                           purposes=MEDIA_PURPOSES, year=schoolyear.school_year_label(school_year))


@bp.get("/classes/<int:class_id>/consent/print")
def consent_print(class_id: int):
    """A printable list of the pupils who must not be photographed or named, and where."""
    school_class = my_class_or_404(class_id)
    pupils, answers, school_year = consent.class_register(school_class)
    kept_out = [(p, consent.restrictions(answers[p.id])) for p in pupils if consent.restrictions(answers[p.id])]
    return render_template("teacher/consent_print.html", school_class=school_class, kept_out=kept_out,
                           total=len(pupils), year=schoolyear.school_year_label(school_year),
                           printed=utcnow())
