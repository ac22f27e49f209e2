"""Reading one client and everything related to it from XPM, before anything is written.

The root is read first; each related client is then read at most once, up to five at a
time (XPM's limit per practice), and as soon as it is discovered rather than a level at a
time. A related entity's own relationships are followed to ``max_depth``; a client already
in the portal is linked, not read again; a cycle ends where a client has been seen.
Concurrent imports of the same client share one reading (``shared``).
"""

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from portal.importing.mapping import normal_uuid, usable_uuid
from portal.xpm import XpmApi, XpmClient, XpmNotFound

IN_FLIGHT = 5  # XPM allows five calls in flight per practice
DEFAULT_DEPTH = 2


@dataclass
class Fetched:
    """What XPM said about a client and its related clients."""

    root: XpmClient
    #: Every client read, the root included, in the order they arrived.
    clients: dict[str, XpmClient] = field(default_factory=dict)
    #: How many relationships away from the root each client was found.
    depth: dict[str, int] = field(default_factory=dict)
    #: Related clients already in the portal: linked, not read.
    stored: set[str] = field(default_factory=set)
    #: Related clients XPM no longer has: {uuid: the name the relationship gave}.
    missing: dict[str, str] = field(default_factory=dict)
    calls: int = 0


def fetch_graph(
    api: XpmApi,
    root_uuid: str,
    *,
    stored_among: Callable[[set[str]], set[str]],
    follows: Callable[[XpmClient], bool],
    root: XpmClient | None = None,
    max_depth: int = DEFAULT_DEPTH,
    workers: int = IN_FLIGHT,
    on_read: Callable[[int, int], None] | None = None,
) -> Fetched:
    """Read ``root_uuid`` (unless its record is given as ``root``) and its related clients;
    ``follows`` says whose relationships to follow; ``on_read(read, known)`` is told each
    time one more related client has been read.

    Raises the XPM error of the first call that fails (a related client that no longer
    exists is noted in ``missing`` instead).
    """
    calls = 0 if root is not None else 1
    root = root or api.get(root_uuid)
    root_key = normal_uuid(root.uuid or root_uuid)
    fetched = Fetched(root=root, clients={root_key: root}, depth={root_key: 0}, calls=calls)
    names: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="xpm-import")
    pending: dict[Future, str] = {}

    def discover(client: XpmClient, depth: int) -> None:
        if depth >= max_depth or (depth > 0 and not follows(client)):
            return
        found = _related(client, names) - fetched.depth.keys()
        if not found:
            return
        stored = stored_among(found)
        for uuid in sorted(found):
            fetched.depth[uuid] = depth + 1
            if uuid in stored:
                fetched.stored.add(uuid)
            else:
                pending[pool.submit(api.get, uuid)] = uuid

    try:
        discover(root, 0)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                uuid = pending.pop(future)
                fetched.calls += 1
                try:
                    client = future.result()
                except XpmNotFound:
                    fetched.missing[uuid] = names.get(uuid, uuid)
                    continue
                fetched.clients[uuid] = client
                discover(client, fetched.depth[uuid])
            if on_read is not None:
                on_read(len(fetched.clients) + len(fetched.missing) - 1, len(fetched.depth) - 1)
    finally:
        # On a failure, calls not yet started are dropped, and those under way are waited
        # for (each within its deadline), so none goes on once the import has answered.
        pool.shutdown(wait=True, cancel_futures=True)
    return fetched


def _related(client: XpmClient, names: dict[str, str]) -> set[str]:
    own = normal_uuid(client.uuid)
    found = set()
    for relationship in client.relationships:
        other = normal_uuid(relationship.related_client_uuid)
        if usable_uuid(other) and other != own:
            found.add(other)
            names.setdefault(other, relationship.related_client_name)
    return found
