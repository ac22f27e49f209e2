"""CSV the portal hands out: the template, and an import's problems.

Every cell goes through ``safe_cell``: a value a spreadsheet would run as a formula gets
an apostrophe in front, so opening the file never runs it (the importer takes the
apostrophe off again, so a file can make the round trip).
"""

import csv
import gzip
import io

from portal.bulk.columns import COLUMNS, template_rows
from portal.bulk.rows import FORMULA_STARTS

#: Excel needs the byte-order mark to read the file as UTF-8 (macrons and all).
BOM = "\ufeff"


def safe_cell(value) -> str:
    """``value`` as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(stream, header: list[str], rows) -> None:
    """Write a CSV document (Excel dialect, with a byte-order mark) of escaped cells."""
    stream.write(BOM)
    writer = csv.writer(stream, dialect="excel")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)


def to_csv(header: list[str], rows) -> str:
    """A CSV document of escaped cells, as text."""
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()


def template_csv(plan: str) -> str:
    """The template: the header row and example rows of every kind."""
    header = [column.header for column in COLUMNS]
    rows = ([row.get(column.key, "") for column in COLUMNS] for row in template_rows(plan))
    return to_csv(header, rows)


PROBLEMS_HEADER = ["Line", "Column", "Severity", "Problem"]


def _problem_rows(problems):
    return ((p.line or "", p.column_name, p.severity.capitalize(), p.message) for p in problems)


def problems_csv(problems) -> str:
    """An import's problems: line, column, error or warning, and the reason."""
    return to_csv(PROBLEMS_HEADER, _problem_rows(problems))


def problems_gzip(problems) -> bytes:
    """The same document, gzipped, written as ``problems`` are read (never all in memory):
    what an import keeps for its download (a tenth of the size)."""
    buffer = io.BytesIO()
    raw = gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0)
    with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:  # closes raw too
        write_csv(text, PROBLEMS_HEADER, _problem_rows(problems))
    return buffer.getvalue()


def gunzipped(body: bytes, chunk: int = 1 << 16):
    """``body`` ungzipped, a piece at a time, for a streamed response."""
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as file:
        yield from iter(lambda: file.read(chunk), b"")
