"""Turning a pasted class list, or a CSV exported from the school's MIS, into pupils: first name and last initial only."""

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass, field

_SPLIT = re.compile(r"[\t,;]+")


def parse_line(line: str) -> tuple[str, str] | None:
    """One pasted line as (first name, initial); "Maya K", "Maya K.", "Maya Khan" and "Khan, Maya" all work.

    Only the first name and the initial of the last name are kept (data minimisation).
    """
    line = " ".join(line.replace("\u00a0", " ").split())
    if not line or line.startswith("#"):
        return None
    if "," in line or "\t" in line or ";" in line:
        parts = [p.strip() for p in _SPLIT.split(line) if p.strip()]
        if len(parts) >= 2:  # "Surname, First" as exported from most school systems
            line = f"{parts[1]} {parts[0]}"
    words = [w for w in line.split(" ") if re.search(r"[^\W\d_]", w)]
    if not words:
        return None
    first = words[0].strip(".")[:40]
    initial = next((ch for ch in words[-1] if ch.isalpha()), "") if len(words) > 1 else ""
    first = first[:1].upper() + first[1:]
    return first, initial.upper()


def parse_roster(text: str, existing: set[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """New pupils to add, and notes on lines skipped (duplicates in the paste or already in the class)."""
    added, notes, seen = [], [], set(existing)
    for raw in text.splitlines():
        parsed = parse_line(raw)
        if parsed is None:
            if raw.strip():
                notes.append(f"Skipped “{raw.strip()[:40]}”: no name found.")
            continue
        key = (parsed[0].lower(), parsed[1].lower())
        if key in seen:
            notes.append(f"Skipped {parsed[0]} {parsed[1]}: already in the class.".replace("  ", " "))
            continue
        seen.add(key)
        added.append(parsed)
    return added, notes


# Importing a class list exported from the school's MIS (Arbor, SIMS, Bromcom, ScholarPack) ------------------
#
# The file is read into a Table (pure), mapped to fields, checked row by row into a Plan against the database,
# shown as a preview, and only applied when the user confirms. Column names: docs/roster-import.md.


MAX_BYTES = 2 * 1024 * 1024  # a whole-school export of 10,000 pupils with a dozen columns is about 1 MB
MAX_ROWS = 10_000
MAX_COLUMNS = 200
MAX_CELL = 200

FIELDS = {
    "mis_id": "MIS pupil id (not the UPN)",
    "forename": "Legal forename",
    "preferred_forename": "Preferred forename",
    "surname": "Legal surname",
    "preferred_surname": "Preferred surname",
    "class": "Registration group or class",
    "year": "Year group",
}
REQUIRED = ("mis_id", "forename", "surname", "class")

# Header names, compared after lower-casing and turning punctuation into spaces (so "Reg. Group" is "reg group").
ALIASES = {
    "mis_id": ("adno", "admission number", "admissions number", "person id", "student id", "pupil id",
               "arbor student id", "mis id", "internal id", "id"),
    "forename": ("legal forename", "forename", "legal first name", "first name", "firstname", "given name"),
    "preferred_forename": ("preferred forename", "preferred first name", "known as", "preferred name"),
    "surname": ("legal surname", "surname", "legal last name", "last name", "lastname", "family name"),
    "preferred_surname": ("preferred surname", "preferred last name"),
    "class": ("reg group", "registration group", "registration form", "reg form", "form", "form group", "class",
              "class name", "tutor group"),
    "year": ("year group", "year", "nc year", "national curriculum year", "year taught in", "curriculum year"),
}
# Columns esafety never reads, keeps or sends back to the browser: identifiers and special-category data.
NEVER_READ = re.compile(r"\b(upn|uln|unique pupil number|unique learner number|birth|dob|gender|sex|address|"
                        r"postcode|post code|ethnic\w*|religion|sen|send|fsm|free school meals|pupil premium|"
                        r"phone|mobile|email|medical|nationality|language)\b")
SIGNATURES = (  # a header that only one MIS uses names it in the preview
    ("SIMS", ("adno", "year taught in")),
    ("Arbor", ("arbor student id", "registration form")),
    ("Bromcom", ("nc year",)),
    ("ScholarPack", ("pupil id",)),
)
FORMULA = re.compile(r"^(=|\+|@|\t|\r|-\S)")
YEAR = re.compile(r"^(?:year|yr|y|nc year)?\s*(\d{1,2})$")


class FileProblem(ValueError):
    """The whole file cannot be used; the message says why and what to do."""


@dataclass
class Table:
    """A CSV file as text rows: its headers, each non-blank row with its line number, and columns not read."""

    filename: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]
    not_read: list[str] = field(default_factory=list)

    def as_payload(self) -> dict:
        """What the preview form carries (signed) so confirming needs no second upload."""
        return {"f": self.filename, "h": self.headers, "r": self.rows, "n": self.not_read}

    @classmethod
    def from_payload(cls, data: dict) -> "Table":
        """The table back from the preview form."""
        return cls(str(data["f"]), list(data["h"]), [(int(n), list(r)) for n, r in data["r"]], list(data["n"]))


def header_key(text: str) -> str:
    """A header as it is compared: lower case, punctuation as spaces."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _decode(data: bytes) -> str:
    """The file's text; a clear FileProblem for anything that is not a UTF-8 (or UTF-16) CSV."""
    if not data.strip():
        raise FileProblem("The file is empty. Export the class list from your MIS again and upload that file.")
    if len(data) > MAX_BYTES:
        raise FileProblem(f"The file is {len(data) / 1_048_576:.1f} MB; the limit is 2 MB. Export only the name, "
                          "class, year group and pupil id columns, or one year group at a time.")
    if data.startswith(b"PK\x03\x04"):
        raise FileProblem("This is an Excel workbook (.xlsx), not a CSV file. In Excel choose File, Save As, "
                          "\"CSV UTF-8 (Comma delimited)\", and upload that file.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("This is an old Excel workbook (.xls), not a CSV file. In Excel choose File, Save As, "
                          "\"CSV UTF-8 (Comma delimited)\", and upload that file.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileProblem("The file says it is UTF-16 text but is not. Save it as \"CSV UTF-8\" and try again.")
    if b"\x00" in data:
        raise FileProblem("This is not a text file (it holds binary data). Upload the CSV file your MIS exports.")
    try:
        return data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise FileProblem(f"The file is not saved as UTF-8 (line {line} has a character in another encoding, "
                          "often Windows-1252). In Excel choose File, Save As, \"CSV UTF-8 (Comma delimited)\"; "
                          "in SIMS or Arbor export as CSV again. Nothing was imported.")


def read_csv(data: bytes, filename: str = "") -> Table:
    """Read an uploaded CSV into a Table, or raise a FileProblem that says what is wrong with it."""
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            cells = [cell.replace("\u00a0", " ").strip() for cell in cells]
            if not any(cells):
                continue  # blank lines are allowed anywhere
            if len(cells) > MAX_COLUMNS:
                raise FileProblem(f"Line {start} has {len(cells)} columns; the limit is {MAX_COLUMNS}. "
                                  "Is this the class list export?")
            if headers is None:
                headers = cells
                continue
            rows.append((start, cells))
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"The file has more than {MAX_ROWS:,} pupils (rows); the limit is {MAX_ROWS:,}. "
                                  "Export one key stage or year group at a time.")
    except csv.Error as error:
        raise FileProblem(f"Line {line} cannot be read as CSV ({error}). Export the file from your MIS again.")
    if headers is None:
        raise FileProblem("The file has no header row. Export it with column headings "
                          "(Forename, Surname, Reg Group...).")
    if not rows:
        raise FileProblem("The file has a header row but no pupils.")
    keep = [i for i, h in enumerate(headers) if not NEVER_READ.search(header_key(h))]
    not_read = [h for i, h in enumerate(headers) if i not in keep and h]
    return Table(filename=filename[:100], headers=[headers[i] for i in keep],
                 rows=[(n, [cells[i] if i < len(cells) else "" for i in keep]) for n, cells in rows],
                 not_read=not_read)


