"""The two providers the portal connects to, and their OAuth2 settings from configuration."""

from dataclasses import dataclass

from authlib.integrations.requests_client import OAuth2Session

from portal.reference import PROVIDER_LABELS

#: Seconds to wait for the provider to accept a connection, and then for its answer.
OAUTH_TIMEOUT = (5, 20)


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    client_id: str | None
    client_secret: str | None
    authorize_url: str
    token_url: str
    revoke_url: str | None
    connections_url: str | None
    api_url: str
    scope: str
    #: Xero wants the client credentials in a Basic header; BlueRock in the form body.
    token_auth: str
    extra_authorize_params: tuple[tuple[str, str], ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def session(self, redirect_uri: str | None = None, token: dict | None = None):
        """An authlib OAuth2 session for this provider (PKCE S256, timeouts on every call)."""
        return OAuth2Session(
            self.client_id,
            self.client_secret,
            scope=self.scope,
            redirect_uri=redirect_uri,
            token=token,
            code_challenge_method="S256",
            token_endpoint_auth_method=self.token_auth,
            default_timeout=OAUTH_TIMEOUT,
        )


PROVIDER_KEYS = ("xpm", "workflowmax")


def provider(config, key: str) -> Provider:
    """The settings of provider ``key`` ("xpm" or "workflowmax") from ``config``."""
    if key == "xpm":
        return Provider(
            key="xpm",
            label=PROVIDER_LABELS["xpm"],
            client_id=config.get("XPM_CLIENT_ID"),
            client_secret=config.get("XPM_CLIENT_SECRET"),
            authorize_url=config["XERO_AUTHORIZE_URL"],
            token_url=config["XERO_TOKEN_URL"],
            revoke_url=config["XERO_REVOKE_URL"],
            connections_url=config["XERO_CONNECTIONS_URL"],
            api_url=config["XPM_API_URL"],
            scope="openid profile email offline_access practicemanager",
            token_auth="client_secret_basic",
        )
    if key == "workflowmax":
        return Provider(
            key="workflowmax",
            label=PROVIDER_LABELS["workflowmax"],
            client_id=config.get("WORKFLOWMAX_CLIENT_ID"),
            client_secret=config.get("WORKFLOWMAX_CLIENT_SECRET"),
            authorize_url=config["WORKFLOWMAX_AUTHORIZE_URL"],
            token_url=config["WORKFLOWMAX_TOKEN_URL"],
            revoke_url=None,
            connections_url=None,
            api_url=config["WORKFLOWMAX_API_URL"],
            scope="openid profile email workflowmax offline_access",
            token_auth="client_secret_post",
            extra_authorize_params=(("prompt", "consent"),),
        )
    raise KeyError(key)
