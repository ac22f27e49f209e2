"""Confirming a settled search against XPM's own ``search``, so that a client added in XPM a
minute ago is found before the next refresh brings it in.

XPM's answers go into the directory, and the panel always shows the directory: there is
one way rows are drawn, whatever answered. A search XPM has answered is remembered for a
minute, and so is every longer search inside it: what XPM finds for "kowhai" is among
what it found for "kow", which is already stored.

XPM's search does not say whether a client is archived or deleted. The directory lists
every active client (a full read, then the changes), so a client only the search knows is
either new since the last read, or archived or deleted: the change listing, read at once
(one call, and only when that happens), lists the new ones; the rest are archived or
deleted (which of the two, XPM does not say; a later listing corrects it if need be).
"""

import contextlib
import hashlib
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import sessionmaker

from portal.database import utcnow, writing
from portal.directory import state, store, sync
from portal.directory.store import Practice
from portal.jobs import Jobs
from portal.shared import Unavailable
from portal.text import fold
from portal.xpm import XpmApi, XpmError

#: Shorter searches match too much of the practice to be worth a call: the directory answers.
MIN_LENGTH = 3
REMEMBER_SECONDS = 60.0
#: A search with more answers than this may have been cut short by XPM: it covers nothing.
COVERS_UP_TO = 200
#: Parts of a search looked for among those remembered: within its first characters.
MAX_PART = 40
#: Few enough local matches to ask for details (company numbers) at little cost.
DETAILED_UP_TO = 50
#: The changes are read at once, however recently they were last read.
AT_ONCE = timedelta(0)


@dataclass(frozen=True)
class Confirmation:
    """How confirming went: entries XPM added or changed, or why it could not say."""

    changed: int = 0
    error: XpmError | None = None
    slow: bool = False  # XPM had not answered when the request stopped waiting


class SearchMemo:
    """The searches XPM answered in the last minute, per practice, in the installation's
    shared store (so every worker knows what any of them asked)."""

    def __init__(self, store, seconds: float = REMEMBER_SECONDS):
        self._store, self._seconds = store, seconds

    def covers(self, practice: Practice, text: str) -> bool:
        """True if XPM's answer to ``text`` is already in the directory: ``text`` itself was
        asked, or a part of it (from a word's start) whose answer was not cut short."""
        wanted = _key(text)
        parts = _parts(wanted)
        try:
            answers = self._store.get_many([_memo_key(practice, part) for part in parts])
        except Unavailable:
            return False  # XPM is asked, as if nothing were remembered
        for part, answer in zip(parts, answers, strict=True):
            if answer is not None and (part == wanted or int(answer) <= COVERS_UP_TO):
                return True
        return False

    def remember(self, practice: Practice, text: str, results: int) -> None:
        """Note that XPM answered ``text`` with ``results`` clients, all now stored."""
        with contextlib.suppress(Unavailable):  # only a saving: the next search asks again
            self._store.put(_memo_key(practice, _key(text)), str(results).encode(), self._seconds)


def _parts(wanted: str) -> list[str]:
    """``wanted`` and the parts of it that may have been asked before: what was typed on
    the way to it from the start of any of its words (within its first characters)."""
    head = wanted[:MAX_PART]
    starts = [0, *(i + 1 for i, c in enumerate(head) if c == " ")]
    parts = {head[i:j] for i in starts for j in range(i + MIN_LENGTH, len(head) + 1)}
    return sorted(parts | {wanted}, key=len, reverse=True)


def _memo_key(practice: Practice, query: str) -> str:
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    return f"search:{practice.firm_id}:{practice.provider}:{practice.tenant_id}:{digest}"


def needs_confirming(memo: SearchMemo, practice: Practice, text: str) -> bool:
    """True for a search long enough to ask XPM about that XPM has not answered lately."""
    return len(fold(text.strip())) >= MIN_LENGTH and not memo.covers(practice, text)


def confirm(
    sessions: sessionmaker,
    jobs: Jobs,
    memo: SearchMemo,
    api: XpmApi,
    practice: Practice,
    text: str,
    *,
    local_matches: int,
    wait: float,
) -> Confirmation:
    """Ask XPM for ``text`` and store what it finds, waiting at most ``wait`` seconds (the
    call goes on afterwards, and its answer is stored for the next request)."""
    key = ("search", practice, _key(text))
    detailed = local_matches <= DETAILED_UP_TO
    future = jobs.submit(key, lambda: _search(sessions, memo, api, practice, text, detailed))
    try:
        return future.result(timeout=wait)
    except FutureTimeout:
        return Confirmation(slow=True)


def _search(
    sessions: sessionmaker,
    memo: SearchMemo,
    api: XpmApi,
    practice: Practice,
    text: str,
    detailed: bool,
) -> Confirmation:
    try:
        found = api.search(text.strip(), detailed=detailed)
    except XpmError as error:
        return Confirmation(error=error)
    with sessions() as db, writing(db):
        changed = store.upsert(db, practice, found, detailed=detailed, now=utcnow())
        unknown = store.not_said(db, practice, [client.uuid for client in found])
    if unknown:  # new since the last read, or archived or deleted: the changes say which
        answered = utcnow()
        changed += sync.refresh(sessions, api, practice, sooner=AT_ONCE)
        with sessions() as db, writing(db):
            if state.read_since(db, practice, answered):
                store.settle_unlisted(db, practice, unknown)
    memo.remember(practice, text, len(found))
    return Confirmation(changed=changed)


def _key(text: str) -> str:
    """Searches compared as XPM compares them: without case (macrons may matter to XPM)."""
    return text.strip().casefold()
