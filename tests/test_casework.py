"""DSL casework: the new-concerns count on staff pages, inbox filters, urgency (append-only), a pupil's
chronology, and PDF/CSV exports with a SHA-256 that checks out; all audited; the Tell confirmation."""

import csv
import hashlib
import io
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from esafety import concerns
from esafety.csvexport import BOM, HASH_LABEL
from esafety.extensions import db
from esafety.models import AuditLog, ConcernEntry
from esafety.schoolhours import SchoolHours, describe_minutes

from .conftest import count_queries
from .pages import send


def make_concern(pupil, reporter=None, category="unkind", words="Someone in the chat called me names"):
    """A concern about a pupil (their own Tell unless a reporter is given), committed."""
    concern = concerns.create(pupil=pupil, reporter=reporter or pupil, category=category, words=words,
                              wants_to_talk=False, submission_key=concerns.new_submission_key(),
                              source="pupil" if reporter is None else "staff")
    db.session.commit()
    return concern


@pytest.fixture
def dsl_client(app, school, sign_in):
    """A client signed in as the DSL, past the second factor."""
    client = app.test_client()
    sign_in(client, school.dsl)
    return client


def audit(action: str, target: str | None = None) -> list[AuditLog]:
    """Audit entries of one kind (for one target)."""
    db.session.commit()
    query = sa.select(AuditLog).where(AuditLog.action == action)
    if target:
        query = query.where(AuditLog.target == target)
    return list(db.session.scalars(query.order_by(AuditLog.id)))


# The count on every staff page, and the inbox ----------------------------------------------------------


def test_every_page_a_dsl_sees_counts_the_new_concerns(school, dsl_client, app, sign_in):
    """The menu shows the DSL how many concerns wait, on every page; acknowledging one lowers it."""
    first = make_concern(school.pupil)
    make_concern(school.ks1_pupil)
    for path in ("/concerns/", "/parents/", f"/concerns/{first.id}"):
        assert "2 new</span>" in dsl_client.get(path).get_data(as_text=True), path
    concerns.add_entry(first, school.dsl, kind="status", status="acknowledged", reason="Seen")
    db.session.commit()
    assert "1 new</span>" in dsl_client.get("/parents/").get_data(as_text=True)


def test_the_count_is_for_dsls_only(school, client, sign_in):
    """A teacher's or an admin's pages say nothing about concerns."""
    make_concern(school.pupil)
    sign_in(client, school.teacher)
    page = client.get("/teacher/").get_data(as_text=True)
    assert "new</span>" not in page and "Concerns" not in page


def test_the_count_costs_one_query(school, dsl_client, app):
    """The count is one query whatever the number of concerns."""
    make_concern(school.pupil)
    with count_queries(db.engine) as one:
        dsl_client.get("/parents/")
    for pupil in school.ks1_pupils:
        make_concern(pupil)
    with count_queries(db.engine) as four:
        dsl_client.get("/parents/")
    assert len(one) == len(four)


def test_the_inbox_filters_by_status_category_and_urgency(school, dsl_client):
    """Each filter narrows the list; together they combine; an unknown value shows everything."""
    unkind = make_concern(school.pupil, category="unkind")
    contact = make_concern(school.ks1_pupil, category="contact")
    closed = make_concern(school.ks2_pupils[1], category="contact")
    concerns.add_entry(contact, school.dsl, kind="urgency", urgency="immediate")
    concerns.add_entry(closed, school.dsl, kind="status", status="closed", reason="Resolved with parents")
    db.session.commit()

    def listed(query: str) -> set[int]:
        page = dsl_client.get("/concerns/" + query).get_data(as_text=True)
        return {c.id for c in (unkind, contact, closed) if f'href="/concerns/{c.id}"' in page}

    assert listed("") == {unkind.id, contact.id, closed.id}
    assert listed("?status=new") == {unkind.id, contact.id}
    assert listed("?status=closed") == {closed.id}
    assert listed("?category=contact") == {contact.id, closed.id}
    assert listed("?urgency=immediate") == {contact.id}
    assert listed("?urgency=unset") == {unkind.id, closed.id}
    assert listed("?status=new&category=contact") == {contact.id}
    assert listed("?status=lost&urgency=%3Cscript%3E") == {unkind.id, contact.id, closed.id}
    assert "No concerns match these filters" in dsl_client.get("/concerns/?status=acknowledged").get_data(as_text=True)