def auto_mapping(headers: list[str]) -> dict[str, int | None]:
    """Which column holds each field, from the usual header names of each MIS (None when not found)."""
    keys = [header_key(h) for h in headers]
    mapping: dict[str, int | None] = {}
    for name, aliases in ALIASES.items():
        mapping[name] = next((keys.index(a) for a in aliases if a in keys), None)
    return mapping


def which_mis(headers: list[str]) -> str | None:
    """The MIS whose export these headers look like, if a header only it uses is there."""
    keys = {header_key(h) for h in headers}
    return next((name for name, marks in SIGNATURES if keys & set(marks)), None)


def mis_id_hash(secret_key: str, school_id: int, mis_id: str) -> str:
    """A keyed hash of a pupil's MIS id for one school: the id itself is never stored."""
    key = hmac.new(secret_key.encode(), b"esafety mis pupil id v1", hashlib.sha256).digest()
    return hmac.new(key, f"{school_id}:{mis_id.strip()}".encode(), hashlib.sha256).hexdigest()


def parse_year(text: str) -> int | None:
    """ "Year 5", "Y5", "5", "R", "Reception" or "YR" as a year group 0-6; None if not a primary year."""
    key = header_key(text)
    if key in ("r", "rec", "reception", "yr", "year r", "y r", "year reception"):
        return 0
    found = YEAR.match(key)
    if found and 1 <= int(found.group(1)) <= 6:
        return int(found.group(1))
    return None


