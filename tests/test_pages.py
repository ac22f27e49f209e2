"""The one pager: clamped page numbers, the count, and entities or rows as selected."""

from sqlalchemy import select

from portal import database
from portal.models import StructureMapping
from portal.pages import paginate


def test_a_page_of_entities_or_rows_with_its_count(app, user):
    _, firm_id = user
    with app.app_context():
        session = database.session()
        mappings = select(StructureMapping).where(StructureMapping.firm_id == firm_id)
        ordered = mappings.order_by(StructureMapping.structure_key)
        total = len(session.scalars(mappings).all())
        first = paginate(session, ordered, 1, 2)
        assert (first.page, first.pages, first.total) == (1, -(-total // 2), total)
        assert len(first.items) == 2 and isinstance(first.items[0], StructureMapping)
        beyond = paginate(session, ordered, 999, 2)
        assert beyond.page == beyond.pages and beyond.items
        assert paginate(session, ordered, -5, 2).page == 1
        pairs = select(StructureMapping.structure, StructureMapping.kind).where(
            StructureMapping.firm_id == firm_id
        )
        [row] = paginate(session, pairs.order_by(StructureMapping.structure), 1, 1).items
        assert len(row) == 2


def test_an_empty_list_is_one_empty_page(app):
    with app.app_context():
        statement = select(StructureMapping).where(StructureMapping.firm_id == -1)
        empty = paginate(database.session(), statement.order_by(StructureMapping.id), 3, 50)
        assert (empty.items, empty.page, empty.pages, empty.total) == ([], 1, 1, 0)
