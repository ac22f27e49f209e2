"""Reading an uploaded file as CSV: size, binary content, encoding, delimiter, header.

The file is read line by line from the upload's (spooled) stream, never whole into
memory. Anything that makes the whole file unreadable raises ``FileProblem`` with a
message that says what is wrong and what to do about it.
"""

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from portal.bulk.columns import BY_KEY, REQUIRED, REQUIRED_FOR_ASSOCIATIONS, column_for

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
