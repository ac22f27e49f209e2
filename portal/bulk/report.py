"""What the bulk import pages show and hand out: an import of the firm, its problems and rows
by page, and the CSV files (the template, an import's problems).

Every cell the portal writes goes through ``safe_cell``: a value a spreadsheet would run as
a formula gets an apostrophe in front, so opening the file never runs it (the importer
takes the apostrophe off again, so a file can make the round trip).
"""

import csv
import gzip
import io

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal.bulk.columns import COLUMNS, FORMULA_STARTS, template_rows
from portal.clients.service import display_name
from portal.models import BulkImport, BulkImportProblem, BulkImportRow, User
from portal.pages import Page, paginate
from portal.web import role_label

# --- CSV files -----------------------------------------------------------------------------
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


# --- The pages -----------------------------------------------------------------------------
PROBLEMS_PER_PAGE = 100
ROWS_PER_PAGE = 50
RECENT = 20


def get_import(db: Session, firm_id: int, import_id: int) -> BulkImport | None:
    """The firm's bulk import with this id; None when it does not exist or is another firm's."""
    return db.scalar(
        select(BulkImport).where(BulkImport.id == import_id, BulkImport.firm_id == firm_id)
    )


def recent(db: Session, firm_id: int) -> list[tuple[BulkImport, str | None]]:
    """The firm's latest bulk imports, newest first, with who uploaded each."""
    return list(
        db.execute(
            select(BulkImport, User.email)
            .outerjoin(User, User.id == BulkImport.user_id)
            .where(BulkImport.firm_id == firm_id)
            .order_by(BulkImport.created_at.desc(), BulkImport.id.desc())
            .limit(RECENT)
        )
    )


#: File order, errors before warnings on each line; problems of the whole file first.
PROBLEM_ORDER = (
    case((BulkImportProblem.line.is_(None), 0), else_=1),
    BulkImportProblem.line,
    BulkImportProblem.severity,
    BulkImportProblem.id,
)


def problems(db: Session, import_id: int, page: int = 1) -> Page:
    """The import's problems in file order, errors before warnings on each line."""
    where = BulkImportProblem.bulk_import_id == import_id
    statement = select(BulkImportProblem).where(where).order_by(*PROBLEM_ORDER)
    count = select(func.count(BulkImportProblem.id)).where(where)
    return paginate(db, statement, page, PROBLEMS_PER_PAGE, count)


def all_problems(db: Session, import_id: int):
    """Every problem of the import, in the order the page lists them, in one pass of one
    query (read a thousand at a time), not page after page of a growing OFFSET."""
    problem = BulkImportProblem
    statement = (
        select(problem.line, problem.column_name, problem.severity, problem.message)
        .where(problem.bulk_import_id == import_id)
        .order_by(*PROBLEM_ORDER)
        .execution_options(yield_per=1000)
    )
    return db.execute(statement)


def problems_file(db: Session, import_id: int) -> bytes:
    """The import's problems as the gzipped CSV the download gives."""
    return problems_gzip(all_problems(db, import_id))


def stored_problems_file(db: Session, batch: BulkImport) -> bytes:
    """The file written when the import was checked; for an import checked before the
    portal kept it, written now (one pass) and not kept."""
    return batch.problems_csv or problems_file(db, batch.id)


def rows(db: Session, import_id: int, page: int = 1) -> Page:
    """The import's rows in file order, with what became of each."""
    where = BulkImportRow.bulk_import_id == import_id
    statement = select(BulkImportRow).where(where).order_by(BulkImportRow.line)
    count = select(func.count(BulkImportRow.id)).where(where)
    return paginate(db, statement, page, ROWS_PER_PAGE, count)


def describe(row: BulkImportRow) -> str:
    """A row in a few words: the profile's name, or who holds which role on whom."""
    data = row.data or {}
    if row.record == "association":
        role = role_label(data["role"]) if data.get("role") else "A role"
        return f"{row.reference or '?'}: {role} on {row.other_reference or '?'}"
    if row.kind and (data.get("name") or data.get("last_name") or data.get("first_name")):
        return display_name(row.kind, {"name": "", **data})
    return row.reference or "(no client reference)"
