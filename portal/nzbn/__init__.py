"""Reading the Companies Register through the NZBN API v5 (MBIE's New Zealand Business
Number register, which carries each company's directors, shareholdings, addresses and
annual return filing month).

``RegisterApi`` is the one HTTP client (read-only, bounded, retried); ``records`` holds what
it returns; ``errors`` what can go wrong, worded for staff; ``factory`` builds it from the
configuration. No Flask in here (``tests/test_architecture.py``).
"""

from portal.nzbn.api import RegisterApi
from portal.nzbn.errors import (
    Malformed,
    NotConfigured,
    NotFound,
    RateLimited,
    RegisterError,
    Rejected,
    Unauthorised,
    Unavailable,
)
from portal.nzbn.factory import api_from_config, configured
from portal.nzbn.records import (
    Address,
    Director,
    Entity,
    SearchPage,
    SearchResult,
    ShareAllocation,
    Shareholder,
    public_page,
)

__all__ = [
    "Address",
    "Director",
    "Entity",
    "Malformed",
    "NotConfigured",
    "NotFound",
    "RateLimited",
    "RegisterApi",
    "RegisterError",
    "Rejected",
    "SearchPage",
    "SearchResult",
    "ShareAllocation",
    "Shareholder",
    "Unauthorised",
    "Unavailable",
    "api_from_config",
    "configured",
    "public_page",
]
