"""The client's pure parts: wire encoding, models, Retry-After, next-page links."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import msgspec
import pytest

from energy_contracts_client import (
    ContractChanges,
    EnergyContractsClient,
    Price,
    RetryPolicy,
    UnexpectedResponseError,
    UserChanges,
)
from energy_contracts_client._core import (
    Call,
    ClientCore,
    encode,
    page_of,
)
from energy_contracts_client._retry import retry_after_seconds
from energy_contracts_client.models import Page, PriceBatch

JANUARY = datetime(2024, 1, 15, tzinfo=UTC)


def test_prices_go_over_the_wire_as_exact_json_numbers() -> None:
    batch = PriceBatch(
        [
            Price(Decimal("0.09550"), JANUARY),
            Price(
                Decimal("-0.1234567890123456789"),
                datetime(2024, 1, 15, 1, tzinfo=timezone(timedelta(hours=1))),
            ),
        ]
    )

    assert encode(batch) == (
        b'{"energy_prices":[{"price":0.09550,"timestamp":"2024-01-15T00:00:00Z"},'
        b'{"price":-0.1234567890123456789,"timestamp":"2024-01-15T01:00:00+01:00"}]}'
    )
    decoded = msgspec.json.decode(encode(batch), type=PriceBatch)
    assert decoded == batch
    assert str(decoded.energy_prices[1].price) == "-0.1234567890123456789"


@pytest.mark.parametrize(
    ("price", "timestamp", "message"),
    [
        (0.1, JANUARY, "finite Decimal"),
        (Decimal("NaN"), JANUARY, "finite Decimal"),
        (Decimal("0.1"), datetime(2024, 1, 15), "no UTC offset"),
    ],
)
def test_a_price_refuses_floats_and_naive_times(
    price: object, timestamp: datetime, message: str
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        Price(price, timestamp)  # type: ignore[arg-type]


def test_a_partial_update_sends_only_what_it_names() -> None:
    assert encode(UserChanges(first_name=None, town="Wien")) == b'{"first_name":null,"town":"Wien"}'
    assert encode(ContractChanges()) == b"{}"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("7", 7.0),
        (" 0 ", 0.0),
        ("Mon, 15 Jan 2024 00:00:30 GMT", 30.0),
        ("Sun, 14 Jan 2024 23:00:00 GMT", 0.0),  # in the past: no wait
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, now=JANUARY) == seconds


def core(base_url: str = "https://api.example.com") -> ClientCore:
    return ClientCore(
        base_url=base_url,
        client_id="id",
        client_secret="secret",
        org_id=uuid.uuid4(),
        scope=None,
        retry=RetryPolicy(),
        clock=lambda: 0.0,
        refresh_margin=60,
    )


def test_next_page_links_stay_on_the_configured_host_and_scheme() -> None:
    first: Call[Page[Price]] = Call("GET", page_of(Price), path=("users",))
    shared = core()

    # A service behind a TLS proxy may announce http: the client keeps https.
    followed = shared.follow(first, "http://api.example.com/api/partners/v2.0/x?cursor=abc")
    assert followed.url == "https://api.example.com/api/partners/v2.0/x?cursor=abc"
    # Another host never gets the access token.
    with pytest.raises(UnexpectedResponseError, match="leaves"):
        shared.follow(first, "https://evil.example.net/steal?cursor=abc")


def test_a_page_reads_its_next_link_relative_to_the_request() -> None:
    request = httpx.Request("GET", "https://api.example.com/api/partners/v2.0/org/1/users")
    response = httpx.Response(
        200,
        content=b"[]",
        headers={"Link": '</api/partners/v2.0/org/1/users?cursor=Zm9v&limit=2>; rel="next"'},
        request=request,
    )

    page = page_of(Price)(response)

    assert page.items == []
    assert (
        page.next_url == "https://api.example.com/api/partners/v2.0/org/1/users?cursor=Zm9v&limit=2"
    )
    assert page.next_cursor == "Zm9v"


def test_credentials_are_required_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENERGY_CONTRACTS_CLIENT_ID", raising=False)
    monkeypatch.delenv("ENERGY_CONTRACTS_CLIENT_SECRET", raising=False)
    with pytest.raises(ValueError, match="ENERGY_CONTRACTS_CLIENT_ID"):
        EnergyContractsClient("https://api.example.com")

    monkeypatch.setenv("ENERGY_CONTRACTS_CLIENT_ID", "ec_id")
    monkeypatch.setenv("ENERGY_CONTRACTS_CLIENT_SECRET", "s3cret")
    with EnergyContractsClient("https://api.example.com") as api:
        assert "s3cret" not in repr(api)
        assert "s3cret" not in repr(api._core)


def test_retry_policy_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    assert [RetryPolicy().backoff(attempt) for attempt in range(1, 7)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 8.0,
    ]  # fmt: skip
