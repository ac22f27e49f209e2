"""Register records survive the shared store between requests (JSON) exactly."""

from portal import register_sandbox
from portal.nzbn import parsers
from portal.nzbn.records import entity_from_json, entity_to_json
from portal.register_sandbox.api import API_PREFIX
from portal.register_sandbox.settings import DEMO_SUBSCRIPTION_KEY
from tests.nzbn.conftest import fixture


def test_an_entity_read_back_from_json_is_the_same_entity():
    entity = parsers.entity(fixture("entity.json"))
    assert entity.directors and entity.allocations and entity.registered_office
    again = entity_from_json(entity_to_json(entity))
    assert again == entity
    assert again.registered_office.lines == entity.registered_office.lines
    assert isinstance(again.allocations[0].shareholders, tuple)


def test_every_sandbox_company_survives_json_with_its_macrons_and_joint_holdings():
    client = register_sandbox.create_app().test_client()
    key = {"Ocp-Apim-Subscription-Key": DEMO_SUBSCRIPTION_KEY}
    api = "/register-sandbox" + API_PREFIX
    entities = []
    for term in ("limited", "trustee"):
        page = client.get(f"{api}/entities?search-term={term}&page-size=50", headers=key).get_json()
        for item in page["items"]:
            body = client.get(f"{api}/entities/{item['nzbn']}", headers=key).get_json()
            entities.append(parsers.entity(body))
    assert len(entities) > 10
    assert any(len(a.shareholders) > 1 for e in entities for a in e.allocations)
    for entity in entities:
        assert entity_from_json(entity_to_json(entity)) == entity
