"""Uploading and checking a bulk import file: nothing here touches the firm's profiles.

Read in this order:

- **Cells** — one cell becomes a stored value, or a problem with the reason. The rules are
  the manual form's (``portal.fields``), so a bulk-imported profile holds nothing the form
  would refuse. The firm's plans and the type and role lists come in as ``Choices``.
- **The file** — read as CSV line by line from the upload's (spooled) stream, never whole
  into memory: size, binary content, encoding, delimiter, header. Anything that makes the
  whole file unreadable raises ``FileProblem`` with what is wrong and what to do about it.
- **Rows** — the two kinds of row (a profile, an association) and what each needs.
- **The upload** — every row is validated and kept, with its problems, server-side,
  streamed into ``bulk_import_rows`` in chunks; the checks that span rows (a client
  reference used twice, an association naming a row that does not exist) need only the
  references, which are kept.
"""

import codecs
import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from portal import database, fields
from portal.bulk import report
from portal.bulk.columns import (
    ALL_KINDS,
    BY_KEY,
    CHOICE_COLUMNS,
    COLUMNS,
    REQUIRED,
    REQUIRED_FOR_ASSOCIATIONS,
    Column,
    column_for,
    formula_like,
    unescape,
)
from portal.clients import service as clients
from portal.fields import clean
from portal.limits import shares_range
from portal.models import BulkImport, BulkImportProblem, BulkImportRow, Profile
from portal.reference import FILING_OBLIGATIONS, ROLES
from portal.text import fold, name_problem

# --- Cells ---------------------------------------------------------------------------------
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")


class Invalid(ValueError):
    """A cell that cannot be stored; the message says why."""


@dataclass
class Choices:
    """What the firm's cells may name: plans, company and trust types, roles (folded)."""

    plans: dict[str, int]
    company_types: dict[str, str]
    trust_types: dict[str, str]
    roles: dict[str, str]
    labels: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Checked:
    """A row's values in the form their columns store, and what was wrong with it."""

    values: dict = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def parse_date(text: str) -> date:
    """A date written as 2024-03-31, 31/03/2024 or 31 Mar 2024."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise Invalid(f"“{text}” is not a date. Write it as 31/03/2024 or 2024-03-31.")


def _shares(text: str, minimum: int) -> int:
    number = fields.shares(text, minimum)
    if number is None:
        raise Invalid(f"“{text}” is not {shares_range(minimum)}.")
    return number


def _choice(text: str, options: dict, noun: str, labels: list[str]):
    chosen = options.get(fold(text))
    if chosen is None:
        raise Invalid(f"“{text}” is not a {noun}. Use one of: {', '.join(labels)}.")
    return chosen


def _month(text: str) -> int:
    number = fields.month(text)
    if number is None:
        raise Invalid(f"“{text}” is not a month. Write March, Mar or 3.")
    return number


def _percentage(text: str) -> str:
    number = fields.percentage(text)
    if number is None:
        raise Invalid(f"“{text}” is not a percentage between 0 and 100.")
    return str(number)


def _name(text: str) -> str:
    problem = name_problem(text)
    if problem:
        raise Invalid(problem)
    return text


def _check(rule: bool, message: str):
    if not rule:
        raise Invalid(message)


def parse(column: Column, text: str, choices: Choices):
    """The value ``text`` stores as in ``column``; raises ``Invalid`` with the reason."""
    kind = column.parse
    if kind == "date":
        return parse_date(text).isoformat()
    if kind == "past_date":
        day = parse_date(text)
        _check(fields.not_in_future(day), f"“{text}” is in the future.")
        return day.isoformat()
    if kind == "filing_obligation":
        options = {fold(label): code for code, label in FILING_OBLIGATIONS}
        labels = [label for _, label in FILING_OBLIGATIONS]
        return _choice(text, options, "filing obligation", labels)
    if kind in ("shares", "shares_issued"):
        return _shares(text, 0 if kind == "shares" else 1)
    if kind == "month":
        return _month(text)
    if kind == "percentage":
        return _percentage(text)
    if kind in ("plan", "company_type", "trust_type", "role"):
        options = {
            "plan": choices.plans,
            "company_type": choices.company_types,
            "trust_type": choices.trust_types,
            "role": choices.roles,
        }[kind]
        noun = {"plan": "subscription plan of this firm"}.get(kind, column.header.lower())
        return _choice(text, options, noun, choices.labels.get(kind, []))
    if kind == "name":
        return _name(text)
    if kind == "ird":
        _check(
            fields.ird_number(text),
            f"“{text}” is not a valid IRD number (8 or 9 digits; check the digits).",
        )
    elif kind == "nzbn":
        _check(fields.nzbn(text), f"“{text}” is not an NZBN (13 digits; check them).")
    elif kind == "digits":
        _check(fields.company_number(text), f"“{text}” is not a company number (digits only).")
    elif kind == "email":
        _check(fields.email_address(text), f"“{text}” is not an e-mail address.")
    elif kind == "web":
        _check(fields.web_address(text), f"“{text}” does not start with https:// or http://.")
    return text


def cell_text(column: Column, cell: str) -> str:
    """A cell as typed: names keep what ``name_problem`` refuses, so the row says why;
    other text loses control characters, as the manual form's does."""
    return cell.strip() if column.parse == "name" else clean(cell)


