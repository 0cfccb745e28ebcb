"""Casework: a pupil's chronology, and exports of a concern or a chronology (PDF and CSV) for the school's own
safeguarding system (CPOMS, MyConcern...). DSL only, like everything in this blueprint; every view and export
is audited on each concern it shows.

Each export carries a SHA-256 of its content: the CSV rows, as exported (the CSV's last line holds it, and
the PDF prints the same value). The export time is not part of that content, so exporting the same record
again later gives the same hash while the record is unchanged, and any added entry changes it.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import Response, render_template
from flask_login import current_user
from markupsafe import escape

from .. import concerns, csvexport
from ..access import dsl_concern_or_404, school_pupil_or_404
from ..audit import record
from ..extensions import db
from ..models import CONCERN_ACTIONS, CONCERN_CATEGORIES, CONCERN_URGENCIES, ConcernEntry, utcnow
from ..pdf import PdfUnavailable, print_pdf
from . import bp

HEADER = ["Concern", "Pupil", "Class", "Reported (UTC)", "From", "What", "Status now", "Urgency now", "Entry",
          "Entry time (UTC)", "Kind of entry", "Written by", "Status set", "Urgency set", "Action", "Text", "Reason",
          "Corrects entry"]
WHEN = "%Y-%m-%d %H:%M:%S"


def entry_label(entry: ConcernEntry, source: str) -> str:
    """What an entry is, in words: the concern page, the chronology and the exports say it the same way."""
    if entry.kind == "words":
        return "The child's own words" if source == "pupil" else "What was seen or heard"
    if entry.kind == "action":
        return f"Action: {CONCERN_ACTIONS.get(entry.action, entry.action)}"
    if entry.kind == "status":
        return f"Status: {concerns.STATUSES.get(entry.status, entry.status)}"
    if entry.kind == "urgency":
        return f"Urgency: {CONCERN_URGENCIES.get(entry.urgency, entry.urgency).split(':')[0]}"
    return "Correction" if entry.kind == "correction" else "Note"


@dataclass(frozen=True)
class Document:
    """What an export holds: the chronology (of one or more concerns), its CSV text and the hash of it."""

    title: str
    chronology: concerns.Chronology
    numbers: dict[int, int]
    csv: str
    sha256: str


def _numbers(chronology: concerns.Chronology) -> dict[int, int]:
    """Each entry's number within its own concern, as the concern page numbers them."""
    return {e.id: i for item in chronology.items for i, e in enumerate(item.concern.entries, start=1)}


def _rows(chronology: concerns.Chronology, numbers: dict[int, int]):
    """One CSV row per entry, in date order, each with the facts of its concern."""
    current = {item.concern.id: item for item in chronology.items}
    for entry, concern in chronology.entries:
        item = current[concern.id]
        yield [
            concern.id, concern.pupil_name, concern.class_name, concern.created_at.strftime(WHEN),
            "Pupil (Tell)" if concern.source == "pupil" else f"{concern.reporter_name} (staff)",
            CONCERN_CATEGORIES.get(concern.category, concern.category), concerns.STATUSES[item.status],
            CONCERN_URGENCIES[item.urgency].split(":")[0] if item.urgency else "Not set",
            numbers[entry.id], entry.at.strftime(WHEN), entry_label(entry, concern.source), entry.author_name,
            entry.status or "", entry.urgency or "", CONCERN_ACTIONS.get(entry.action, "") if entry.action else "",
            entry.text, entry.reason, numbers.get(entry.corrects_id, "") if entry.corrects_id else "",
        ]


def document(title: str, chronology: concerns.Chronology) -> Document:
    """Build the export's content and its hash."""
    numbers = _numbers(chronology)
    text = csvexport.render(HEADER, _rows(chronology, numbers))
    return Document(title, chronology, numbers, text, csvexport.sha256(text))


def _single(concern_id: int) -> concerns.Chronology:
    """One concern of the DSL's school, shaped as a chronology of one."""
    item = dsl_concern_or_404(concern_id)
    entries = [(e, item) for e in sorted(item.entries, key=lambda e: (e.at, e.id))]
    return concerns.Chronology(item.pupil_id or 0, item.pupil_name, item.class_name,
                               [concerns.ChronologyItem(item, concerns.status_of(item), concerns.urgency_of(item))],
                               entries)


def pupil_chronology(pupil_id: int) -> concerns.Chronology:
    """The chronology of a pupil of the DSL's own school (404 for anyone else, so ids reveal nothing)."""
    pupil = school_pupil_or_404(pupil_id)
    return concerns.chronology(current_user.school_id, pupil_id, pupil.display_name)


