"""Importing class lists exported from Arbor, SIMS, Bromcom and ScholarPack: the preview, the import, a second
import that changes nothing, teachers limited to their classes, and bad files refused with nothing written."""

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from esafety import demo, progress, tallies
from esafety.extensions import db
from esafety.models import AuditLog, CoverageStamp, SchoolClass, User
from esafety.roster import FileProblem, Table, auto_mapping, check_rows, parse_year, read_csv, which_mis

FIXTURES = Path(__file__).parent / "fixtures" / "mis"
EXPECTED = {  # file: (MIS named in the preview, {class: [pupils as shown]})
    "sims_student_list.csv": ("SIMS", {"Year 5 Rowan": ["Chi O.", "Jakub W.", "Mariam H.", "Seán Ó."],
                                       "Year 2 Hazel": ["Rahima B.", "Eli R."]}),
    "arbor_students.csv": ("Arbor", {"Year 5 Rowan": ["Millie N.", "Tobi A.", "Zoë F."],
                                     "Year 2 Hazel": ["Kacper Z.", "Safiya R."]}),
    "bromcom_students.csv": ("Bromcom", {"Year 5 Rowan": ["Seun B.", "Freya M.", "Harvey N."],
                                         "Year 2 Hazel": ["Imogen P."]}),
    "scholarpack_pupils.csv": ("ScholarPack", {"Year 3 Willow": ["Maryam S.", "Lucas F.", "Grace M."],
                                               "Year 5 Rowan": ["Aarav S."]}),
}


@pytest.fixture
def oakfield(app):
    """The demo school, seeded as `flask demo` seeds it."""
    demo.seed()
    staff = {u.email: u for u in db.session.scalars(sa.select(User).where(User.kind == "staff"))}
    return staff


def _sign_in_demo(client, sign_in, user, role):
    """Sign in as a demo member of staff with their demo password."""
    sign_in(client, user, password=demo.STAFF[role][2])


def _upload(client, data: bytes, name="list.csv"):
    """Upload a file to the import form."""
    return client.post("/teacher/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _payload(html: str) -> dict:
    """The preview form's fields as the browser would send them back."""
    fields = dict(re.findall(r'<input[^>]*name="(payload)"[^>]*value="([^"]*)"', html))
    for name, options in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', options)
        fields[name] = next(g for g in chosen.groups() if g is not None) if chosen else ""
    return fields


def _snapshot():
    """Every pupil's name, initial, class and MIS hash, and the classes: what an import may change."""
    pupils = db.session.execute(sa.select(User.id, User.name, User.last_initial, User.class_id, User.mis_id_hash)
                                .where(User.kind == "pupil").order_by(User.id)).all()
    classes = db.session.execute(sa.select(SchoolClass.id, SchoolClass.name, SchoolClass.year_group)
                                 .order_by(SchoolClass.id)).all()
    return pupils, classes


def _class_pupils(name: str) -> set[str]:
    """The display names of a class's pupils."""
    school_class = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.name == name))
    return {p.display_name for p in school_class.pupils} if school_class else set()


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_each_mis_export_imports_into_the_demo_school_once(app, oakfield, sign_in, filename):
    """The preview names the MIS and each new pupil; importing adds them to the right classes, first name and
    initial only; the same file again finds every pupil already there and writes nothing."""
    mis, classes = EXPECTED[filename]
    client = app.test_client()
    _sign_in_demo(client, sign_in, oakfield["admin@oakfield.example"], "admin")
    before = _snapshot()
    response = _upload(client, (FIXTURES / filename).read_bytes(), filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert f"laid out like a {mis} export" in html
    assert _snapshot() == before, "the preview wrote something"
    total = sum(len(names) for names in classes.values())
    assert f"<strong>{total}</strong> new pupils" in html and "<strong>0</strong> rows cannot be used" in html
    assert "X8209900" not in html, "the UPN went back to the browser"
    response = client.post("/teacher/import/preview", data={**_payload(html), "action": "import"})
    assert response.status_code == 302
    db.session.expire_all()
    for class_name, names in classes.items():
        assert set(names) <= _class_pupils(class_name), class_name
    imported = db.session.scalars(sa.select(User).where(User.mis_id_hash.is_not(None))).all()
    assert len(imported) == total and all(len(p.last_initial) == 1 and len(p.mis_id_hash) == 64 for p in imported)
    # The school's stored coverage counts the new pupils (one bulk INSERT, which no flush sees).
    school_id = imported[0].school_id
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(progress.school_pupils([school_id])))
    assert db.session.get(CoverageStamp, school_id).pupils == counted
    assert tallies.stale_schools() == [] and tallies.differences() == []
    assert not any(h in p.mis_id_hash for p in imported for h in ("004211", "51873", "B10452", "SP-3301"))
    after_first = _snapshot()
    audit_rows = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    again = _upload(client, (FIXTURES / filename).read_bytes(), filename).get_data(as_text=True)
    assert "<strong>0</strong> new pupils" in again and f"<strong>{total}</strong> already in esafety" in again
    assert "Nothing to change" in again
    response = client.post("/teacher/import/preview", data={**_payload(again), "action": "import"})
    assert response.status_code == 302
    db.session.expire_all()
    assert _snapshot() == after_first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == audit_rows