def read_cells(cells: dict[str, str], keys, choices: Choices, checked: Checked) -> None:
    """Parse each non-empty cell of ``keys`` into ``checked.values``, noting any problem."""
    for key in keys:
        column = BY_KEY[key]
        text = unescape(cell_text(column, cells.get(key) or ""))
        if not text:
            continue
        if len(text) > column.max_length:
            checked.errors.append(
                (column.header, f"Too long: {len(text):,} characters, at most {column.max_length}.")
            )
            continue
        if column.parse in ("text", "name") and formula_like(text):
            checked.warnings.append(
                (
                    column.header,
                    f"Starts with “{text[0]}” like a spreadsheet formula: it is stored as "
                    "text, exactly as written, and never exported as a formula.",
                )
            )
        try:
            checked.values[CHOICE_COLUMNS.get(key, key)] = parse(column, text, choices)
        except Invalid as problem:
            checked.errors.append((column.header, str(problem)))


# --- The file ------------------------------------------------------------------------------
SAVE_AS = "In Excel choose File › Save As › “CSV UTF-8 (Comma delimited)”."
SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip file"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97–2003 workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xfe", "UTF-16 text (Excel’s “Unicode Text”)"),
    (b"\xfe\xff", "UTF-16 text"),
)
DELIMITERS = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}


class FileProblem(ValueError):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass(frozen=True)
class RawRow:
    """One record of the file: the line it starts on and its cells by column key."""

    line: int
    cells: dict[str, str]
    #: Non-empty cells beyond the header's last column.
    extra: int = 0


@dataclass
class CsvFile:
    """The header of an opened file, and its records (``rows``) still to be read."""

    keys: list[str | None]
    unknown: list[str]
    rows: Iterator[RawRow]


def megabytes(size: int) -> str:
    """A size in bytes as people read it: 10.0 MB."""
    return f"{size / 1_000_000:.1f} MB"


def check_size(size: int, max_bytes: int) -> None:
    """Refuse an empty file, or one larger than ``max_bytes``, before reading it."""
    if size == 0:
        raise FileProblem("The file is empty. Fill in the template and upload it again.")
    if size > max_bytes:
        raise FileProblem(
            f"The file is {megabytes(size)}; the largest file the portal takes is "
            f"{megabytes(max_bytes)}. Split it into smaller files and upload each one."
        )


def check_content(head: bytes) -> None:
    """Refuse a file whose first bytes show it is not CSV text."""
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            raise FileProblem(f"This is {what}, not a CSV file. {SAVE_AS}")
    if b"\x00" in head:
        raise FileProblem(f"This is a binary file, not CSV text. {SAVE_AS}")