@dataclass(frozen=True)
class ImportRow:
    """One usable row: the MIS id's hash, the name as kept, the class and year group named in the file."""

    line: int
    mis_hash: str
    first: str
    initial: str
    class_name: str
    year: int | None


@dataclass(frozen=True)
class RowProblem:
    """A row that cannot be used, and why."""

    line: int
    reason: str


def check_rows(table: Table, mapping: dict[str, int | None], hasher) -> tuple[list[ImportRow], list[RowProblem]]:
    """Each row as an ImportRow or a RowProblem; a FileProblem when a required column is not mapped or a mapped
    cell looks like a spreadsheet formula (such a file is refused whole)."""
    missing = [FIELDS[name] for name in REQUIRED if mapping.get(name) is None]
    if missing:
        raise FileProblem("Choose which column holds: " + ", ".join(missing) + ".")
    used = {name: index for name, index in mapping.items() if index is not None}
    formulas = [f"line {line} ({table.headers[index]})" for line, cells in table.rows
                for index in used.values() if FORMULA.match(cells[index])]
    if formulas:
        shown = ", ".join(formulas[:10]) + (f" and {len(formulas) - 10} more" if len(formulas) > 10 else "")
        raise FileProblem(f"Some cells look like spreadsheet formulas ({shown}). Names and classes never start "
                          "with =, +, - or @. Check the file and export it from your MIS again; nothing was imported.")
    rows, problems, seen = [], [], {}
    for line, cells in table.rows:
        value = {name: " ".join(cells[index].split()) for name, index in used.items()}
        first = value.get("preferred_forename") or value["forename"]
        surname = value.get("preferred_surname") or value["surname"]
        reason = None
        if not value["mis_id"]:
            reason = "no MIS pupil id"
        elif len(value["mis_id"]) > 50:
            reason = "the MIS pupil id is longer than 50 characters"
        elif not first or not re.search(r"[^\W\d_]", first):
            reason = "no forename"
        elif len(first) > 40 or re.search(r"[\d<>]", first):
            reason = "the forename is longer than 40 characters or has digits or < >"
        elif not re.search(r"[^\W\d_]", surname):
            reason = "no surname"
        elif not value["class"]:
            reason = "no registration group or class"
        elif len(value["class"]) > 60:
            reason = "the class name is longer than 60 characters"
        elif "year" in value and value["year"] and parse_year(value["year"]) is None:
            reason = f"“{value['year'][:20]}” is not a primary year group (Reception to Year 6)"
        elif value["mis_id"] in seen:
            reason = f"the same MIS pupil id as line {seen[value['mis_id']]}"
        if reason:
            problems.append(RowProblem(line, reason))
            continue
        seen[value["mis_id"]] = line
        initial = next(ch for ch in surname if ch.isalpha()).upper()
        rows.append(ImportRow(line=line, mis_hash=hasher(value["mis_id"]), first=first[:1].upper() + first[1:],
                              initial=initial, class_name=value["class"],
                              year=parse_year(value["year"]) if value.get("year") else None))
    return rows, problems
