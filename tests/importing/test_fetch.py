"""Reading XPM for an import: concurrent within the limit, each client once, to a bounded depth."""

import threading

import pytest

from portal.importing import memory, runs, service
from portal.jobs import Jobs
from portal.shared import MemoryStore
from portal.xpm import XpmBusinessError
from tests.importing.conftest import choices_for


def graph(api, root, stored=(), **options):
    return service.read_graph(api, root, stored=set(stored), mappings={}, **options)


@pytest.fixture
def large(practice):
    """A company with 40 related parties, answered after 30 ms each."""
    practice.latency = 0.03
    company = practice.client("Rātā Group Holdings Limited")
    parties = [practice.person("Person", f"{n:02}") for n in range(40)]
    for number, party in enumerate(parties):
        practice.relate(company, party, "Shareholder", NumberOfShares=100 + number)
    return company, parties


def test_related_clients_are_read_five_at_a_time_and_once_each(api, practice, large):
    company, parties = large
    fetched = graph(api, company)
    assert practice.max_in_flight == 5
    assert sorted(practice.calls) == sorted({company, *parties})
    assert fetched.calls == 41 and set(fetched.clients) == {company, *parties}


def test_clients_already_in_the_portal_are_not_read(api, practice, large):
    company, parties = large
    fetched = graph(api, company, stored=parties[:10])
    assert len(practice.calls) == 1 + 30
    assert fetched.stored == set(parties[:10])


def test_only_entities_relationships_are_followed_and_only_to_max_depth(api, practice):
    chain = [practice.client(f"Company {n}") for n in range(5)]
    aroha = practice.person("Aroha", "Ngata")
    for entity, party in zip(chain, chain[1:], strict=False):
        practice.relate(entity, party, "Shareholder", NumberOfShares=1)
    practice.relate(chain[1], aroha, "Director")
    practice.relate(practice.client("Elsewhere Limited"), aroha, "Director")

    fetched = graph(api, chain[0])
    assert set(fetched.clients) == {chain[0], chain[1], chain[2], aroha}
    assert fetched.depth == {chain[0]: 0, chain[1]: 1, chain[2]: 2, aroha: 2}
    practice.calls.clear()
    assert set(graph(api, chain[0], max_depth=4).clients) == {*chain, aroha}


def test_a_failed_call_stops_the_reading(api, practice, large):
    company, parties = large
    first = min(parties)  # related clients are read in UUID order: this one goes first
    practice.answers[first] = {
        "text": "<Response><Status>ERROR</Status><ErrorDescription>Try later</ErrorDescription>"
        "</Response>"
    }
    with pytest.raises(XpmBusinessError):
        graph(api, company)
    assert len(practice.calls) <= 1 + 10  # what had not started was dropped


def test_concurrent_imports_of_one_client_share_one_reading(sessions, api, firm, practice, large):
    """Six Creates of one client at once, as six staff (in any worker) press it: one runs,
    the others wait on it, XPM is read once and every Create ends on the same profile."""
    company, parties = large
    firm_id, user_id, plan_id = firm
    store, jobs = MemoryStore(), Jobs()
    states, errors = [], []
    start = threading.Barrier(6)

    def create():
        start.wait()
        try:
            states.append(
                runs.start_import(
                    store,
                    jobs,
                    sessions,
                    api,
                    client_key=memory.key(firm_id, "xpm", company),
                    wait=30,
                    firm_id=firm_id,
                    user_id=user_id,
                    provider="xpm",
                    client_uuid=company,
                    choices=choices_for("company", plan_id),
                )
            )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    jobs.drain()
    assert errors == []
    assert [state["status"] for state in states] == ["done"] * 6
    assert len({state["outcome"]["profile_id"] for state in states}) == 1
    assert sorted(practice.calls) == sorted({company, *parties})  # one reading for all six


def test_a_request_waiting_on_a_job_of_its_worker_goes_on_when_the_job_ends():
    jobs, release = Jobs(), threading.Event()
    assert not jobs.wait_for(("read", "a client"), 5)  # none runs here: nothing to wait on
    reading = jobs.submit(("read", "a client"), release.wait, lane="read")
    threading.Timer(0.05, release.set).start()
    assert jobs.wait_for(("read", "a client"), 30) and reading.done()
    assert not jobs.wait_for(("read", "a client"), 5)  # ended: at once
