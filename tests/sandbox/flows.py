"""What a client of the sandbox does, in-process through Flask's test client: run the
consent, trade the code for tokens, call the API, parse the XML (with defusedxml)."""

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from defusedxml import ElementTree

from portal.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, tenants

REDIRECT_URI = "http://127.0.0.1:5000/settings/addons/xpm/callback"  # make run's, registered
SCOPE = "openid profile email offline_access practicemanager"
API = "/sandbox/xero/practicemanager/3.1/"
CONTROL_TOKEN = "sandbox-control-token-for-the-tests-only"
CONTROL = {"Authorization": f"Bearer {CONTROL_TOKEN}"}


def pkce() -> tuple[str, str]:
    """A verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(challenge: str | None = None, **overrides) -> dict:
    params = {
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": SCOPE,
        "state": "state-123",
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def form_fields(html: str) -> tuple[str, list[str]]:
    """The consent form's nonce and the tenant checkbox values."""
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    return nonce, re.findall(r'name="tenant" value="([^"]+)"', html)


def query_of(location: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def consent(
    client, path="/sandbox/identity/connect/authorize", decision="approve", chosen=None, **params
) -> dict:
    """Open the consent page and answer it; the query the browser is sent back with."""
    page = client.get(path, query_string=params)
    assert page.status_code == 200, page.get_data(as_text=True)
    nonce, offered = form_fields(page.get_data(as_text=True))
    answer = client.post(
        path,
        data={
            "nonce": nonce,
            "decision": decision,
            "tenant": offered if chosen is None else chosen,
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return query_of(answer.headers["Location"])


def token(client, auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), **form):
    return client.post("/sandbox/identity/connect/token", data=form, auth=auth)


@dataclass
class Connection:
    access_token: str
    refresh_token: str | None
    tenant: str

    def headers(self, tenant: str | None = None) -> dict:
        return {
            "Authorization": f"Bearer {self.access_token}",
            "Xero-Tenant-Id": self.tenant if tenant is None else tenant,
        }


def connect(client, scope: str = SCOPE) -> Connection:
    """Run the whole authorisation-code flow with PKCE."""
    verifier, challenge = pkce()
    answer = consent(client, **authorize_params(challenge, scope=scope))
    tokens = token(
        client,
        grant_type="authorization_code",
        code=answer["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    assert tokens.status_code == 200, tokens.json
    body = tokens.json
    return Connection(body["access_token"], body.get("refresh_token"), tenants.KOWHAI.id)


def api(client, connection: Connection, path: str, tenant: str | None = None, **params):
    return client.get(API + path, headers=connection.headers(tenant), query_string=params)


def parse(response, lenient: bool = False):
    """The XML root of an API answer, parsed safely; ``lenient`` first drops the vertical
    tab that makes detailed answers holding the sandbox's one malformed client unreadable."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/xml"
    return ElementTree.fromstring(
        response.data.replace(b"\x0b", b" ") if lenient else response.data
    )


def clients_of(root) -> list:
    return root.find("Clients").findall("Client")
