"""Password hashes: argon2id with OWASP's parameters; older scrypt hashes still verify and are
replaced at the next successful sign-in.

The parameters come from ``PASSWORD_HASHER`` (``portal.config``): ``owasp`` always in
production, ``cheapest`` for the tests, whose every sign-in would otherwise spend most of
its time hashing. A hash records its own parameters, so either verifies under the other.
"""

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash

#: OWASP Password Storage Cheat Sheet: argon2id, 19 MiB of memory, 2 iterations, 1 lane
#: (about 25 ms here). Raising them later is safe: older hashes are replaced at sign-in.
OWASP = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
PROFILES = {
    "owasp": OWASP,
    # argon2's own cheapest parameters (8 KiB, one pass): for tests, refused in production.
    "cheapest": PasswordHasher.from_parameters(profiles.CHEAPEST),
}
MIN_LENGTH = 12


def hasher() -> PasswordHasher:
    """The application's hasher; OWASP's outside an application (a script, a unit test)."""
    if not has_app_context():
        return OWASP
    return PROFILES[current_app.config.get("PASSWORD_HASHER", "owasp")]


@cache
def _dummy_hash(chosen: PasswordHasher) -> str:
    """Compared against when the address is unknown, so both paths cost the same time."""
    return chosen.hash("not a real password")


def hash_password(password: str) -> str:
    """A slow, salted argon2id hash of ``password``."""
    return hasher().hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (argon2id, or werkzeug's scrypt or pbkdf2).
    With no stored hash, a dummy one is checked so the answer takes as long."""
    chosen = hasher()
    if stored is None:
        stored = _dummy_hash(chosen)
    if not stored.startswith("$argon2"):
        return check_password_hash(stored, password)
    try:
        return chosen.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a hash that just verified should be replaced by one with today's parameters."""
    return not stored.startswith("$argon2id$") or hasher().check_needs_rehash(stored)
