"""The XPM 3.1 API (``/xero/practicemanager/3.1/``) and WorkflowMax's (``/workflowmax/api/``).

Both serve the same ``client.api`` and ``clientgroup.api`` methods in XPM's XML; they differ
in how a call names its tenant and in how WorkflowMax pages ``client.api/list``.
"""

import base64
import binascii
import uuid
from datetime import datetime

from flask import Blueprint, Response, request, url_for

from portal.sandbox import records, runtime, xml
from portal.sandbox.pipeline import add_api_headers, api_endpoint

xpm = Blueprint("xpm", __name__, url_prefix="/xero/practicemanager/3.1")
workflowmax_api = Blueprint("workflowmax_api", __name__, url_prefix="/workflowmax/api")
xpm.after_request(add_api_headers)
workflowmax_api.after_request(add_api_headers)

PAGE_SIZE, MAX_PAGE_SIZE = 50, 500
#: XPM's words for a UUID it does not know (HTTP 200, Status ERROR).
INVALID_CLIENT = "Invalid client identifier"
INVALID_GROUP = "Invalid client group identifier"
WORKFLOWMAX_PAGE_SIZE, WORKFLOWMAX_MAX_PAGE_SIZE = 100, 1000


def _xml(body) -> Response:
    return Response(body, 200, content_type=xml.CONTENT_TYPE)


def _flag(name: str) -> bool:
    return request.args.get(name, "").strip().lower() == "true"


def _connection():
    return runtime.current().engine.connect()


def _clients(
    method: str,
    connection,
    tenant: str,
    entries: list[dict],
    shape: str,
    detailed: bool = False,
    before=(),
    after=(),
) -> Response:
    """Stream ``entries`` as ``<Clients>`` in ``shape``, reading what detailed ones need first."""
    uuids = [entry["uuid"] for entry in entries]
    related = records.relationships_of(connection, tenant, uuids) if detailed else {}
    grouped = records.groups_of(connection, tenant, uuids) if detailed else {}
    elements = (
        xml.client_element(
            entry, shape, detailed, related.get(entry["uuid"]), grouped.get(entry["uuid"])
        )
        for entry in entries
    )
    return _xml(xml.streamed(method, "Clients", elements, before, after))


def _modified_since() -> tuple[str | None, str | None]:
    """The ``modifiedsince`` argument, checked: (value, error description)."""
    value = request.args.get("modifiedsince", "").strip()
    if not value:
        return None, None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S").strftime("%Y-%m-%dT%H:%M:%S"), None
    except ValueError:
        return None, "modifiedsince must be a UTC time written yyyy-MM-ddTHH:mm:ss"


def client_list(tenant: str):
    """GET client.api/list: every client, optionally detailed or changed since a time."""
    since, problem = _modified_since()
    if problem:
        return _xml(xml.error("List", problem))
    with _connection() as connection:
        entries = records.all_clients(connection, tenant, since)
        return _clients("List", connection, tenant, entries, "list", _flag("detailed"))


def workflowmax_client_list(tenant: str):
    """GET client.api/list, WorkflowMax's way: numbered pages with a total, when asked for
    (a page below 1 is the first page, as BlueRock documents)."""
    since, problem = _modified_since()
    paged = "page" in request.args or "pagesize" in request.args
    page = max(1, request.args.get("page", 1, type=int))
    size = request.args.get("pagesize", WORKFLOWMAX_PAGE_SIZE, type=int)
    if problem or not 1 <= size <= WORKFLOWMAX_MAX_PAGE_SIZE:
        return _xml(xml.error("List", problem or "pagesize must be from 1 to 1000"))
    with _connection() as connection:
        detailed = _flag("detailed")
        if not paged:
            entries = records.all_clients(connection, tenant, since)
            return _clients("List", connection, tenant, entries, "list", detailed)
        total = records.count_clients(connection, tenant, since)
        entries = records.all_clients(connection, tenant, since, (page - 1) * size, size)
        paging = xml.fields(Page=page, PageSize=size, TotalRecords=total)
        return _clients("List", connection, tenant, entries, "list", detailed, after=paging)