def test_a_teacher_imports_only_into_their_own_classes(app, oakfield, sign_in):
    """Ms Shah teaches Year 5 Rowan and Year 2 Hazel, not Year 3 Willow: those rows are listed with their line
    number and reason, no class is created, and her own class gets its pupil."""
    client = app.test_client()
    _sign_in_demo(client, sign_in, oakfield["teacher2@oakfield.example"], "teacher2")
    html = _upload(client, (FIXTURES / "scholarpack_pupils.csv").read_bytes()).get_data(as_text=True)
    assert "<strong>0</strong> new pupils" in html  # Mr Walsh teaches only Year 2 Hazel
    for line in (2, 3, 4):
        assert f"<tr><td>{line}</td><td>There is no class “Year 3 Willow” that you teach" in html
    assert "<tr><td>5</td><td>“Year 5 Rowan” is not one of your classes</td></tr>" in html
    assert "Import " not in re.sub(r"<title>.*?</title>|Import preview|Import a class", "", html)


def test_moved_class_and_preferred_names_are_shown_then_applied(app, oakfield, sign_in):
    """A pupil already imported who appears in another class in the next file is listed as moved, and moves."""
    client = app.test_client()
    _sign_in_demo(client, sign_in, oakfield["admin@oakfield.example"], "admin")
    first = b"Adno,Forename,Surname,Reg Group,Year\n9001,Ruth,Abara,Rowan,5\n"
    html = _upload(client, first).get_data(as_text=True)
    client.post("/teacher/import/preview", data={**_payload(html), "action": "import"})
    html = _upload(client, b"Adno,Forename,Surname,Reg Group,Year\n9001,Ruth,Abara,Hazel,2\n").get_data(as_text=True)
    assert "<strong>1</strong> moved class" in html
    assert "<th scope=\"row\">Ruth A.</th><td>Year 5 Rowan</td><td>Year 2 Hazel</td>" in html
    client.post("/teacher/import/preview", data={**_payload(html), "action": "import"})
    db.session.expire_all()
    assert "Ruth A." in _class_pupils("Year 2 Hazel") and "Ruth A." not in _class_pupils("Year 5 Rowan")


def test_existing_pupils_are_matched_by_name_in_their_class_then_by_id(app, oakfield, sign_in):
    """A demo pupil typed in by hand is found by name in their class and linked, not added twice."""
    nia = db.session.scalar(sa.select(User).where(User.name == "Nia", User.kind == "pupil"))
    client = app.test_client()
    _sign_in_demo(client, sign_in, oakfield["teacher@oakfield.example"], "teacher")
    data = f"Student ID,First Name,Last Name,Registration Form\n777,Nia,{nia.last_initial}ones,Year 5 Rowan\n".encode()
    html = _upload(client, data).get_data(as_text=True)
    assert "found by name in their class, now linked" in html and "<strong>0</strong> new pupils" in html
    client.post("/teacher/import/preview", data={**_payload(html), "action": "import"})
    db.session.expire_all()
    assert db.session.get(User, nia.id).mis_id_hash is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.name == "Nia")) == 1


