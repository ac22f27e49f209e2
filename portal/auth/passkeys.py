"""Where passkey challenges wait between the page that asks and the answer (the shared
store, so any worker can check the answer), and this request's relying party."""

from flask import current_app, request

from portal import shared
from portal.auth.two_factor import RelyingParty, relying_party

CHALLENGE_SECONDS = 300


class _Challenges:
    def _key(self, purpose: str, user_id: int) -> str:
        return f"webauthn:{purpose}:{user_id}"

    def keep(self, purpose: str, user_id: int, challenge: bytes) -> None:
        shared.store().put(self._key(purpose, user_id), challenge, CHALLENGE_SECONDS)

    def take(self, purpose: str, user_id: int) -> bytes | None:
        """The waiting challenge, removed so that an answer is accepted once."""
        key = self._key(purpose, user_id)
        challenge = shared.store().get(key)
        shared.store().delete(key)
        return challenge


challenges = _Challenges()


def party() -> RelyingParty:
    return relying_party(current_app.config, request.host, request.host_url)