def _page_token(after: int) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def _read_page_token(token: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        label, _, after = text.partition(":")
        return int(after) if label == "after" and int(after) >= 0 else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def client_paged_list(tenant: str):
    """GET client.api/paged-list: active clients, basic fields, with a Next link."""
    size = request.args.get("pageSize", PAGE_SIZE, type=int)
    token = request.args.get("pageToken", "")
    after = _read_page_token(token) if token else 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        return _xml(xml.error("PagedList", "pageSize must be between 1 and 500"))
    if after is None:
        return _xml(xml.error("PagedList", "The pageToken is not valid"))
    with _connection() as connection:
        entries, more = records.client_page(connection, tenant, size, after)
        first = url_for(".client_paged_list", pageSize=size, _external=True)
        following = (
            url_for(
                ".client_paged_list",
                pageToken=_page_token(entries[-1]["seq"]),
                pageSize=size,
                _external=True,
            )
            if more
            else None
        )
        return _clients(
            "PagedList",
            connection,
            tenant,
            entries,
            "paged-list",
            after=[xml.pagination(first, following)],
        )


def client_search(tenant: str):
    """GET client.api/search: clients whose name contains the query."""
    text = request.args.get("query", "").strip()
    if not text:
        return _xml(xml.error("Search", "A search query is required"))
    with _connection() as connection:
        entries = records.search(connection, tenant, text)
        return _clients("Search", connection, tenant, entries, "search", _flag("detailed"))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def client_get(tenant: str, client_uuid: str):
    """GET client.api/get/<uuid>: one client, detailed; a deleted client is gone."""
    with _connection() as connection:
        entry = (
            records.get_client(connection, tenant, client_uuid.lower())
            if _is_uuid(client_uuid)
            else None
        )
        if entry is None or entry["is_deleted"]:
            return _xml(xml.error("Get", INVALID_CLIENT))
        related = records.relationships_of(connection, tenant, [entry["uuid"]])[entry["uuid"]]
        grouped = records.groups_of(connection, tenant, [entry["uuid"]])[entry["uuid"]]
    client = xml.client_element(entry, "get", True, related, grouped)
    return _xml(xml.response("Get", xml.web_url(entry["seq"]), client))


def group_list(tenant: str):
    """GET clientgroup.api/list: every client group."""
    with _connection() as connection:
        found = records.client_groups(connection, tenant)
    return _xml(xml.response("List", xml.groups_element(found)))


def group_get(tenant: str, group_uuid: str):
    """GET clientgroup.api/get/<uuid>: one group and its clients."""
    with _connection() as connection:
        group, members = records.client_group(connection, tenant, group_uuid.lower())
    if group is None:
        return _xml(xml.error("Get", INVALID_GROUP))
    return _xml(xml.response("Get", xml.group_element(group, members)))


ROUTES = (
    ("/client.api/paged-list", "client.api/paged-list", client_paged_list),
    ("/client.api/search", "client.api/search", client_search),
    ("/client.api/get/<client_uuid>", "client.api/get", client_get),
    ("/clientgroup.api/list", "clientgroup.api/list", group_list),
    ("/clientgroup.api/get/<group_uuid>", "clientgroup.api/get", group_get),
)

for _rule, _label, _view in (("/client.api/list", "client.api/list", client_list), *ROUTES):
    xpm.add_url_rule(_rule, _view.__name__, api_endpoint(_label, "xero")(_view))
for _rule, _label, _view in (
    ("/client.api/list", "client.api/list", workflowmax_client_list),
    *ROUTES,
):
    workflowmax_api.add_url_rule(
        _rule, _view.__name__, api_endpoint(f"workflowmax/{_label}", "workflowmax")(_view)
    )
