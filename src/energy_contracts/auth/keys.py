"""The access-token signing key: configured, or generated once into the data directory."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey

from energy_contracts.settings import ConfigurationError, Settings

SIGNING_ALGORITHM = "ES256"


@dataclass(frozen=True)
class SigningKey:
    private: ECKey

    @property
    def kid(self) -> str:
        kid = self.private.kid
        assert kid is not None
        return kid

    def public_jwks(self) -> dict[str, Any]:
        public = self.private.as_dict(private=False)
        public.update({"use": "sig", "alg": SIGNING_ALGORITHM})
        return {"keys": [public]}


def load_signing_key(settings: Settings) -> SigningKey:
    if settings.signing_key:
        pem = settings.signing_key.encode()
        source = "ENERGY_CONTRACTS_SIGNING_KEY"
    else:
        path = settings.signing_key_path
        if settings.signing_key_file is None:
            generate_key_file(path)
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(
                f"ENERGY_CONTRACTS_SIGNING_KEY_FILE: cannot read {path}: {exc.strerror}"
            ) from None
        source = "ENERGY_CONTRACTS_SIGNING_KEY_FILE"
    try:
        key = ECKey.import_key(pem)
    except Exception:  # joserfc raises several unrelated types for unreadable keys
        raise ConfigurationError(f"{source}: not a PEM EC private key") from None
    if not key.is_private or key.curve_name != "P-256":
        raise ConfigurationError(f"{source}: need an EC P-256 *private* key for ES256")
    # The kid is the RFC 7638 thumbprint, so every process derives the same one.
    key = ECKey.import_key(pem, {"kid": key.thumbprint()})
    return SigningKey(key)


def new_private_key_pem() -> bytes:
    return ECKey.generate_key("P-256", private=True).as_pem(private=True)


def generate_key_file(path: Path) -> bool:
    """Create the key file unless it exists. Safe when several workers start at once:
    the key is written to a temporary file and linked into place, and only one link wins."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(new_private_key_pem())
        temporary = Path(handle.name)
    try:
        os.chmod(temporary, 0o600)
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
