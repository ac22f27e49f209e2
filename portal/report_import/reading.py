"""An uploaded report file read into a table of text cells: XPM's CSV or XML export.

CSV is read as UTF-8, with or without a byte-order mark; any other encoding is refused
with a sentence saying how to save the file again. XML is read by the XPM client's own
safe parser (no DTD, no entities, nothing external, a cap on size and nesting), each
``<Record>`` element a row whose child elements are its columns.
"""

import csv
import io
from dataclasses import dataclass

from portal.xpm.errors import XpmBadResponse
from portal.xpm.xml import UTF8_BOM, parse_document

#: Deeper than any report (Report/Records/Record/Field), far short of an attack.
MAX_DEPTH = 8
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class FileRefused(ValueError):
    """The file cannot be read as a report; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class Table:
    """A report file's header and rows: (line or record number, cells) per row."""

    format: str  # "CSV" or "XML"
    headers: list[str]
    rows: list[tuple[int, list[str]]]


def read(filename: str, data: bytes, max_rows: int) -> Table:
    """The report in ``data``, as a table, or ``FileRefused``."""
    start = data[:200].lstrip(UTF8_BOM).lstrip()
    if filename.lower().endswith(".xml") or start.startswith(b"<"):
        table = _xml(data)
    else:
        table = _csv(data)
    if not table.rows:
        raise FileRefused("The file has no rows under its header: export the report again.")
    if len(table.rows) > max_rows:
        raise FileRefused(
            f"The file has {len(table.rows):,} rows; the portal takes up to {max_rows:,} at a "
            "time. Filter the report in XPM (for example by client group) and import each part."
        )
    return table


def _text(data: bytes) -> str:
    if data.startswith(UTF16_BOMS):
        raise FileRefused(
            "The file is saved as UTF-16 (Excel's “Unicode Text”). Save it as “CSV UTF-8 "
            "(Comma delimited)”, or export it from XPM again, and upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused(
            f"The file is not UTF-8 text (byte {error.start + 1:,} cannot be read). Export it "
            "from XPM again, or save it in Excel as “CSV UTF-8 (Comma delimited)”."
        ) from None


def _csv(data: bytes) -> Table:
    reader = csv.reader(io.StringIO(_text(data), newline=""), strict=True)
    try:
        headers = next(reader, [])
        rows = []
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise FileRefused(
            f"The file is not a CSV file the portal can read (line {reader.line_num}: {error})."
        ) from None
    if not any(header.strip() for header in headers):
        raise FileRefused("The file's first line has no column headers: export the report again.")
    return Table("CSV", [header.strip() for header in headers], rows)


def _xml(data: bytes) -> Table:
    try:
        root = parse_document(data, max_bytes=len(data) + 1, max_depth=MAX_DEPTH)
    except XpmBadResponse as error:
        raise FileRefused(f"The file cannot be read as XML: {error.detail}.") from None
    headers: dict[str, int] = {}
    records = []
    for element in root.iter("Record"):
        values = {}
        for child in element:
            headers.setdefault(child.tag, len(headers))
            values[child.tag] = (child.text or "").strip()
        records.append(values)
    if not records:
        raise FileRefused("The XML file has no <Record> elements: export the report again.")
    names = list(headers)
    rows = [(number, [r.get(name, "") for name in names]) for number, r in enumerate(records, 1)]
    return Table("XML", names, rows)