def test_unrecognised_columns_are_chosen_by_the_user(app, oakfield, sign_in):
    """Headers no MIS uses are not guessed: the preview asks for the columns, and a chosen mapping previews."""
    client = app.test_client()
    _sign_in_demo(client, sign_in, oakfield["admin@oakfield.example"], "admin")
    html = _upload(client, b"Ref,Given,Family,Group\nQ1,Ayo,Bello,Year 5 Rowan\n").get_data(as_text=True)
    assert "Choose which column holds: MIS pupil id (not the UPN), Legal forename, Legal surname" in html
    fields = {**_payload(html), "mis_id": "0", "forename": "1", "surname": "2", "class_column": "3",
              "action": "preview"}
    html = client.post("/teacher/import/preview", data=fields).get_data(as_text=True)
    assert "<strong>1</strong> new pupils" in html and "Ayo B." in html


def test_a_tampered_or_expired_preview_is_refused(app, oakfield, sign_in):
    """The file rides in the preview signed: a changed payload imports nothing."""
    client = app.test_client()
    _sign_in_demo(client, sign_in, oakfield["admin@oakfield.example"], "admin")
    before = _snapshot()
    response = client.post("/teacher/import/preview", data={"payload": "e30.forged", "action": "import"})
    assert response.status_code == 400 and "expired or was changed" in response.get_data(as_text=True)
    assert _snapshot() == before


