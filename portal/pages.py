"""One pager for every list: a page of a statement's rows, with the count and arithmetic the
templates' ``pager`` macro needs."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    """One page of a longer list; ``page`` is clamped to 1 … ``pages`` (at least 1)."""

    items: list
    page: int
    pages: int
    total: int


def paginate(
    session: Session, statement: Select, page: int, per_page: int, count: Select | None = None
) -> Page:
    """The ``page``-th ``per_page`` rows of ``statement`` (an ordered select): the entities
    themselves when it selects one, else its rows. ``count`` counts the same rows more
    cheaply when the statement joins tables only to show more (the Clients list's plans);
    by default the statement's own rows are counted."""
    if count is None:
        count = select(func.count()).select_from(statement.order_by(None).subquery())
    total = session.scalar(count) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    result = session.execute(statement.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars()) if len(statement.column_descriptions) == 1 else list(result)
    return Page(items, page, pages, total)
