"""Checking an uploaded file: every row is validated and kept, with its problems, server-side.

Nothing here touches the firm's profiles. The rows are streamed into ``bulk_import_rows``
in chunks, so a file of tens of thousands of rows never sits in memory as a whole; the
checks that span rows (a client reference used twice, an association naming a row that
does not exist) need only the references, which are kept.
"""

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from portal import db as database
from portal.bulk import report
from portal.bulk.reading import RawRow, check_content, check_size, open_csv
from portal.bulk.records import check_association, check_profile, record_type
from portal.bulk.rows import Checked, Choices
from portal.clients import service as clients
from portal.models import BulkImport, BulkImportProblem, BulkImportRow, Profile
from portal.reference import ROLES
from portal.text import fold

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