BAD_FILES = {
    "windows-1252": ("Adno,Forename,Surname,Reg Group\n1,Zo\xeb,Khan,Rowan\n".encode("cp1252"), "not saved as UTF-8"),
    "xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "Excel workbook (.xlsx)"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    "empty": (b"\r\n\r\n", "The file is empty"),
    "header only": (b"Adno,Forename,Surname,Reg Group\n\n", "no pupils"),
    "too many rows": (b"Adno,Forename,Surname,Reg Group\n" + b"".join(b"%d,Amy,Lee,Rowan\n" % i for i in range(10_001)),
                      "more than 10,000 pupils"),
    "too large": (b"Adno,Forename,Surname,Reg Group\n" + b"1,Amy,Lee,Rowan," + b"x" * (2 * 1024 * 1024) + b"\n",
                  "the limit is 2 MB"),
    "formula": (b"Adno,Forename,Surname,Reg Group\n1,Amy,Lee,Rowan\n2,=HYPERLINK(\"http://x\"),Lee,Rowan\n",
                "look like spreadsheet formulas (line 3 (Forename))"),
    "broken quote": (b"Adno,Forename,Surname,Reg Group\n1,\"Amy,Lee,Rowan\n2,Ben,Ng,Rowan\x00\n", "not a text file"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_refused_with_a_clear_message_and_nothing_written(app, oakfield, sign_in, name):
    """Each bad file gets its own message, never a 500, and the database is unchanged."""
    data, message = BAD_FILES[name]
    client = app.test_client()
    _sign_in_demo(client, sign_in, oakfield["admin@oakfield.example"], "admin")
    before = _snapshot()
    response = _upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert message in html.replace("&#34;", '"').replace("&#39;", "'")
    assert "Import 1" not in html
    assert _snapshot() == before


def test_blank_lines_and_a_byte_order_mark_are_fine_and_lines_keep_their_numbers():
    """A spreadsheet saved as "CSV UTF-8" starts with a BOM; blank lines are skipped; problems name real lines."""
    data = "\ufeffAdno,Forename,Surname,Reg Group,Year\r\n\r\n1,Amy,Lee,Rowan,Year 5\r\n\r\n2,,Ng,Rowan,5\r\n".encode()
    table = read_csv(data)
    assert table.headers[0] == "Adno" and [n for n, _ in table.rows] == [3, 5]
    rows, problems = check_rows(table, auto_mapping(table.headers), lambda x: f"h{x}")
    assert [(r.line, r.first, r.initial, r.year) for r in rows] == [(3, "Amy", "L", 5)]
    assert [(p.line, p.reason) for p in problems] == [(5, "no forename")]


def test_identifiers_and_special_category_columns_are_never_read():
    """UPN, date of birth, gender and address columns are dropped before anything else sees the file."""
    table = read_csv((FIXTURES / "sims_student_list.csv").read_bytes())
    assert table.not_read == ["UPN", "Gender", "Date of Birth"]
    assert not any("X8209900" in cell for _, cells in table.rows for cell in cells)
    assert which_mis(table.headers) == "SIMS"


@pytest.mark.parametrize("text, year", [("Year 5", 5), ("Y5", 5), ("5", 5), ("R", 0), ("Reception", 0),
                                        ("YR", 0), ("Year 7", None), ("N1", None), ("Nursery", None)])
def test_year_groups_as_each_mis_writes_them(text, year):
    """Reception to Year 6 in the ways exports write them; nursery and secondary years are not primary years."""
    assert parse_year(text) == year


def test_row_problems_name_the_line_and_reason():
    """Missing ids, duplicate ids, digits in a name and a secondary year are each refused with the reason."""
    table = Table("x", ["Adno", "Forename", "Surname", "Reg Group", "Year"], [
        (2, ["", "Amy", "Lee", "Rowan", "5"]), (3, ["7", "Amy", "Lee", "Rowan", "5"]),
        (4, ["7", "Ben", "Ng", "Rowan", "5"]), (5, ["8", "B3n", "Ng", "Rowan", "5"]),
        (6, ["9", "Cai", "Ng", "Rowan", "Year 8"]), (7, ["10", "Dee", "", "Rowan", "5"])])
    rows, problems = check_rows(table, auto_mapping(table.headers), str)
    assert [r.line for r in rows] == [3]
    assert [(p.line, p.reason.split(" (")[0]) for p in problems] == [
        (2, "no MIS pupil id"), (4, "the same MIS pupil id as line 3"),
        (5, "the forename is longer than 40 characters or has digits or < >"),
        (6, "“Year 8” is not a primary year group"), (7, "no surname")]


def test_a_required_column_missing_is_a_file_problem():
    """Without a class column nothing can be placed, so the file is refused whole."""
    table = Table("x", ["Adno", "Forename", "Surname"], [(2, ["1", "Amy", "Lee"])])
    with pytest.raises(FileProblem, match="Registration group or class"):
        check_rows(table, auto_mapping(table.headers), str)


@pytest.mark.slow
def test_ten_thousand_pupils_preview_and_import_within_the_limits(app, oakfield, sign_in):
    """A whole-trust export at the 10,000-row limit previews, rides back in the form and imports, in a few
    seconds, with the preview listing a bounded number of rows."""
    import time

    lines = [b"Adno,Forename,Surname,Reg Group,Year"] + [
        b"%d,Pupil%s,Surname,Class %d,Year %d" % (i, bytes([65 + i % 26]), i % 40, 1 + i % 40 % 6) for i in range(10_000)]
    data = b"\n".join(lines)
    client = app.test_client()
    _sign_in_demo(client, sign_in, oakfield["admin@oakfield.example"], "admin")
    started = time.perf_counter()
    response = _upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:300]
    assert "<strong>0</strong> rows cannot be used" in html and "And 9700 more." in html
    response = client.post("/teacher/import/preview", data={**_payload(html), "action": "import"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.mis_id_hash.is_not(None))) == 10_000
    print(f"\n10,000-row import: preview and import in {elapsed:.1f} s, preview page {len(html) // 1024} KiB")
    assert elapsed < 60
