"""RFC 9068 access tokens: issued at the token endpoint, verified on every API request."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from cachetools import TLRUCache
from joserfc import jwt
from joserfc.errors import JoseError

from energy_contracts.auth.keys import SIGNING_ALGORITHM, SigningKey
from energy_contracts.errors import Unauthorized
from energy_contracts.settings import Settings

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - a media type, not a secret
ALL_SCOPES = ("read", "write")
# Far below any real token and far above the largest key we sign with: rejects junk early.
MAX_TOKEN_LENGTH = 4096
# Verified tokens remembered per process (see ``TokenService.verify``): a client reuses one
# token for up to an hour, and an ES256 verification costs ~130 µs of every request.
VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class AccessClaims:
    client_id: str
    org_id: uuid.UUID
    scopes: frozenset[str]
    expires_at: int


class TokenService:
    def __init__(self, settings: Settings, key: SigningKey) -> None:
        self._key = key
        self._issuer = settings.token_issuer
        self._audience = settings.token_audience
        self.lifetime_seconds = settings.token_lifetime_seconds
        self._claims_registry = jwt.JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": self._issuer},
            aud={"essential": True, "value": self._audience},
            sub={"essential": True},
            client_id={"essential": True},
            org_id={"essential": True},
            scope={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
        )
        # token string -> its claims; only successful verifications, each trusted until its
        # own ``exp`` (never into the leeway, never past expiry), least recently used first out.
        self._verified: TLRUCache[str, AccessClaims] = TLRUCache(
            maxsize=VERIFIED_CACHE_SIZE, ttu=_until_expiry, timer=_wall_clock
        )

    @property
    def issuer(self) -> str:
        return self._issuer

    def issue(self, *, client_id: str, org_id: uuid.UUID, scopes: list[str]) -> str:
        now = int(time.time())
        header = {"alg": SIGNING_ALGORITHM, "typ": ACCESS_TOKEN_TYPE, "kid": self._key.kid}
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": client_id,
            "client_id": client_id,
            "org_id": str(org_id),
            "scope": " ".join(scopes),
            "iat": now,
            "exp": now + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(header, claims, self._key.private, algorithms=[SIGNING_ALGORITHM])

    def verify(self, token: str) -> AccessClaims:
        """Every failure is the same 401: the caller learns nothing about *why*.

        A token that verified before is answered from a bounded per-process memo keyed by
        the whole token string, until its ``exp``: the signature and claims of those exact
        bytes were checked, and nothing about them changes before they expire. Revocation
        is not the token's business: the ``Caller`` dependency checks the client (within
        ``revocation_check_seconds``) whatever this returns.
        """
        known = self._verified.get(token)
        if known is not None:
            return known
        claims = self._verify_signed(token)
        if time.time() < claims.expires_at:
            self._verified[token] = claims
        return claims

    def _verify_signed(self, token: str) -> AccessClaims:
        if len(token) > MAX_TOKEN_LENGTH:
            raise Unauthorized("The access token is invalid.")
        try:
            # Only ES256 is allowed, so alg=none and HMAC-with-the-public-key tricks fail here.
            decoded = jwt.decode(token, self._key.private, algorithms=[SIGNING_ALGORITHM])
            if decoded.header.get("typ", "").lower() != ACCESS_TOKEN_TYPE:
                raise Unauthorized("The access token is not an RFC 9068 access token.")
            self._claims_registry.validate(decoded.claims)
            claims = decoded.claims
            return AccessClaims(
                client_id=str(claims["client_id"]),
                org_id=uuid.UUID(str(claims["org_id"])),
                scopes=frozenset(str(claims["scope"]).split()),
                expires_at=int(claims["exp"]),
            )
        except (JoseError, ValueError, TypeError, KeyError):
            raise Unauthorized("The access token is invalid or expired.") from None


def _until_expiry(_token: str, claims: AccessClaims, _now: float) -> float:
    return float(claims.expires_at)


def _wall_clock() -> float:
    # Token expiry is wall-clock time (``exp``); looked up at each call, not bound once.
    return time.time()
