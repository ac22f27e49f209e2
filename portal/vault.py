"""Secrets at rest (OAuth tokens, authenticator-app secrets): Fernet encryption with a key that
is neither in the database nor SECRET_KEY; shared by the add-ons and two-factor sign-in."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class TokenVault:
    """Seals and opens token text with MultiFernet: the first key encrypts, any key decrypts."""

    def __init__(self, keys: str):
        self._fernet = MultiFernet([Fernet(k.strip()) for k in keys.split(",") if k.strip()])

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise InvalidToken(
                "A stored token cannot be decrypted with PORTAL_TOKEN_KEY: was a key removed?"
            ) from None

    def rotate(self, sealed: str) -> str:
        """The same text, sealed again under the first key."""
        return self._fernet.rotate(sealed.encode()).decode()


def init_app(app) -> None:
    """Create the application's vault from ``PORTAL_TOKEN_KEY`` when the application is made."""
    app.extensions["portal.vault"] = TokenVault(app.config["PORTAL_TOKEN_KEY"])


def vault() -> TokenVault:
    """The current application's vault."""
    return current_app.extensions["portal.vault"]
