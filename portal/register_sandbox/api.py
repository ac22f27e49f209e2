"""NZBN v5's two read operations the portal uses, as the service answers them.

``GET /entities`` searches names, company numbers and NZBNs (zero-based ``page``,
``page-size``); ``GET /entities/{nzbn}`` is the full entity. Every call needs a valid
subscription key in ``Ocp-Apim-Subscription-Key`` (or the ``subscription-key`` query
parameter, which the gateway also takes); then it is counted, delayed and maybe faulted.
"""

import re
from functools import wraps

from flask import Blueprint, current_app, request

from portal.register_sandbox import answers, faults, runtime
from portal.register_sandbox.records import REGISTERED, REMOVED_CODE, folded
from portal.register_sandbox.settings import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from portal.sandbox import pipeline

API_PREFIX = "/gateway/nzbn/v5"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
#: The words the ``entity-status`` filter takes, and the status codes each stands for.
STATUS_FILTERS = {"registered": {REGISTERED}, "removed": {REMOVED_CODE}, "removedclosed": set()}

nzbn_api = Blueprint("register_api", __name__, url_prefix=API_PREFIX)


def endpoint(label: str):
    """Decorate an API view: counted, key checked, then delayed or faulted as configured."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            sandbox = runtime.current()
            sandbox.count(label)
            refused = _refused_key()
            if refused is not None:
                return refused
            return pipeline.faulted(
                sandbox, label, True, lambda: view(*args, **kwargs), faults.response_for
            )

        return wrapped

    return decorate


def _refused_key():
    key = request.headers.get(KEY_HEADER) or request.args.get("subscription-key")
    if not key:
        return faults.json_response(answers.gateway(401, faults.MISSING_KEY), 401)
    if key not in current_app.config["REGISTER_SANDBOX_KEYS"]:
        return faults.json_response(answers.gateway(401, faults.INVALID_KEY), 401)
    return None


def bad_request(problems: list[tuple[str, str]]):
    """400 with the fields that are wrong."""
    return faults.json_response(answers.error(400, "Invalid request", problems), 400)


def _whole(name: str, default: int, low: int, high: int, problems: list) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not re.fullmatch(r"\d{1,9}", value.strip()) or not low <= int(value) <= high:
        problems.append((name, f"{name} must be a whole number from {low} to {high}."))
        return default
    return int(value)


@nzbn_api.get("/entities")
@endpoint("entities/search")
def search():
    """Entities whose name, company number or NZBN matches ``search-term``."""
    problems: list[tuple[str, str]] = []
    term = (request.args.get("search-term") or "").strip()
    if not term:
        problems.append(("search-term", "search-term is required."))
    page = _whole("page", 0, 0, 100_000, problems)
    size = _whole("page-size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, problems)
    statuses = _statuses(problems)
    if problems:
        return bad_request(problems)
    found = sorted(
        (c for c in runtime.current().register.companies.values() if _matches(c, term)),
        key=lambda company: company.name,
    )
    if statuses is not None:
        found = [company for company in found if company.status in statuses]
    chosen = found[page * size : (page + 1) * size]
    return faults.json_response(answers.search_page(chosen, page, size, len(found)), 200)


def _statuses(problems: list) -> set[str] | None:
    value = request.args.get("entity-status")
    if value is None:
        return None
    wanted: set[str] = set()
    for word in (part.strip().lower() for part in value.split(",")):
        if word not in STATUS_FILTERS:
            problems.append(("entity-status", f"{word!r} is not an entity status."))
        else:
            wanted |= STATUS_FILTERS[word]
    return wanted


def _matches(company, term: str) -> bool:
    if term.isdigit():
        return term in (company.number, company.nzbn)
    name = folded(company.name)
    return all(word in name for word in folded(term).split())


@nzbn_api.get("/entities/<nzbn>")
@endpoint("entities/get")
def entity(nzbn: str):
    """The full entity, or 404 with the service's error body."""
    if not re.fullmatch(r"\d{13}", nzbn):
        return bad_request([("nzbn", "nzbn must be 13 digits.")])
    company = runtime.current().register.companies.get(nzbn)
    if company is None:
        body = answers.error(404, f"Object Not Found: no entity with NZBN {nzbn}.")
        return faults.json_response(body, 404)
    return faults.json_response(answers.full_entity(company), 200)
