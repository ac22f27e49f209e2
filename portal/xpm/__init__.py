"""Reading a practice's clients from Xero Practice Manager (XPM) or WorkflowMax.

``XpmApi`` is the one HTTP client (read-only, paced, retried); ``records`` holds what it
returns; ``errors`` what can go wrong, worded for staff. The OAuth flow and the token
storage are kept apart from the client and hand it a ``TokenSource``.
"""

from portal.xpm.api import TokenSource, XpmApi
from portal.xpm.errors import (
    CallAbandoned,
    LimiterBusy,
    LimiterUnavailable,
    XpmAuthError,
    XpmBadResponse,
    XpmBusinessError,
    XpmError,
    XpmForbidden,
    XpmNotFound,
    XpmRateLimited,
    XpmUnavailable,
    XpmWriteRefused,
)
from portal.xpm.limiter import (
    BACKGROUND,
    IMPORT,
    INTERACTIVE,
    SEARCH,
    Limits,
    MemoryBackend,
    Slot,
    TenantLimiter,
)
from portal.xpm.records import (
    ClientPage,
    ClientRef,
    Contact,
    Group,
    Note,
    Relationship,
    WorkflowMaxPage,
    XpmClient,
)
from portal.xpm.transport import RetryPolicy
from portal.xpm.xml import parse_document, read_response

__all__ = [
    "BACKGROUND",
    "IMPORT",
    "INTERACTIVE",
    "SEARCH",
    "CallAbandoned",
    "ClientPage",
    "ClientRef",
    "Contact",
    "Group",
    "LimiterBusy",
    "LimiterUnavailable",
    "Limits",
    "MemoryBackend",
    "Note",
    "Relationship",
    "RetryPolicy",
    "Slot",
    "TenantLimiter",
    "TokenSource",
    "WorkflowMaxPage",
    "XpmApi",
    "XpmAuthError",
    "XpmBadResponse",
    "XpmBusinessError",
    "XpmClient",
    "XpmError",
    "XpmForbidden",
    "XpmNotFound",
    "XpmRateLimited",
    "XpmUnavailable",
    "XpmWriteRefused",
    "parse_document",
    "read_response",
]
