"""CSV downloads that open safely in a spreadsheet."""

import csv
import io
import re

from flask import Response

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection guidance)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def download(filename: str, header: list[str], rows) -> Response:
    """A CSV attachment with a UTF-8 byte-order mark so Excel reads names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-")
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
