"""TokenService.verify remembers verified tokens per process, never past their expiry."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from energy_contracts.auth import tokens
from energy_contracts.auth.keys import load_signing_key, new_private_key_pem
from energy_contracts.auth.tokens import TokenService
from energy_contracts.errors import Unauthorized
from energy_contracts.settings import load_settings


@pytest.fixture
def service(tmp_path: Path) -> TokenService:
    return make_service(tmp_path)


def make_service(tmp_path: Path) -> TokenService:
    key_file = tmp_path / "signing-key.pem"
    key_file.write_bytes(new_private_key_pem())
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        signing_key_file=key_file,
        data_dir=tmp_path,
    )
    return TokenService(settings, load_signing_key(settings))


def test_a_verified_token_is_remembered_until_it_expires(
    service: TokenService, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = service.issue(client_id="ec_test", org_id=uuid.uuid4(), scopes=["read"])
    signature_checks = 0
    verify_signed = service._verify_signed

    def counting(token: str) -> tokens.AccessClaims:
        nonlocal signature_checks
        signature_checks += 1
        return verify_signed(token)

    monkeypatch.setattr(service, "_verify_signed", counting)
    first = service.verify(token)
    assert service.verify(token) == first
    assert signature_checks == 1

    # At expiry the memo is not trusted: the token is checked again (and, past the
    # verifier's leeway, refused as it would be without the memo).
    now = float(first.expires_at)
    monkeypatch.setattr(time, "time", lambda: now)
    assert service.verify(token) == first
    assert signature_checks == 2
    monkeypatch.setattr(time, "time", lambda: now + 31)
    with pytest.raises(Unauthorized):
        service.verify(token)
    assert signature_checks == 3


def test_only_verified_tokens_are_remembered(service: TokenService) -> None:
    good = service.issue(client_id="ec_test", org_id=uuid.uuid4(), scopes=["read"])
    for _ in range(2):
        with pytest.raises(Unauthorized):
            service.verify(good[:-4] + "AAAA")  # a signature that does not match
    assert service.verify(good).client_id == "ec_test"


def test_the_memo_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 3)
    service = make_service(tmp_path)  # the memo's size is fixed when the service is made
    issued = [
        service.issue(client_id=f"ec_{n}", org_id=uuid.uuid4(), scopes=["read"]) for n in range(5)
    ]
    for token in issued:
        service.verify(token)
    assert list(service._verified) == issued[-3:]
