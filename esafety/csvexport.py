"""CSV downloads that open safely in a spreadsheet."""

import csv
import hashlib
import io
import re

from flask import Response

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
HASH_LABEL = "SHA-256 of the lines above (UTF-8 without the byte-order mark)"


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection guidance)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def render(header: list[str], rows) -> str:
    """The CSV text: a header line, then each row with formula-like cells made safe (CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def sha256(text: str) -> str:
    """The SHA-256 of the text's UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def with_hash(text: str) -> tuple[str, str]:
    """The CSV with a last line holding the SHA-256 of every line above it, and that hash."""
    digest = sha256(text)
    return text + render([HASH_LABEL, digest], []), digest


def attachment(filename: str, text: str) -> Response:
    """CSV text as an attachment with a UTF-8 byte-order mark so Excel reads names correctly."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-")
    return Response(BOM + text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def download(filename: str, header: list[str], rows) -> Response:
    """A CSV attachment of a header and rows."""
    return attachment(filename, render(header, rows))