def test_the_most_urgent_new_concern_comes_first(school, dsl_client):
    """Among new concerns, the DSL's urgency orders the list (immediate first)."""
    older = make_concern(school.pupil)
    newer = make_concern(school.ks1_pupil)
    page = dsl_client.get("/concerns/").get_data(as_text=True)
    assert page.index(f"/concerns/{newer.id}\"") < page.index(f"/concerns/{older.id}\"")
    concerns.add_entry(older, school.dsl, kind="urgency", urgency="immediate")
    db.session.commit()
    page = dsl_client.get("/concerns/").get_data(as_text=True)
    assert page.index(f"/concerns/{older.id}\"") < page.index(f"/concerns/{newer.id}\"")


def test_the_dsl_sets_urgency_and_every_setting_stays(school, dsl_client):
    """Urgency is an entry: changing it adds another, the first stays, the page and the audit show both."""
    concern = make_concern(school.pupil)
    assert dsl_client.post(f"/concerns/{concern.id}/urgency", data={"urgency": "high"}).status_code == 302
    assert dsl_client.post(f"/concerns/{concern.id}/urgency",
                           data={"urgency": "low", "urgency_reason": "Parents already dealt with it"}).status_code == 302
    db.session.commit()
    kinds = db.session.scalars(sa.select(ConcernEntry.urgency).where(ConcernEntry.kind == "urgency")
                               .order_by(ConcernEntry.id)).all()
    assert kinds == ["high", "low"]
    page = dsl_client.get(f"/concerns/{concern.id}").get_data(as_text=True)
    assert "Low: monitor" in page and "Urgency: High" in page and "Parents already dealt with it" in page
    assert [e.detail for e in audit("concern urgency")] == ["high", "low"]


def test_a_bad_urgency_is_refused_with_the_page(school, dsl_client):
    """An urgency that is not one of the choices redraws the concern with a message, never a 500."""
    concern = make_concern(school.pupil)
    response = dsl_client.post(f"/concerns/{concern.id}/urgency", data={"urgency": "whenever"})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)


# The chronology -----------------------------------------------------------------------------------------


def test_the_chronology_shows_every_concern_about_the_pupil_in_date_order(school, dsl_client):
    """Both concerns about Dev with every entry, oldest first; nothing about anyone else; linked from a concern."""
    first = make_concern(school.pupil, words="First worry about a game chat")
    other = make_concern(school.ks1_pupil, words="Someone else's worry")
    second = make_concern(school.pupil, reporter=school.teacher, category="contact", words="Staff saw messages")
    concerns.add_entry(first, school.dsl, kind="note", text="Spoke with Dev at break")
    db.session.commit()
    assert f"/concerns/pupils/{school.pupil.id}/chronology" in dsl_client.get(f"/concerns/{first.id}").get_data(
        as_text=True)
    page = dsl_client.get(f"/concerns/pupils/{school.pupil.id}/chronology").get_data(as_text=True)
    assert "Chronology: Dev L." in page
    order = [page.index(text) for text in ("First worry about a game chat", "Staff saw messages",
                                           "Spoke with Dev at break")]
    assert order == sorted(order)
    assert "Someone else" not in page and f'href="/concerns/{other.id}"' not in page
    assert f'href="/concerns/{second.id}"' in page


def test_viewing_a_chronology_is_audited_on_each_concern(school, dsl_client):
    """Each concern shown gets a 'viewed in the chronology' entry on its own audit trail."""
    first, second = make_concern(school.pupil), make_concern(school.pupil)
    dsl_client.get(f"/concerns/pupils/{school.pupil.id}/chronology")
    for concern in (first, second):
        [entry] = audit("concern viewed", f"concern:{concern.id}")
        assert entry.detail == "in the pupil's chronology" and entry.actor_id == school.dsl.id
    page = dsl_client.get(f"/concerns/{first.id}").get_data(as_text=True)
    assert "Opened this record: in the pupil&#39;s chronology" in page


def test_a_chronology_is_a_fixed_number_of_queries(school, dsl_client):
    """One concern or four: the chronology page runs the same number of SQL statements."""
    make_concern(school.pupil)
    with count_queries(db.engine) as one:
        assert dsl_client.get(f"/concerns/pupils/{school.pupil.id}/chronology").status_code == 200
    for _ in range(3):
        make_concern(school.pupil)
    with count_queries(db.engine) as four:
        dsl_client.get(f"/concerns/pupils/{school.pupil.id}/chronology")
    assert len([s for s in four if not s.lstrip().upper().startswith("INSERT")]) == \
        len([s for s in one if not s.lstrip().upper().startswith("INSERT")])


