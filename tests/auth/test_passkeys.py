"""Passkeys outside the browser: who the relying party is, and answers that are refused.
(The whole ceremony runs in tests/browser/test_two_factor.py with a virtual authenticator.)"""

import pytest

from portal.auth import two_factor
from portal.auth.two_factor import relying_party


@pytest.mark.parametrize(
    ("config", "host", "expected"),
    [
        ({}, "localhost:5000", ("localhost", "http://localhost:5000")),
        ({}, "portal.example:443", ("portal.example", "https://portal.example")),
        (
            {"WEBAUTHN_RP_ID": "portal.example", "WEBAUTHN_ORIGIN": "https://portal.example"},
            "evil.example",
            ("portal.example", "https://portal.example"),
        ),
    ],
)
def test_the_relying_party(config, host, expected):
    scheme = "https" if host.endswith(":443") or "RP" in str(config) else "http"
    url = f"{scheme}://{host.removesuffix(':443')}/"
    party = relying_party({"PORTAL_ENV": "development", **config}, host, url)
    assert (party.rp_id, party.origin) == expected
    assert party.problem is None


def test_an_ip_address_cannot_be_a_relying_party():
    party = relying_party({"PORTAL_ENV": "development"}, "127.0.0.1:5000", "http://127.0.0.1:5000/")
    assert party.rp_id is None
    assert "http://localhost:5000" in party.problem


def test_production_takes_the_relying_party_from_configuration_only():
    party = relying_party({"PORTAL_ENV": "production"}, "portal.example", "https://portal.example/")
    assert party.rp_id is None
    assert "WEBAUTHN_RP_ID" in party.problem


def test_an_unreadable_answer_is_refused(app, user):
    with app.app_context():
        from portal import database
        from portal.models import Passkey, User

        person = database.session().get(User, user[0])
        party = two_factor.RelyingParty("localhost", "http://localhost")
        person.passkeys.append(Passkey(credential_id=b"\x01\x02", public_key=b"", name="x"))
        answers = ("not json", "[1]", '{"id": "AAAA"}', '{"id": "!!*"}', '{"id": "AQI"}')
        for answer in (*answers, '{"id": "AQI", "response": {"clientDataJSON": "e30"}}'):
            with pytest.raises(two_factor.NotAccepted):
                two_factor.check_passkey(database.session(), party, person, b"challenge", answer)


def test_a_passkey_name_keeps_to_the_rule_for_typed_names(client, signed_in):
    response = client.post(
        "/account/passkeys/new", data={"name": "Work\u202elaptop", "answer": "{}"}
    )
    assert response.status_code == 400
    assert "U+202E" in response.get_data(as_text=True)


def test_a_passkey_answer_without_its_challenge_is_refused(client, signed_in):
    response = client.post("/account/passkeys/new", data={"name": "Laptop", "answer": "{}"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
