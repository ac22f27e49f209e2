"""The panel's one status line over HTTP: redrawn with each answer to a search, holding
XPM's failure instead of "checked … ago" when XPM could not be asked; link mode's title and
its rows listed once."""

import re

from tests.panel.conftest import fragment
from tests.panel.test_linking import company, xpm_uuid  # noqa: F401 (fixtures)

SYNC = re.compile(r'<div id="panel-sync"[^>]*>(.*?)</div>', re.S)


def status_line(response) -> tuple[str, str]:
    """The status line's opening tag and its words, from an answer."""
    found = re.search(r'(<div id="panel-sync"[^>]*>)(.*?)</div>', response.text, re.S)
    assert found, response.text
    return found.group(1), " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split())


def test_an_answer_to_typing_redraws_the_status_line_out_of_band(client, synced):
    tag, words = status_line(fragment(client, "/clients/add/results", q="kowhai"))
    assert 'hx-swap-oob="true"' in tag
    assert words == "Client list checked with Xero Practice Manager just now."
    page = client.get("/clients/add", query_string={"q": "kowhai"}).text
    assert page.count('id="panel-sync"') == 1 and "hx-swap-oob" not in page
    more = fragment(client, "/clients/add/results", q="", after="0")
    assert 'id="panel-sync"' not in more.text  # the next rows of a list: only the rows


def test_when_xpm_fails_its_failure_is_the_one_status_line(client, synced, sandbox_control):
    sandbox_control("POST", "faults", json={"fault": "503", "endpoints": ["client.api/search"]})
    response = fragment(client, "/clients/add/confirm", q="kowhai")
    tag, words = status_line(response)
    assert 'hx-swap-oob="true"' in tag and 'role="status"' in tag
    assert words.startswith("Xero Practice Manager could not be asked about this search just now.")
    assert "come from the portal's copy of your client list, read just now" in words
    assert "checked" not in response.text and response.text.count("could not be asked") == 1
    # The next search is answered afresh: the failure was about the last one.
    _, words = status_line(fragment(client, "/clients/add/results", q="rimu"))
    assert words == "Client list checked with Xero Practice Manager just now."


def test_no_match_does_not_promise_a_check_it_cannot_take_back(client, synced):
    body = fragment(client, "/clients/add/results", q="zzqx nothing").text
    assert "No client called “zzqx nothing” yet." in body
    assert "too…" not in body  # only the summary's indicator says XPM is being asked
    assert 'hx-indicator="#panel-checking"' in body


def test_link_mode_is_titled_for_linking_and_lists_each_client_once(client, company, xpm_uuid):  # noqa: F811
    for response in (
        fragment(client, "/clients/add", link=company, q="Kōwhai Holdings"),
        client.get("/clients/add", query_string={"link": company, "q": "Kōwhai Holdings"}),
    ):
        page = response.text
        assert '<h2 id="add-client-title">Link to a Xero Practice Manager client</h2>' in page
        ids = re.findall(r'<li id="(?:suggested|client)-([^"]+)" role="option"', page)
        assert xpm_uuid in ids and len(ids) == len(set(ids)), ids
    # The one match is listed under Suggested: the list is not said to be empty.
    alone = fragment(client, "/clients/add", link=company, q="Kōwhai Holdings Limited").text
    assert re.search(r'<li id="suggested-[^"]+" role="option"', alone)
    assert "No client called" not in alone
    assert "<title>Link to a Xero Practice Manager client" in page
    plain = fragment(client, "/clients/add", q="Kōwhai Holdings").text
    assert '<h2 id="add-client-title">Add client</h2>' in plain
