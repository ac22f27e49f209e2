"""A failure anywhere leaves the database as it was and says that trying again is safe.

Faults are injected at each XPM call of an import (that client then keeps answering 503,
so the client's retry fails too) and at each statement of the write transaction, and at
its commit; after each, every table has the rows it had before.
"""

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from portal.importing import service
from tests.importing.conftest import import_from_xpm, table_counts

CALLS = 7  # the company and six related clients (Aroha is already in the portal)


def counts(sessions) -> dict[str, int]:
    with sessions() as session:
        return table_counts(session.connection())


def run(sessions, api, firm, client_uuid, root=None):
    return import_from_xpm(sessions, api, firm, client_uuid, root=root)


def prepare_linked_contact(sessions, api, firm, practice, ngata):
    """Something already in the portal, so a failed import has rows it could disturb."""
    other = practice.client("Ngāti Rua Farms Limited")
    practice.relate(other, ngata["Aroha Ngata"], "Director")
    run(sessions, api, firm, other)
    practice.calls.clear()


@pytest.mark.parametrize("failing_call", range(CALLS))
def test_a_failing_xpm_call_changes_nothing(sessions, api, firm, practice, ngata, failing_call):
    prepare_linked_contact(sessions, api, firm, practice, ngata)
    before = counts(sessions)
    practice.fail_at = failing_call
    with pytest.raises(service.ImportFailed) as failure:
        run(sessions, api, firm, ngata["holdings"])
    assert counts(sessions) == before
    assert failure.value.retryable
    message = str(failure.value)
    assert message.startswith("Nothing was imported.")
    assert "Xero Practice Manager is not answering" in message
    assert "Importing again is safe" in message
    practice.recover()
    practice.calls.clear()
    assert run(sessions, api, firm, ngata["holdings"]).created  # and trying again works
    assert len(practice.calls) == CALLS


def test_a_failure_at_any_write_step_changes_nothing(
    sessions, api, firm, practice, ngata, database_url
):
    prepare_linked_contact(sessions, api, firm, practice, ngata)
    before = counts(sessions)
    engine = sessions.kw["bind"]
    step, failing = [0], [0]

    def statement(conn, cursor, text, parameters, context, executemany):
        if conn.get_execution_options().get("sqlite_immediate"):
            step[0] += 1
            if step[0] == failing[0]:
                raise OperationalError(text, parameters, Exception("disk I/O error"))

    def commit(conn):
        if conn.get_execution_options().get("sqlite_immediate"):
            step[0] += 1
            if step[0] == failing[0]:
                raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        for failing[0] in range(1, 100):
            step[0] = 0
            try:
                run(sessions, api, firm, ngata["holdings"])
            except service.ImportFailed as failure:
                assert counts(sessions) == before, f"step {failing[0]}"
                assert failure.retryable
                assert "Importing again is safe" in str(failure)
            else:
                break
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    assert failing[0] > 5, "every step of the write was tried"
    assert counts(sessions)["profiles"] == before["profiles"] + 7


def test_no_database_connection_is_held_while_xpm_is_called(sessions, api, firm, practice, ngata):
    pool = sessions.kw["bind"].pool
    held = []
    practice.on_call = lambda: held.append(pool.checkedout())
    with sessions() as session:
        reviewed = service.review(session, api, firm[0], "xpm", ngata["holdings"])
    run(sessions, api, firm, ngata["holdings"], root=reviewed.client)
    assert len(held) == 1 + 7 and set(held) == {0}
