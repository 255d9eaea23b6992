"""Client secrets: generated, shown once, stored only as an argon2id hash.

Why argon2id and not an HMAC with a server pepper: our secrets are 256-bit random values,
so neither construction can be brute-forced from a leaked hash; the difference is
operational. An HMAC needs a second server secret that every replica must share, back up
and rotate — losing it locks out every partner at once. argon2id needs nothing beyond
the database row and is the OWASP default. Its cost (a few ms per token request, once an
hour per client) is paid only at the token endpoint, which is rate limited per client so
secret checks cannot be used to burn CPU; API requests verify a JWT signature instead.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's second recommended argon2id setting (19 MiB, t=2): ample for 256-bit secrets.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# A valid hash of a random secret: checked when the client id is unknown, so that
# unknown ids and wrong secrets take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(32))


def new_client_id() -> str:
    return "ec_" + secrets.token_hex(16)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash or _DUMMY_HASH, secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False
