"""Password hashes: argon2id with OWASP's parameters; older scrypt hashes still verify and are
replaced at the next successful sign-in."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

#: OWASP Password Storage Cheat Sheet: argon2id, 19 MiB of memory, 2 iterations, 1 lane
#: (about 25 ms here). A hash records its own parameters, so raising them later is safe.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
MIN_LENGTH = 12

#: Compared against when the address is unknown, so both paths cost the same time.
_DUMMY_HASH = HASHER.hash("not a real password")


def hash_password(password: str) -> str:
    """A slow, salted argon2id hash of ``password``."""
    return HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (argon2id, or werkzeug's scrypt or pbkdf2).
    With no stored hash, a dummy one is checked so the answer takes as long."""
    if stored is None:
        stored = _DUMMY_HASH
    if not stored.startswith("$argon2"):
        return check_password_hash(stored, password)
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a hash that just verified should be replaced by one with today's parameters."""
    return not stored.startswith("$argon2id$") or HASHER.check_needs_rehash(stored)
