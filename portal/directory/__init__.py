"""The practice's client list, kept in the portal so the "Add client" panel answers at once.

XPM allows each practice 60 calls a minute, 5 in flight and 5,000 a day, shared by all its
staff; the panel cannot ask XPM on every keystroke or every scroll. So each firm keeps a
*directory* of its practice's clients (UUID, name, structure, identifiers, status flags):

- ``sync`` fills it from ``paged-list`` once and keeps it fresh with ``modifiedsince``,
  in the background, one worker at a time per practice (``state`` holds the claim);
- ``store`` answers the panel's scrolling and searching from it (``counts`` remembers
  how many matched a broad search for a few seconds);
- ``confirm`` checks a settled search against XPM's own ``search`` (remembered briefly),
  so a client added in XPM a minute ago is found too;
- those XPM calls run off the request thread (``portal.jobs``), so a slow or failing XPM
  never holds a request longer than it chooses to wait; failures become notices.

The directory is a cache of what XPM says, not the firm's data: writing it from a GET is
refreshing a cache. Nothing here knows about Flask or the request being answered.
"""

from portal.directory.confirm import Confirmation, SearchMemo, confirm, needs_confirming
from portal.directory.counts import Counts
from portal.directory.state import Freshness, prepare
from portal.directory.store import Listing, Practice, Row, Search, listing
from portal.directory.sync import refresh

__all__ = [
    "Confirmation",
    "Counts",
    "Freshness",
    "Listing",
    "Practice",
    "Row",
    "Search",
    "SearchMemo",
    "confirm",
    "listing",
    "needs_confirming",
    "prepare",
    "refresh",
]