def _audit(chronology: concerns.Chronology, action: str, detail: str) -> None:
    """Put the view or export on the audit trail of every concern it showed."""
    concerns.record_views([item.concern.id for item in chronology.items], action, detail)


@bp.get("/pupils/<int:pupil_id>/chronology")
def chronology(pupil_id: int):
    """Every concern about one pupil with every entry, oldest first, on one page (audited on each concern)."""
    found = pupil_chronology(pupil_id)
    _audit(found, "concern viewed", "in the pupil's chronology")
    record("chronology viewed", target=f"chronology:pupil:{pupil_id}", detail=f"{len(found.items)} concerns")
    html = render_template("safeguarding/chronology.html", chronology=found, numbers=_numbers(found),
                           entry_label=entry_label, statuses=concerns.STATUSES, categories=CONCERN_CATEGORIES,
                           urgencies=CONCERN_URGENCIES)
    db.session.commit()  # shown only once the view is on record
    return html


def _csv(doc: Document, filename: str) -> Response:
    """The CSV download with its hash line."""
    text, _ = csvexport.with_hash(doc.csv)
    return csvexport.attachment(filename, text)


def _pdf(doc: Document, filename: str) -> Response | tuple[str, int]:
    """The PDF download, printed by Chromium from the server-rendered record; a clear page if it cannot be."""
    school = current_user.school
    exported_at = utcnow()
    html = render_template("safeguarding/record_pdf.html", doc=doc, school=school, exported_at=exported_at,
                           exported_by=current_user.display_name, entry_label=entry_label,
                           statuses=concerns.STATUSES, categories=CONCERN_CATEGORIES, urgencies=CONCERN_URGENCIES)
    footer = (f'<div style="font-size:7pt;width:100%;margin:0 12mm;display:flex;justify-content:space-between;'
              f'font-family:sans-serif"><span>Confidential child protection record. SHA-256 {escape(doc.sha256)}'
              '</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')
    try:
        pdf = print_pdf(html, footer)
    except PdfUnavailable as error:
        db.session.rollback()  # nothing was exported, so nothing is audited as exported
        return render_template("errors/error.html", code=503, title="The PDF could not be made",
                               text=str(error)), 503
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _stamp(when: datetime) -> str:
    """A date for file names."""
    return when.strftime("%Y%m%d")


@bp.get("/<int:concern_id>/export.csv")
def concern_csv(concern_id: int):
    """One concern and its entries as CSV, with a SHA-256 line (audited)."""
    found = _single(concern_id)
    _audit(found, "concern exported", "csv")
    response = _csv(document(f"Concern {concern_id}", found), f"concern-{concern_id}-{_stamp(utcnow())}.csv")
    db.session.commit()
    return response


@bp.get("/<int:concern_id>/export.pdf")
def concern_pdf(concern_id: int):
    """One concern and its entries as a PDF printed by Chromium, with its SHA-256 (audited)."""
    found = _single(concern_id)
    _audit(found, "concern exported", "pdf")
    response = _pdf(document(f"Safeguarding concern {concern_id}", found),
                    f"concern-{concern_id}-{_stamp(utcnow())}.pdf")
    db.session.commit()
    return response


@bp.get("/pupils/<int:pupil_id>/chronology.csv")
def chronology_csv(pupil_id: int):
    """A pupil's chronology as CSV, with a SHA-256 line (audited on each concern)."""
    found = pupil_chronology(pupil_id)
    _audit(found, "concern exported", "chronology csv")
    record("chronology exported", target=f"chronology:pupil:{pupil_id}", detail="csv")
    response = _csv(document("Chronology", found), f"chronology-pupil-{pupil_id}-{_stamp(utcnow())}.csv")
    db.session.commit()
    return response


@bp.get("/pupils/<int:pupil_id>/chronology.pdf")
def chronology_pdf(pupil_id: int):
    """A pupil's chronology as a PDF printed by Chromium, with its SHA-256 (audited on each concern)."""
    found = pupil_chronology(pupil_id)
    _audit(found, "concern exported", "chronology pdf")
    record("chronology exported", target=f"chronology:pupil:{pupil_id}", detail="pdf")
    response = _pdf(document(f"Safeguarding chronology: {found.pupil_name}", found),
                    f"chronology-pupil-{pupil_id}-{_stamp(utcnow())}.pdf")
    db.session.commit()
    return response
