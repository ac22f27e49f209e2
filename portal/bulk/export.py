"""CSV the portal hands out: the template, and an import's problems.

Every cell goes through ``safe_cell``: a value a spreadsheet would run as a formula gets
an apostrophe in front, so opening the file never runs it (the importer takes the
apostrophe off again, so a file can make the round trip).
"""

import csv
import io

from portal.bulk.columns import COLUMNS, template_rows
from portal.bulk.rows import FORMULA_STARTS

#: Excel needs the byte-order mark to read the file as UTF-8 (macrons and all).
BOM = "\ufeff"


def safe_cell(value) -> str:
    """``value`` as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: list[str], rows) -> str:
    """A CSV document (Excel dialect, with a byte-order mark) of escaped cells."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, dialect="excel")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def template_csv(plan: str) -> str:
    """The template: the header row and example rows of every kind."""
    header = [column.header for column in COLUMNS]
    rows = ([row.get(column.key, "") for column in COLUMNS] for row in template_rows(plan))
    return to_csv(header, rows)


def problems_csv(problems) -> str:
    """An import's problems: line, column, error or warning, and the reason."""
    rows = ((p.line or "", p.column_name, p.severity.capitalize(), p.message) for p in problems)
    return to_csv(["Line", "Column", "Severity", "Problem"], rows)
