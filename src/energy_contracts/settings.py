"""Configuration, read once from ``ENERGY_CONTRACTS_*`` environment variables.

Bad configuration stops start-up with a message naming the variable: a service that starts
with a half-understood configuration fails later, in a worse place.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url

ENV_PREFIX = "ENERGY_CONTRACTS_"
DEFAULT_DATA_DIR = Path("var")


class ConfigurationError(Exception):
    """Raised with a message an operator can act on (it names the variable to fix)."""


def normalise_database_url(url: str) -> str:
    """Map the URLs operators write (``postgresql://…``, ``sqlite:///…``) to async drivers."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("must look like postgresql://user@host:port/db or sqlite:///path")
    base = scheme.split("+", 1)[0]
    if base in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    raise ValueError(f"unsupported database {scheme!r}: use postgresql:// or sqlite://")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    database_url: str = Field(
        default="",
        description="postgresql://user@host:port/db, or sqlite:///path. "
        "Default: an embedded SQLite file in the data directory.",
    )
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Embedded database and keys.")
    token_lifetime_seconds: int = Field(default=3600, ge=60, le=86400)
    token_issuer: str = Field(default="urn:energy-contracts", min_length=1)
    token_audience: str = Field(default="urn:energy-contracts:partner-api", min_length=1)
    signing_key: str | None = Field(
        default=None, description="PEM private key (EC P-256) that signs access tokens."
    )
    signing_key_file: Path | None = Field(default=None, description="File holding that PEM.")
    revocation_check_seconds: float = Field(
        default=30,
        ge=0,
        le=60,
        description="How long a process trusts that a token's client is not revoked.",
    )
    db_pool_size: int = Field(
        default=20,
        ge=1,
        le=200,
        description="PostgreSQL connections per process, kept open once made; requests "
        "beyond it wait (up to db_timeout_seconds) for one to come back.",
    )
    db_timeout_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Connect and pool-wait limit before answering 503 (with the 0.5 s "
        "liveness check of a pooled connection, an unreachable database is a 503 within 2 s).",
    )
    db_statement_timeout_seconds: float = Field(
        default=30,
        gt=0,
        le=3600,
        description="Longest a database statement may run; also bounds a half-open connection.",
    )
    idempotency_lease_seconds: float = Field(
        default=60,
        gt=0,
        le=3600,
        description="A write with an Idempotency-Key still marked running after this long is "
        "presumed dead (its process crashed), and a retry with the same key may take over.",
    )
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    shutdown_timeout_seconds: float = Field(default=30, ge=0, le=600)
    token_rate_limit_per_minute: int = Field(
        default=60,
        ge=1,
        description="Token requests per client id and source address, per minute and process.",
    )
    token_unknown_client_limit_per_minute: int = Field(
        default=20,
        ge=1,
        description="Token requests naming an unknown client id, per source address, per "
        "minute and process.",
    )
    token_verification_slots: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Client secrets checked at once per process (argon2: ~20 ms of a core each).",
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Comma-separated addresses (or *) of the reverse proxies whose "
        "X-Forwarded-Proto and X-Forwarded-For are believed, so that Link and Location "
        "URLs say https behind a TLS proxy. Unset: those headers are ignored.",
    )

    public_url: str | None = Field(
        default=None,
        description="The URL clients reach the service at (https://api.example.com), from "
        "which Location and Link URLs are built. Unset: built from the request's Host.",
    )
    allowed_hosts: str = Field(
        default="127.0.0.1,localhost",
        description="Comma-separated host names a request's Host header may carry (or *); "
        "any other is a 400, so that a client cannot choose the host of our URLs.",
    )
    body_timeout_seconds: float = Field(
        default=30,
        gt=0,
        le=600,
        description="How long a request body may take to arrive; slower is a 408.",
    )
    header_limit_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        le=1024 * 1024,
        description="Largest request line and headers; more is a 431, refused unbuffered.",
    )

    @field_validator("public_url")
    @classmethod
    def _valid_public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme, sep, rest = value.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or "?" in rest or "#" in rest:
            raise ValueError("must look like https://api.example.com (optionally with a path)")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        return normalise_database_url(value) if value else value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            path = (self.data_dir / "energy-contracts.db").resolve()
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{path}")
        if self.signing_key and self.signing_key_file:
            raise ValueError(
                "set ENERGY_CONTRACTS_SIGNING_KEY or ENERGY_CONTRACTS_SIGNING_KEY_FILE, not both"
            )
        return self

    @cached_property
    def host_names(self) -> frozenset[str]:
        """The Host header names served (lower case, no port); ``*`` stands for any."""
        names = {name.strip().lower() for name in self.allowed_hosts.split(",") if name.strip()}
        if self.public_url:
            names.add(_host_of(self.public_url))
        return frozenset(names)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The embedded database's file; None for PostgreSQL and an in-memory SQLite."""
        if not self.is_sqlite:
            return None
        database = make_url(self.database_url).database
        if not database or database == ":memory:":
            return None
        return Path(database)

    @cached_property
    def signing_key_path(self) -> Path:
        """Where the key lives when it is not configured inline (generated on first start)."""
        return self.signing_key_file or self.data_dir / "signing-key.pem"


def _host_of(url: str) -> str:
    """``https://api.example.com:8443/base`` → ``api.example.com``."""
    netloc = url.partition("://")[2].split("/", 1)[0].lower()
    if netloc.startswith("["):
        return netloc.split("]", 1)[0] + "]"
    return netloc.rsplit(":", 1)[0] if ":" in netloc else netloc


# Read by other parts (the API client, the test suite), not by the server.
_OTHER_VARIABLES = frozenset({"CLIENT_ID", "CLIENT_SECRET", "API_URL", "TEST_POSTGRES"})


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise ConfigurationError naming the variable."""
    known = {name.upper() for name in Settings.model_fields} | _OTHER_VARIABLES
    unknown = sorted(
        name
        for name in os.environ
        if name.startswith(ENV_PREFIX) and name.removeprefix(ENV_PREFIX) not in known
    )
    if unknown:
        # A typo in a variable name would otherwise be silently ignored.
        raise ConfigurationError(f"unknown variable(s): {', '.join(unknown)}")
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if error["loc"]:
                name = ENV_PREFIX + "_".join(str(part) for part in error["loc"]).upper()
                problems.append(f"{name}: {error['msg']}")
            else:
                problems.append(str(error["msg"]).removeprefix("Value error, "))
        raise ConfigurationError("invalid configuration:\n  " + "\n  ".join(problems)) from None