def open_csv(stream: BinaryIO, max_rows: int) -> CsvFile:
    """Read the header of ``stream`` and check it; the records follow as ``rows``."""
    reader = csv.reader(_text_lines(stream), dialect="excel")
    header = _next(reader)
    if header is None:
        raise FileProblem("The file is empty. Fill in the template and upload it again.")
    _check_delimiter(header)
    keys = [column_for(cell) for cell in header]
    _check_header(header, keys)
    unknown = [cell.strip() for cell, key in zip(header, keys, strict=True) if key is None]
    return CsvFile(keys, [u for u in unknown if u], _records(reader, keys, max_rows))


def _text_lines(stream: BinaryIO) -> Iterator[str]:
    """The file's lines as text; decoding one at a time gives the exact line of a bad byte."""
    for number, raw in enumerate(stream, 1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FileProblem(
                f"Line {number} is not UTF-8 text (the file may be saved as “CSV (Comma "
                f"delimited)”, which Excel writes in a Windows code page). {SAVE_AS}"
            ) from None
        if "\x00" in text:
            raise FileProblem(f"Line {number} holds binary data, not CSV text. {SAVE_AS}")
        yield text


def _next(reader) -> list[str] | None:
    try:
        return next(reader, None)
    except csv.Error as error:
        raise FileProblem(f"Line {reader.line_num} cannot be read as CSV: {error}.") from None


def _check_delimiter(header: list[str]) -> None:
    if len(header) != 1:
        return
    for delimiter, name in DELIMITERS.items():
        if delimiter in header[0]:
            raise FileProblem(
                f"The columns are separated by {name}, not commas: the portal reads "
                f"comma-separated files. {SAVE_AS}"
            )


def _check_header(header: list[str], keys: list[str | None]) -> None:
    if not any(keys):
        raise FileProblem(
            "The first line is not the template’s header row (no column the portal knows, "
            "such as “Client reference” or “Kind”). Download the template and start from it."
        )
    seen: dict[str, int] = {}
    for position, key in enumerate(keys, 1):
        if key is None:
            continue
        if key in seen:
            raise FileProblem(
                f"The column “{BY_KEY[key].header}” appears twice (columns {seen[key]} and "
                f"{position}). Keep one of them."
            )
        seen[key] = position
    required = REQUIRED + (REQUIRED_FOR_ASSOCIATIONS if "record" in seen else ())
    missing = [BY_KEY[key].header for key in required if key not in seen]
    if missing:
        names = ", ".join(f"“{name}”" for name in missing)
        noun = "column is" if len(missing) == 1 else "columns are"
        raise FileProblem(
            f"The {names} {noun} missing from the header row (line 1). Every file needs "
            "the template’s columns, even where the cells are empty."
        )


def _records(reader, keys: list[str | None], max_rows: int) -> Iterator[RawRow]:
    count = 0
    while True:
        line = reader.line_num + 1
        record = _next(reader)
        if record is None:
            return
        if not any(cell.strip() for cell in record):
            continue
        count += 1
        if count > max_rows:
            raise FileProblem(
                f"The file has more than {max_rows:,} rows, the most one import takes. "
                "Split it into smaller files and upload each one."
            )
        cells = {key: cell for key, cell in zip(keys, record, strict=False) if key}
        extra = sum(1 for cell in record[len(keys) :] if cell.strip())
        yield RawRow(line, cells, extra)


# --- Rows ----------------------------------------------------------------------------------
OWN_COLUMNS = ("record", "standing", "client_reference", "kind")
ASSOCIATION_COLUMNS = tuple(c.key for c in COLUMNS if not c.kinds)
PROFILE_COLUMNS = tuple(c.key for c in COLUMNS if c.kinds and c.key not in OWN_COLUMNS)


def record_type(cells: dict[str, str]) -> str | None:
    """ "profile" or "association" (an empty "Row type" is a profile), or None if unknown."""
    text = fold(clean(cells.get("record") or "")) or "profile"
    return text if text in ("profile", "association") else None


def _reference(cells: dict[str, str], key: str, checked: Checked) -> str:
    header = BY_KEY[key].header
    text = unescape((cells.get(key) or "").strip())
    problem = name_problem(text)
    if not text:
        checked.errors.append((header, "Enter the client reference."))
    elif problem:
        checked.errors.append((header, problem))
    elif len(text) > BY_KEY[key].max_length:
        checked.errors.append((header, f"Too long: at most {BY_KEY[key].max_length} characters."))
    elif formula_like(text):
        checked.warnings.append(
            (header, f"Starts with “{text[0]}” like a spreadsheet formula: stored as text.")
        )
    return text


def _ignored(cells: dict[str, str], keys, reason: str, checked: Checked) -> None:
    for key in keys:
        if clean(cells.get(key) or ""):
            checked.warnings.append((BY_KEY[key].header, f"Ignored: {reason}."))


def check_profile(cells: dict[str, str], choices: Choices) -> Checked:
    """Check a profile row: its kind, reference, standing and the columns of its kind."""
    checked = Checked()
    reference = _reference(cells, "client_reference", checked)
    kind = fold(clean(cells.get("kind") or ""))
    standing = fold(clean(cells.get("standing") or "")) or "client"
    if standing not in ("client", "contact"):
        written = clean(cells.get("standing") or "")
        checked.errors.append(("Client or contact", f"“{written}” is neither client nor contact."))
    if kind not in ALL_KINDS:
        reason = f"“{cells.get('kind')}” is not" if kind else "Enter"
        checked.errors.append(("Kind", f"{reason} company, trust or individual."))
        checked.values["client_reference"] = reference
        return checked
    keys = [key for key in PROFILE_COLUMNS if kind in BY_KEY[key].kinds]
    read_cells(cells, keys, choices, checked)
    others = [key for key in PROFILE_COLUMNS if key not in keys]
    _ignored(cells, others, f"this column is not used for a {kind}", checked)
    _ignored(cells, ASSOCIATION_COLUMNS, "this column is for association rows", checked)
    _require(checked, kind, standing)
    checked.values |= {"kind": kind, "standing": standing, "client_reference": reference}
    return checked


def _require(checked: Checked, kind: str, standing: str) -> None:
    values = checked.values
    failed = {header for header, _ in checked.errors}
    needed = ["name"] if kind != "individual" else ["first_name", "last_name"]
    if standing == "client":
        needed.append("subscription_plan_id")
        needed += {"company": ["company_type_code"], "trust": ["trust_type_code"]}.get(kind, [])
    headers = {
        "subscription_plan_id": "Subscription plan",
        "company_type_code": "Company type",
        "trust_type_code": "Trust type",
    }
    for key in needed:
        header = headers.get(key) or BY_KEY[key].header
        if key not in values and header not in failed:
            article = "an" if kind == "individual" else "a"
            noun = f"{article} {kind} client" if key in headers else f"{article} {kind}"
            checked.errors.append((header, f"Enter the {header.lower()}: {noun} needs one."))


def check_association(cells: dict[str, str], choices: Choices) -> Checked:
    """Check an association row: who holds which role on which profile, shares and dates."""
    checked = Checked()
    party = _reference(cells, "client_reference", checked)
    target = _reference(cells, "role_on", checked)
    read_cells(cells, [k for k in ASSOCIATION_COLUMNS if k != "role_on"], choices, checked)
    values = checked.values
    if "role" not in values and not any(h == "Role" for h, _ in checked.errors):
        checked.errors.append(("Role", "Enter the role (director, shareholder, trustee…)."))
    if party and party == target:
        checked.errors.append(("On client reference", "A profile cannot hold a role on itself."))
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        checked.errors.append(("End date", "The end date is before the start date."))
    _ignored(
        cells,
        PROFILE_COLUMNS + ("kind", "standing"),
        "association rows use only the reference, role, shares, percentage and date columns",
        checked,
    )
    values |= {"party": party, "target": target}
    return checked


# --- The upload ----------------------------------------------------------------------------
CHUNK = 1000


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its name, a seekable binary stream, and its size in bytes."""

    filename: str
    stream: BinaryIO
    size: int


def choices(db: Session, firm_id: int) -> Choices:
    """What this firm's cells may name, by code or by label, without case or accents."""
    plans = clients.plans(db, firm_id)
    company_types = clients.company_types(db)
    trust_types = clients.trust_types(db)

    def options(pairs):
        """Codes and labels, folded, each naming its code."""
        return {fold(code): code for code, _ in pairs} | {
            fold(label): code for code, label in pairs
        }

    return Choices(
        plans={fold(plan.name): plan.id for plan in plans},
        company_types=options([(t.code, t.label) for t in company_types]),
        trust_types=options([(t.code, t.label) for t in trust_types]),
        roles=options(ROLES),
        labels={
            "plan": [plan.name for plan in plans],
            "company_type": [t.label for t in company_types],
            "trust_type": [t.label for t in trust_types],
            "role": [label for _, label in ROLES],
        },
    )


def check_upload(
    db: Session, firm_id: int, user_id: int, upload: Upload, max_bytes: int, max_rows: int
) -> BulkImport:
    """Check every row of ``upload`` and keep the result; raises ``FileProblem`` instead if
    the file as a whole cannot be read (then nothing is kept)."""
    check_size(upload.size, max_bytes)
    check_content(upload.stream.read(8192))
    digest = _sha256(upload.stream)
    csv_file = open_csv(upload.stream, max_rows)
    with database.writing(db):
        batch = BulkImport(
            firm_id=firm_id,
            user_id=user_id,
            filename=upload.filename[:255],
            file_bytes=upload.size,
            file_sha256=digest,
        )
        db.add(batch)
        db.flush()
        stager = _Stager(db, batch, choices(db, firm_id))
        for header in csv_file.unknown:
            stager.problem(None, header, "warning", "The portal does not use this column; ignored.")
        for raw in csv_file.rows:
            stager.add(raw)
        stager.finish()
        batch.problems_csv = report.problems_file(db, batch.id)
    return batch


def _sha256(stream: BinaryIO) -> str:
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _too_many_cells(raw: RawRow, checked: Checked) -> None:
    if raw.extra:
        checked.errors.append(
            (
                "",
                f"{raw.extra} more cell{'s'[: raw.extra != 1]} than the header row has "
                "columns: does a value with a comma in it need quotes?",
            )
        )


class _Stager:
    """Validates rows one by one and writes them, with their problems, in chunks."""

    def __init__(self, db: Session, batch: BulkImport, choices: Choices):
        self.db, self.batch, self.choices = db, batch, choices
        self.stored = dict(
            db.execute(
                select(Profile.client_reference, Profile.kind).where(
                    Profile.firm_id == batch.firm_id, Profile.client_reference.is_not(None)
                )
            ).all()
        )
        self.lines: dict[str, int] = {}  # reference → line of its profile row
        self.invalid: set[str] = set()
        self.duplicates: dict[str, list[int]] = {}
        self.associations: list[tuple[RawRow, Checked]] = []
        self.rows: list[dict] = []
        self.problems: list[dict] = []
        self.error_lines: set[int] = set()

    def problem(self, line, column: str, severity: str, message: str) -> None:
        """Note an error or a warning on ``line`` (None: the file as a whole)."""
        self.problems.append(
            {
                "bulk_import_id": self.batch.id,
                "line": line,
                "column_name": column[:100],
                "severity": severity,
                "message": message[:500],
            }
        )
        if severity == "error":
            self.error_lines.add(line)
        else:
            self.batch.warnings += 1

    def add(self, raw: RawRow) -> None:
        """Check one row; an association row waits until every profile row is known."""
        self.batch.rows_in_file += 1
        record = record_type(raw.cells)
        if record == "association":
            self.batch.association_rows += 1
            checked = check_association(raw.cells, self.choices)
            _too_many_cells(raw, checked)
            self.associations.append((raw, checked))
            return
        self.batch.profile_rows += 1
        if record is None:
            checked = Checked(
                errors=[("Row type", "Use profile (or leave it empty) or association.")]
            )
        else:
            checked = check_profile(raw.cells, self.choices)
            _too_many_cells(raw, checked)
            self._against_others(raw.line, checked)
        self._stage(raw, "profile", checked)

    def _against_others(self, line: int, checked: Checked) -> None:
        reference, kind = checked.values.get("client_reference"), checked.values.get("kind")
        if not reference:
            return
        if reference in self.lines:
            self.duplicates.setdefault(reference, [self.lines[reference]]).append(line)
            return
        self.lines[reference] = line
        stored = self.stored.get(reference)
        if kind and stored and stored != kind:
            checked.errors.append(
                (
                    "Kind",
                    f"Client reference “{reference}” is a {stored} in the portal, not a {kind}.",
                )
            )
        if checked.errors:
            self.invalid.add(reference)

    def _stage(self, raw: RawRow, record: str, checked: Checked) -> None:
        for column, message in checked.errors:
            self.problem(raw.line, column, "error", message)
        for column, message in checked.warnings:
            self.problem(raw.line, column, "warning", message)
        values = checked.values
        self.rows.append(
            {
                "bulk_import_id": self.batch.id,
                "line": raw.line,
                "record": record,
                "reference": (values.get("client_reference") or values.get("party") or "")[:100],
                "other_reference": (values.get("target") or "")[:100],
                "kind": values.get("kind", ""),
                "data": values,
                "valid": not checked.errors,
            }
        )
        if len(self.rows) >= CHUNK or len(self.problems) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.db.execute(insert(BulkImportRow), self.rows)
        if self.problems:
            self.db.execute(insert(BulkImportProblem), self.problems)
        self.rows, self.problems = [], []

    def _check_reference(self, reference: str, column: str, checked: Checked) -> None:
        if not reference:
            return
        if reference in self.duplicates or reference in self.invalid:
            line = self.lines[reference]
            checked.errors.append(
                (
                    column,
                    f"The profile row for “{reference}” (line {line}) has problems, so "
                    "this association cannot be imported until they are fixed.",
                )
            )
        elif reference not in self.lines and reference not in self.stored:
            checked.errors.append(
                (
                    column,
                    f"No profile row in this file, and no profile in the portal, has the "
                    f"client reference “{reference}”.",
                )
            )

    def finish(self) -> None:
        """Mark every use of a duplicated reference, check the associations, count."""
        for reference, lines in self.duplicates.items():
            others = ", ".join(str(n) for n in lines)
            for line in lines:
                self.problem(
                    line,
                    "Client reference",
                    "error",
                    f"“{reference}” is on lines {others}: a client reference may be on one "
                    "profile row only. Keep one of them.",
                )
        seen: dict[tuple, int] = {}
        for raw, checked in self.associations:
            values = checked.values
            self._check_reference(values["party"], "Client reference", checked)
            self._check_reference(values["target"], "On client reference", checked)
            key = (values["party"], values.get("role"), values["target"])
            if key in seen and "role" in values:
                checked.errors.append(("Role", f"The same association is on line {seen[key]}."))
            seen.setdefault(key, raw.line)
            self._stage(raw, "association", checked)
        self._flush()
        duplicated = [line for lines in self.duplicates.values() for line in lines]
        for start in range(0, len(duplicated), CHUNK):
            self.db.execute(
                update(BulkImportRow)
                .where(
                    BulkImportRow.bulk_import_id == self.batch.id,
                    BulkImportRow.line.in_(duplicated[start : start + CHUNK]),
                )
                .values(valid=False)
            )
        self.batch.error_rows = len(self.error_lines - {None})
        self.batch.valid_rows = self.batch.rows_in_file - self.batch.error_rows
