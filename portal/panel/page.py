"""What one request to the panel shows, gathered only as far as the answer needs it: the
search and the firm's connection always; rows, freshness and confirmation on demand."""

import unicodedata
from dataclasses import replace
from urllib.parse import urlencode

from flask import abort, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal import database, directory
from portal.addons.api import practice_of, working_connection
from portal.clients import service as clients
from portal.clients.views import page_context
from portal.database import utcnow
from portal.directory import Confirmation, Freshness, Search
from portal.limits import row_id
from portal.linking import service as linking
from portal.panel import practice
from portal.reference import PROVIDER_LABELS
from portal.web import render, wants_fragment

TEMPLATE = "panel/page.html"
MAX_QUERY = 200
#: Milliseconds the search box waits after a key before asking the portal's own copy: none,
#: so results follow the typing (docs/spec.md §12); XPM is asked only once typing settles.
SEARCH_DELAY_MS = 0


class Panel:
    """The panel for the request being answered."""

    def __init__(self):
        args = request.args
        self.raw_query = args.get("q", "")
        text = "".join(c for c in self.raw_query if unicodedata.category(c) != "Cc").strip()
        self.refused = ""
        if len(text) > MAX_QUERY:
            self.refused = (
                f"A search can be at most {MAX_QUERY} characters long. Shorten it and try again."
            )
        self.search = Search(
            text="" if self.refused else text,
            archived=args.get("archived") == "1",
            after=args.get("after") or None,
        )
        self.linking = _profile_to_link(args.get("link"))
        self.suggested: list[directory.Row] = []
        self.connection = working_connection(database.session(), current_user.firm_id)
        connected = self.connection is not None and self.connection.status == "connected"
        self.practice = practice_of(self.connection) if connected else None
        self.freshness: Freshness | None = None
        self.found: directory.Listing | None = None
        self.confirmation: Confirmation | None = None
        self.confirm_url: str | None = None
        #: Where the next page starts (the last row of this one, shown or not).
        self.next_after: str | None = None
        #: A fragment answering a search redraws the status line too (out of band).
        self.sync_oob = False

    def freshen(self, start: bool = True) -> Freshness | None:
        """How fresh the directory is; a refresh starts in the background if one is due
        (unless ``start`` is false: answers to typing never start one)."""
        if self.practice is None:
            return None
        session = database.session()
        freshness = directory.prepare(session, self.practice, utcnow())
        if freshness.due and start:
            practice.start_refresh(session, self.practice)
            freshness = replace(freshness, reading=True, due=False)
        self.freshness = freshness
        return freshness

    def find(self) -> directory.Listing | None:
        """The rows asked for, and whether XPM should be asked to confirm them."""
        if self.practice is None or self.refused:
            return None
        session = database.session()
        self.found = directory.listing(session, self.practice, self.search, practice.counts())
        if self.found.more and self.found.rows:
            self.next_after = self.found.rows[-1].client_uuid
        first_answer = self.search.after is None and self.confirmation is None
        if first_answer and self.confirmable():
            archived = "1" if self.search.archived else None
            self.confirm_url = url_for(
                "panel.confirm", q=self.raw_query, archived=archived, link=self.link_id
            )
        if self.linking is not None:
            self.found = self._without_suggested(session)
        return self.found

    def _without_suggested(self, session) -> directory.Listing:
        """In link mode the suggested clients come first, on the first page, and are not
        listed again among the matches (on any page)."""
        suggested = linking.suggestions(session, self.practice, self.linking)
        if self.search.after is None:
            self.suggested = suggested
        shown = {row.client_uuid for row in suggested}
        rows = [row for row in self.found.rows if row.client_uuid not in shown]
        return replace(self.found, rows=rows)

    @property
    def link_id(self) -> int | None:
        """The profile being linked (link mode), for the panel's URLs."""
        return self.linking.id if self.linking is not None else None

    def confirmable(self) -> bool:
        """True for a search XPM may know more about than the directory does."""
        return (
            self.practice is not None
            and not self.refused
            and directory.needs_confirming(practice.memo(), self.practice, self.search.text)
        )

    def respond(self, block: str):
        """The page with the panel open, or ``block`` of it for htmx; naming the search."""
        whole_page = not wants_fragment()
        if whole_page and self.freshness is None:
            self.freshen()
        if whole_page and self.found is None:
            self.find()
        context = {
            "connection": self.connection,
            "connected": self.practice is not None,
            "system": context_system(self.connection),
            "raw_query": self.raw_query,
            "search": self.search,
            "refused": self.refused,
            "found": self.found,
            "freshness": self.freshness,
            "confirmation": self.confirmation,
            "confirm_url": self.confirm_url,
            "linking": self.linking,
            "link_id": self.link_id,
            "suggested": self.suggested,
            "next_after": self.next_after,
            "sync_oob": self.sync_oob and not whole_page,
            "panel_title": title(self.linking is not None, context_system(self.connection)),
            "search_delay_ms": SEARCH_DELAY_MS,
        }
        if whole_page:
            context |= page_context(MultiDict())
        response = render(TEMPLATE, block, **context)
        echo = {"q": self.raw_query, "archived": "1" if self.search.archived else ""}
        response.headers["X-Panel-Query"] = urlencode(echo)
        return response


def context_system(connection) -> str:
    """The practice manager's name as the panel says it."""
    return PROVIDER_LABELS[connection.provider if connection else "xpm"]


def title(linking: bool, system: str) -> str:
    """The panel's title: for adding a client, or for linking a profile to one."""
    return f"Link to a {system} client" if linking else "Add client"


def _profile_to_link(value: str | None):
    """The firm's profile named by ``link`` (link mode); another firm's answers 404."""
    if value is None:
        return None
    try:
        profile = clients.get_profile(database.session(), current_user.firm_id, row_id(value))
    except ValueError:
        profile = None
    if profile is None:
        abort(404)
    return profile
