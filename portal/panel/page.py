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

    def freshen(self) -> Freshness | None:
        """How fresh the directory is; a refresh starts in the background if one is due."""
        if self.practice is None:
            return None
        session = database.session()
        freshness = directory.prepare(session, self.practice, utcnow())
        if freshness.due:
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
        first_answer = self.search.after is None and self.confirmation is None
        if first_answer and self.confirmable():
            archived = "1" if self.search.archived else None
            self.confirm_url = url_for(
                "panel.confirm", q=self.raw_query, archived=archived, link=self.link_id
            )
        if self.linking is not None and self.search.after is None:
            self.suggested = linking.suggestions(session, self.practice, self.linking)
        return self.found

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
            "system": PROVIDER_LABELS[self.connection.provider if self.connection else "xpm"],
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
        }
        if whole_page:
            context |= page_context(MultiDict())
        response = render(TEMPLATE, block, **context)
        echo = {"q": self.raw_query, "archived": "1" if self.search.archived else ""}
        response.headers["X-Panel-Query"] = urlencode(echo)
        return response


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
