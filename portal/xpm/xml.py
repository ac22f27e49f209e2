"""Reading XPM's XML safely, and the small readers the record parsers share.

Everything from XPM is untrusted input: no DTDs, no entities, nothing external, a cap on
size and on nesting, and the answer must be a ``<Response>`` whose ``Status`` is OK.
Text is handed on exactly as the parser produced it: the only changes are XML's own
(entity references decoded, line endings normalised), so what XPM stored is what the
portal stores.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml.ElementTree import DefusedXMLParser

from portal.xpm.errors import XpmBadResponse, XpmBusinessError, XpmNotFound

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# XPM's deepest shape is Response/Client/Relationships/Relationship/RelatedClient/UUID;
# anything far deeper is an attack on the parser, not data.
DEFAULT_MAX_DEPTH = 32

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]*(?:Z|[+-]\d{2}:?\d{2})?)?")
# Bounded so that a hostile "1e999999999" can never become a billion-digit integer.
WHOLE_NUMBER = re.compile(r"-?\d{1,18}(?:\.0+)?")
DECIMAL_NUMBER = re.compile(r"-?\d{1,15}(?:\.\d{1,15})?")
YES = {"yes", "y", "true", "1"}
# XPM's own wording is "Invalid client identifier" (and "Invalid … identifier" for others).
NOT_FOUND = re.compile(
    r"invalid [\w ]{0,40}identifier|not found|does not exist|doesn't exist|no such|unknown",
    re.IGNORECASE,
)
REFUSED = {
    DTDForbidden: "a document type (DTD)",
    EntitiesForbidden: "entities",
    ExternalReferenceForbidden: "a reference to an outside resource",
}
HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
UTF8_BOM = b"\xef\xbb\xbf"
#: Byte-order marks of the encodings XML allows besides UTF-8; XPM sends UTF-8 only.
OTHER_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
XML_DECLARATION = re.compile(rb"<\?xml\s")
DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")
UTF8_NAMES = {"utf-8", "utf8"}


class _DepthCappedTreeBuilder(TreeBuilder):
    """Builds the tree like ElementTree does, refusing to go deeper than ``max_depth``."""

    def __init__(self, max_depth: int):
        super().__init__()
        self._max_depth = max_depth
        self._depth = 0

    def start(self, tag, attrs):
        self._depth += 1
        if self._depth > self._max_depth:
            raise XpmBadResponse(f"XML nested deeper than {self._max_depth} levels")
        return super().start(tag, attrs)

    def end(self, tag):
        self._depth -= 1
        return super().end(tag)


def looks_like_html(body: bytes) -> bool:
    """True when ``body`` is a web page (a proxy's or a login page) rather than XML."""
    return HTML_START.match(body[:4096]) is not None


def declared_encoding(body: bytes) -> str | None:
    """The encoding a document names by its byte-order mark or XML declaration, if any."""
    for mark, name in OTHER_BOMS.items():
        if body.startswith(mark):
            return name
    head = body.removeprefix(UTF8_BOM).lstrip()[:200]
    if not XML_DECLARATION.match(head):
        return None
    found = DECLARED_ENCODING.match(head)
    return found.group(1).decode("ascii", "replace") if found else None


def _without_declaration(body: bytes) -> bytes:
    """``body`` from just after its XML declaration (checked to say UTF-8, which is what
    expat reads when none is given; it does not know every spelling of it, such as UTF8)."""
    head = body.removeprefix(UTF8_BOM).lstrip()
    if not XML_DECLARATION.match(head):
        return body
    end = head.find(b"?>")
    return head[end + 2 :] if end != -1 else body


def refuse_other_encodings(name: str | None) -> None:
    """Raise ``XpmBadResponse`` for any declared encoding but UTF-8 (XPM's only one)."""
    if name is not None and name.strip().lower() not in UTF8_NAMES:
        shown = re.sub(r"[^A-Za-z0-9._-]", "?", name)[:40] or "an empty name"
        raise XpmBadResponse(f"it says its text is in {shown}, not UTF-8")


def parse_document(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> Element:
    """Parse untrusted XML into its root element, or raise ``XpmBadResponse``."""
    if len(body) > max_bytes:
        raise XpmBadResponse(f"the response is larger than {max_bytes:,} bytes")
    if looks_like_html(body):
        raise XpmBadResponse("a web page came back where XML was expected")
    # expat would decode UTF-16 or Latin-1, and fail outside XML's errors on others
    # (UTF-7, Shift_JIS, unknown names): only UTF-8 is read at all.
    refuse_other_encodings(declared_encoding(body))
    body = _without_declaration(body)
    # defusedxml's fromstring(forbid_dtd=True, forbid_entities=True, forbid_external=True),
    # with a tree builder that also caps nesting.
    parser = DefusedXMLParser(
        target=_DepthCappedTreeBuilder(max_depth),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    try:
        parser.feed(body)
        return parser.close()
    except DefusedXmlException as error:
        declared = REFUSED.get(type(error), "something unsafe")
        raise XpmBadResponse(f"the XML declares {declared}, which is refused") from None
    except ParseError as error:
        raise XpmBadResponse(f"the XML is broken: {error}") from None
    except (LookupError, ValueError) as error:  # an encoding expat cannot read after all
        raise XpmBadResponse(f"the XML could not be decoded ({type(error).__name__})") from None


def read_response(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> Element:
    """The ``<Response>`` element of an XPM answer whose ``Status`` is OK."""
    root = parse_document(body, max_bytes=max_bytes, max_depth=max_depth)
    if root.tag != "Response":
        raise XpmBadResponse(f"<{root.tag[:40]}> came back where <Response> was expected")
    status = text(root, "Status").strip()
    if status == "OK":
        return root
    if status == "ERROR":
        description = text(root, "ErrorDescription").strip()
        error = XpmNotFound if NOT_FOUND.search(description) else XpmBusinessError
        raise error(description)
    raise XpmBadResponse(f"the response status is {status[:40]!r}, not OK or ERROR")


# --- Readers for one field ---------------------------------------------------------------
def text(element: Element | None, name: str) -> str:
    """The text of child ``name`` exactly as received; "" when absent or self-closing."""
    child = None if element is None else element.find(name)
    return "" if child is None else "".join(child.itertext())


def first_text(element: Element, *names: str) -> str:
    """The text of the first of ``names`` that is present (XPM's spelling varies)."""
    for name in names:
        if element.find(name) is not None:
            return text(element, name)
    return ""


def flag(element: Element, name: str) -> bool:
    """XPM's "Yes"/"No" strings as a bool; absent or empty is No."""
    return text(element, name).strip().lower() in YES


def sent_flag(element: Element, name: str) -> bool | None:
    """A "Yes"/"No" flag that some answers leave out: None when XPM did not send it (its
    search and get answers say nothing of IsArchived or IsDeleted)."""
    return None if element.find(name) is None else flag(element, name)


def day(element: Element, name: str, *, last: bool = False) -> date | None:
    """A date sent as ``1970-11-26`` or ``1970-11-26T00:00:00``; None when empty or unusable.

    ``last``: of several elements of that name, the last one's (XPM's ``get`` sends
    ``DateOfBirth`` twice, and only the second is the person's, "Individual Only").
    """
    found = element.findall(name) if last and element is not None else []
    value = "".join(found[-1].itertext()) if found else text(element, name)
    match = ISO_DATE.fullmatch(value.strip())
    if match is None:
        return None
    try:
        value = date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    # .NET writes DateTime.MinValue (0001-01-01) where there is no date.
    return None if value.year <= 1 else value


def whole_number(element: Element, name: str) -> int | None:
    """A count such as NumberOfShares; None when empty or not a whole number."""
    value = text(element, name).strip().replace(",", "")
    if not WHOLE_NUMBER.fullmatch(value):
        return None
    return int(value.split(".")[0])


def decimal(element: Element, name: str) -> Decimal | None:
    """A figure such as Percentage, exactly as written; None when empty or not a number."""
    value = text(element, name).strip()
    if not DECIMAL_NUMBER.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


def items(element: Element, collection: str, item: str) -> list[Element]:
    """The ``item`` children of ``collection``: one child or many, and [] when self-closing."""
    holder = element.find(collection)
    return [] if holder is None else holder.findall(item)