def test_another_schools_pupil_has_no_chronology(school, dsl_client):
    """A pupil id from another school, a member of staff's id or a missing id is 404: ids reveal nothing."""
    from . import factories

    other = factories.make_school("Elsewhere Primary")
    outsider = factories.make_pupil(factories.make_class(other, "Year 4 Elm", 4), "Olu", "P")
    db.session.commit()
    for pupil_id in (outsider.id, school.teacher.id, 999999):
        assert dsl_client.get(f"/concerns/pupils/{pupil_id}/chronology").status_code == 404
        assert dsl_client.get(f"/concerns/pupils/{pupil_id}/chronology.csv").status_code == 404


# Exports ------------------------------------------------------------------------------------------------


def _csv(response) -> tuple[str, list[list[str]]]:
    """The CSV text (without the byte-order mark) and its rows."""
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    text = text[len(BOM):]
    return text, list(csv.reader(io.StringIO(text)))


def test_the_chronology_csv_carries_a_sha256_that_checks_out(school, dsl_client):
    """The last line is the SHA-256 of every line above; recomputing it matches; a changed copy does not."""
    concern = make_concern(school.pupil, words="=HYPERLINK(\"http://evil.example\")")
    concerns.add_entry(concern, school.dsl, kind="action", action="talked-to-pupil", reason="Talked at lunch")
    db.session.commit()
    response = dsl_client.get(f"/concerns/pupils/{school.pupil.id}/chronology.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text, rows = _csv(response)
    assert rows[-1][0] == HASH_LABEL
    body = text[: text.rindex("\r\n", 0, len(text) - 2) + 2]  # every line but the last
    assert text[len(body):].startswith(HASH_LABEL)
    assert hashlib.sha256(body.encode("utf-8")).hexdigest() == rows[-1][1]
    assert hashlib.sha256(body.replace("lunch", "break").encode()).hexdigest() != rows[-1][1]
    assert [r[10] for r in rows[1:-1]] == ["The child's own words", "Action: Talked to the pupil"]
    assert rows[1][15].startswith("'=")  # a spreadsheet will not run it
    # The same record exported again gives the same hash; an added entry changes it.
    again = _csv(dsl_client.get(f"/concerns/pupils/{school.pupil.id}/chronology.csv"))[1][-1][1]
    assert again == rows[-1][1]
    concerns.add_entry(concern, school.dsl, kind="note", text="Later note")
    db.session.commit()
    assert _csv(dsl_client.get(f"/concerns/pupils/{school.pupil.id}/chronology.csv"))[1][-1][1] != rows[-1][1]


def test_a_concern_csv_holds_that_concern_only_and_is_audited(school, dsl_client):
    """One concern's CSV has its entries only, and the export is on its audit trail."""
    concern = make_concern(school.pupil, words="Mine")
    make_concern(school.pupil, words="Another one")
    text, rows = _csv(dsl_client.get(f"/concerns/{concern.id}/export.csv"))
    assert {r[0] for r in rows[1:-1]} == {str(concern.id)} and "Another one" not in text
    assert [e.detail for e in audit("concern exported", f"concern:{concern.id}")] == ["csv"]


def _pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text, through poppler's pdftotext when installed."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "export.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


@pytest.mark.browser
def test_the_chronology_pdf_is_printed_by_chromium_with_the_same_hash(school, dsl_client, tmp_path):
    """The PDF is a real PDF of the chronology, printed by Chromium, carrying the CSV's SHA-256; audited."""
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed")
    concern = make_concern(school.pupil, words="Someone asked me to send a picture")
    concerns.add_entry(concern, school.dsl, kind="status", status="acknowledged", reason="Seen; talking to Dev")
    db.session.commit()
    response = dsl_client.get(f"/concerns/pupils/{school.pupil.id}/chronology.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    digest = _csv(dsl_client.get(f"/concerns/pupils/{school.pupil.id}/chronology.csv"))[1][-1][1]
    text = _pdf_text(response.data, tmp_path)
    assert "Dev L." in text and "Someone asked me to send a picture" in text and "Seen; talking to Dev" in text
    assert digest in text.replace(" ", "")
    assert [e.detail for e in audit("concern exported", f"concern:{concern.id}")] == ["chronology pdf",
                                                                                      "chronology csv"]


@pytest.mark.browser
def test_a_concern_pdf(school, dsl_client):
    """One concern prints as a PDF too."""
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed")
    concern = make_concern(school.pupil)
    response = dsl_client.get(f"/concerns/{concern.id}/export.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_without_chromium_the_pdf_export_says_what_to_do(make_app, school, sign_in):
    """No Chromium on the server: a clear 503 page naming the fix and the CSV alternative; nothing audited."""
    app = make_app(CHROMIUM="")
    client = app.test_client()
    sign_in(client, school.dsl)
    concern = make_concern(school.pupil)
    response = client.get(f"/concerns/{concern.id}/export.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "needs the Chromium browser on the server" in page and "apt-get install chromium" in page
    assert "CSV export works" in page
    assert audit("concern exported") == []


# The pupil's confirmation -------------------------------------------------------------------------------


def test_the_tell_confirmation_says_who_reads_it_when_and_where_to_get_help_now(client, school, sign_in):
    """Who (the DSL by name), when (school hours), 999 for danger now and Childline, every time."""
    sign_in(client, school.pupil)
    page = client.get(send(client).headers["Location"]).get_data(as_text=True)
    assert "Ms Dee Ess" in page and "Monday to Friday, 8am to 4pm" in page
    assert "If you are in danger now, call 999." in page
    assert "Childline" in page and "0800 1111" in page


def test_outside_school_hours_the_pupil_is_told_when_it_will_be_read(make_app, school, sign_in):
    """School hours that are closed now (one minute, three hours ahead): the page says it is not school time."""
    local = datetime.now(ZoneInfo("Europe/London"))
    hour = (local.hour + 3) % 24
    app = make_app(SCHOOL_HOURS=f"{hour:02d}:00-{hour:02d}:01", SCHOOL_DAYS="Mon-Sun")
    client = app.test_client()
    sign_in(client, school.pupil)
    page = client.get(send(client).headers["Location"]).get_data(as_text=True)
    assert "It is not school time now" in page and "Monday to Sunday" in page


def test_in_school_hours_the_pupil_is_not_told_to_wait(make_app, school, sign_in):
    """School hours that are open now: no 'not school time' sentence."""
    local = datetime.now(ZoneInfo("Europe/London"))
    if (local.hour, local.minute) >= (23, 58):
        pytest.skip("too close to midnight for an all-day window")
    app = make_app(SCHOOL_HOURS="00:00-23:59", SCHOOL_DAYS="Mon-Sun")
    client = app.test_client()
    sign_in(client, school.pupil)
    page = client.get(send(client).headers["Location"]).get_data(as_text=True)
    assert "It is not school time now" not in page and "12am to 11:59pm" in page


# School hours, the pure part ----------------------------------------------------------------------------


LONDON = SchoolHours.parse("08:00-16:00", "Mon-Fri", "Europe/London")


@pytest.mark.parametrize("start, minutes, due", [
    (datetime(2026, 12, 1, 9, 0), 120, datetime(2026, 12, 1, 11, 0)),   # a Tuesday morning in winter (GMT)
    (datetime(2026, 12, 4, 15, 0), 120, datetime(2026, 12, 7, 9, 0)),   # Friday 3pm: the rest waits for Monday
    (datetime(2026, 12, 5, 10, 0), 120, datetime(2026, 12, 7, 10, 0)),  # Saturday: counted from Monday 8am
    (datetime(2026, 12, 1, 20, 0), 30, datetime(2026, 12, 2, 8, 30)),   # evening: from the next morning
    (datetime(2026, 6, 2, 6, 0), 120, datetime(2026, 6, 2, 9, 0)),      # summer: 8am BST is 07:00 UTC
])
def test_school_time_counts_only_open_hours(start, minutes, due):
    """Escalation time runs only while school is open, in the school's own time zone."""
    assert LONDON.add(start, minutes) == due


def test_school_hours_are_described_for_pupils():
    """The words the pupil is shown, and the escalation wait in words."""
    assert LONDON.describe() == "Monday to Friday, 8am to 4pm"
    assert SchoolHours.parse("08:30-15:15", "Mon,Wed,Fri", "Europe/London").describe() == \
        "Monday, Wednesday and Friday, 8:30am to 3:15pm"
    assert describe_minutes(120) == "2 school hours" and describe_minutes(90) == "90 school minutes"
