"""The client against the real app in-process (SQLite and PostgreSQL), with injected faults."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from energy_contracts.app import create_app
from energy_contracts.settings import Settings
from energy_contracts_client import (
    AuthenticationError,
    ConflictError,
    ConnectionFailedError,
    Consumption,
    ContractChanges,
    FieldError,
    NewBuilding,
    NewContract,
    NewPriceSeries,
    NewUser,
    NotFoundError,
    Price,
    PriceIndex,
    PriceSeriesChanges,
    PriceWriteSummary,
    RateLimitedError,
    RetryPolicy,
    ServiceUnavailableError,
    UserChanges,
    ValidationError,
)
from tests.client.conftest import ClientFactory, FakeClock, RecordedWaits
from tests.client.faults import FailingConnects, Fault, FaultInjector
from tests.support.fixtures import make_settings
from tests.support.tenants import Tenant

TOKEN = "/oauth2/token/"


def email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


# --- tokens ---------------------------------------------------------------------------------


async def test_token_is_fetched_when_first_needed_and_names_the_organisation(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector
) -> None:
    api = connect(tenant)
    assert faults.seen == []

    organisation = await api.get_organisation()

    assert organisation.id == tenant.org_id
    assert api.org_id == tenant.org_id
    assert organisation.billing_currency == "EUR"
    assert organisation.timezone == "Europe/Vienna"
    assert [seen.path for seen in faults.seen] == [TOKEN, f"/api/partners/v2.0/org/{tenant.org_id}"]


@pytest.fixture
async def short_token_app(
    migrated: Settings, database_url: str, signing_key_file: Path
) -> AsyncIterator[Litestar]:
    """The app on the same database, issuing tokens that live 60 seconds."""
    application = create_app(
        make_settings(database_url, signing_key_file, token_lifetime_seconds=60)
    )
    yield application
    await application.state.database.dispose()


@pytest.mark.parametrize(
    ("short_lived", "no_refresh_until", "refresh_at"),
    [
        # A 3600 s token is replaced 60 s before it expires ...
        (False, 3539.9, 3540.0),
        # ... a 60 s token halfway, so that it is used at all.
        (True, 29.9, 30.0),
    ],
)
async def test_token_is_refreshed_before_it_expires(
    connect: ClientFactory,
    tenant: Tenant,
    app: Litestar,
    short_token_app: Litestar,
    short_lived: bool,
    no_refresh_until: float,
    refresh_at: float,
) -> None:
    clock = FakeClock()
    injector = FaultInjector(short_token_app if short_lived else app)
    api = connect(tenant, app=injector, clock=clock)

    await api.get_organisation()
    clock.now = no_refresh_until
    await api.get_organisation()
    assert len(injector.requests_to(TOKEN)) == 1

    clock.now = refresh_at
    await api.get_organisation()

    assert len(injector.requests_to(TOKEN)) == 2
    first, second, third = (
        seen.headers["authorization"] for seen in injector.requests_to(str(tenant.org_id))
    )
    assert first == second != third


async def test_a_401_gets_one_new_token_and_one_retry(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector
) -> None:
    api = connect(tenant)
    faults.inject(Fault(401, method="GET", path_suffix=str(tenant.org_id)))

    organisation = await api.get_organisation()

    assert organisation.id == tenant.org_id
    assert len(faults.requests_to(TOKEN)) == 2
    rejected, accepted = faults.requests_to(str(tenant.org_id))
    assert (rejected.answered_by, accepted.answered_by) == ("fault", "app")
    assert rejected.headers["authorization"] != accepted.headers["authorization"]


async def test_a_second_401_is_an_authentication_error(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector
) -> None:
    api = connect(tenant)
    faults.inject(*[Fault(401, method="GET", path_suffix=str(tenant.org_id))] * 2)

    with pytest.raises(AuthenticationError) as raised:
        await api.get_organisation()

    assert raised.value.status == 401
    assert len(faults.requests_to(TOKEN)) == 2
    assert len(faults.requests_to(str(tenant.org_id))) == 2


async def test_wrong_credentials_are_an_authentication_error(
    connect: ClientFactory, tenant: Tenant
) -> None:
    tenant.client_secret = "not-the-secret"
    api = connect(tenant)

    with pytest.raises(AuthenticationError) as raised:
        await api.get_organisation()

    assert raised.value.status == 401
    assert raised.value.oauth_error == "invalid_client"


async def test_concurrent_requests_share_one_token_fetch(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector
) -> None:
    clock = FakeClock()
    api = connect(tenant, clock=clock)

    # The first requests learn the organisation from the token; the later ones find it due.
    await asyncio.gather(*(api.get_organisation() for _ in range(4)))
    clock.now = 3540.0
    await asyncio.gather(*(api.get_organisation() for _ in range(4)))

    assert len(faults.requests_to(TOKEN)) == 2
    assert len(faults.requests_to(str(tenant.org_id))) == 8


async def test_a_token_endpoint_503_is_waited_out_like_any_answer(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector, waits: RecordedWaits
) -> None:
    api = connect(tenant, org_id=tenant.org_id)
    faults.inject(Fault(503, path_suffix=TOKEN, headers={"Retry-After": "3"}))

    organisation = await api.get_organisation()

    assert organisation.id == tenant.org_id
    assert waits == [3]
    assert [seen.answered_by for seen in faults.requests_to(TOKEN)] == ["fault", "app"]
    assert [seen.answered_by for seen in faults.requests_to(str(tenant.org_id))] == ["app"]


async def test_a_token_endpoint_that_stays_unavailable_is_a_typed_error(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector, waits: RecordedWaits
) -> None:
    api = connect(tenant, org_id=tenant.org_id, retry=RetryPolicy(max_attempts=2))
    faults.inject(*[Fault(503, path_suffix=TOKEN, headers={"Retry-After": "1"})] * 2)

    with pytest.raises(ServiceUnavailableError) as raised:
        await api.get_organisation()

    assert (raised.value.status, raised.value.retry_after) == (503, 1)
    assert waits == [1]
    assert faults.requests_to(str(tenant.org_id)) == []


# --- typed errors ---------------------------------------------------------------------------


async def test_a_422_carries_the_field_errors(connect: ClientFactory, tenant: Tenant) -> None:
    api = connect(tenant)

    with pytest.raises(ValidationError) as raised:
        await api.create_user(NewUser(email="not-an-email"))

    error = raised.value
    assert error.status == 422
    assert error.errors == [FieldError("email", "is not an email address")]
    assert error.detail == "email: is not an email address"


async def test_duplicates_and_unknown_ids_are_typed(connect: ClientFactory, tenant: Tenant) -> None:
    api = connect(tenant)
    address = email()
    await api.create_user(NewUser(email=address))

    with pytest.raises(ConflictError) as conflict:
        await api.create_user(NewUser(email=address.upper()))
    with pytest.raises(NotFoundError) as missing:
        await api.get_user(uuid.uuid4())

    assert conflict.value.status == 409
    assert missing.value.status == 404


async def test_users_round_trip(connect: ClientFactory, tenant: Tenant) -> None:
    api = connect(tenant)
    created = await api.create_user(
        NewUser(email=email(), external_user_id="crm/4711", first_name="Ada", country="at")
    )

    found = await api.get_user_by_external_id("crm/4711")
    updated = await api.update_user(created.id, UserChanges(first_name=None, last_name="Lovelace"))
    await api.delete_user(created.id)

    assert found == created
    assert created.organization_id == tenant.org_id
    assert created.country == "AT"
    assert (updated.first_name, updated.last_name, updated.email) == (
        None,
        "Lovelace",
        created.email,
    )
    with pytest.raises(NotFoundError):
        await api.get_user(created.id)


# --- paging ---------------------------------------------------------------------------------


async def test_iteration_follows_the_link_header_through_every_page(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector
) -> None:
    api = connect(tenant)
    emails = [email() for _ in range(5)]
    for address in emails:
        await api.create_user(NewUser(email=address))

    users = [user async for user in api.iter_users(page_size=2)]

    assert [user.email for user in users] == emails
    assert len(faults.requests_to("/users", method="GET")) == 3


async def test_a_page_names_the_cursor_of_the_next(connect: ClientFactory, tenant: Tenant) -> None:
    api = connect(tenant)
    emails = [email() for _ in range(3)]
    for address in emails:
        await api.create_user(NewUser(email=address))

    first = await api.list_users(limit=2)
    assert first.next_cursor is not None
    second = await api.list_users(limit=2, cursor=first.next_cursor)

    assert [user.email for user in first.items] == emails[:2]
    assert [user.email for user in second.items] == emails[2:]
    assert second.next_url is None


# --- retries --------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "retry_after"), [(503, 1), (429, 2)])
async def test_a_retry_waits_as_long_as_retry_after_says(
    connect: ClientFactory,
    tenant: Tenant,
    faults: FaultInjector,
    waits: RecordedWaits,
    status: int,
    retry_after: int,
) -> None:
    api = connect(tenant)
    faults.inject(
        Fault(status, path_suffix=str(tenant.org_id), headers={"Retry-After": str(retry_after)})
    )

    organisation = await api.get_organisation()

    assert organisation.id == tenant.org_id
    assert waits == [retry_after]
    assert [seen.answered_by for seen in faults.requests_to(str(tenant.org_id))] == [
        "fault",
        "app",
    ]


@pytest.mark.parametrize(
    ("status", "error_type"), [(503, ServiceUnavailableError), (429, RateLimitedError)]
)
async def test_a_retry_after_beyond_the_budget_is_raised_at_once(
    connect: ClientFactory,
    tenant: Tenant,
    faults: FaultInjector,
    waits: RecordedWaits,
    status: int,
    error_type: type[Exception],
) -> None:
    api = connect(tenant, retry=RetryPolicy(max_total_wait=60))
    faults.inject(Fault(status, path_suffix=str(tenant.org_id), headers={"Retry-After": "120"}))

    with pytest.raises(error_type) as raised:
        await api.get_organisation()

    assert getattr(raised.value, "retry_after", None) == 120
    assert waits == []
    assert len(faults.requests_to(str(tenant.org_id))) == 1


async def test_attempts_are_bounded(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector, waits: RecordedWaits
) -> None:
    api = connect(tenant, retry=RetryPolicy(max_attempts=3))
    faults.inject(*[Fault(503, path_suffix=str(tenant.org_id), headers={"Retry-After": "0"})] * 5)

    with pytest.raises(ServiceUnavailableError):
        await api.get_organisation()

    assert waits == [0, 0]
    assert len(faults.requests_to(str(tenant.org_id))) == 3


async def test_a_retried_write_sends_the_same_idempotency_key(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector, waits: RecordedWaits
) -> None:
    api = connect(tenant)
    faults.inject(Fault(503, method="POST", path_suffix="/users", headers={"Retry-After": "1"}))
    address = email()

    created = await api.create_user(NewUser(email=address))
    await api.create_user(NewUser(email=email()))

    first_try, retry, next_write = (
        seen.headers["idempotency-key"] for seen in faults.requests_to("/users", method="POST")
    )
    assert first_try == retry != next_write
    uuid.UUID(first_try)
    assert waits == [1]
    stored = [user async for user in api.iter_users() if user.email == address]
    assert stored == [created]


async def test_a_write_still_running_under_its_key_is_waited_for(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector, waits: RecordedWaits
) -> None:
    api = connect(tenant)
    in_use = {
        "type": "https://energy-contracts.dev/problems/idempotency-key-in-use",
        "title": "Conflict",
        "status": 409,
        "detail": "A request with this Idempotency-Key is still being processed.",
    }
    faults.inject(Fault(409, method="POST", path_suffix="/users", body=in_use,
                        headers={"Retry-After": "1"}))  # fmt: skip

    created = await api.create_user(NewUser(email=email()))

    assert waits == [1]
    assert (await api.get_user(created.id)) == created


async def test_a_write_whose_answer_was_lost_is_done_once(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector
) -> None:
    """The first attempt reaches the app, but its answer never reaches the client: the retry
    with the same Idempotency-Key gets the first answer instead of a duplicate-email 409."""
    api = connect(tenant)
    faults.inject(
        Fault(503, method="POST", path_suffix="/users", after_forwarding=True,
              headers={"Retry-After": "1"})
    )  # fmt: skip
    address = email()

    created = await api.create_user(NewUser(email=address))

    stored = [user async for user in api.iter_users() if user.email == address]
    assert stored == [created]


async def test_connection_failures_are_retried_with_backoff(
    connect: ClientFactory, tenant: Tenant, app: Litestar, waits: RecordedWaits
) -> None:
    transport = FailingConnects(httpx.ASGITransport(app=app), failures=2)
    api = connect(tenant, transport=transport)

    organisation = await api.get_organisation()

    assert organisation.id == tenant.org_id
    assert waits == [0.5, 1.0]
    assert transport.attempts == 4  # two refused, the token, the organisation


async def test_a_service_that_stays_unreachable_is_a_connection_error(
    connect: ClientFactory, tenant: Tenant, app: Litestar, waits: RecordedWaits
) -> None:
    transport = FailingConnects(httpx.ASGITransport(app=app), failures=100)
    api = connect(tenant, transport=transport, retry=RetryPolicy(max_attempts=3))

    with pytest.raises(ConnectionFailedError):
        await api.get_organisation()

    assert transport.attempts == 3
    assert waits == [0.5, 1.0]


async def test_each_batch_of_prices_is_one_write_with_its_own_key(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector, waits: RecordedWaits
) -> None:
    api = connect(tenant)
    user = await api.create_user(NewUser(email=email()))
    contract = await api.create_contract(
        user.id, NewContract(energy_contract_type="spot_hourly", currency_energy_price="EUR")
    )
    prices = [
        Price(Decimal("0.1") + Decimal(hour) / 1000, datetime(2024, 1, 15, hour, tzinfo=UTC))
        for hour in range(5)
    ]
    faults.inject(Fault(503, method="PUT", path_suffix="/prices", after_forwarding=False,
                        headers={"Retry-After": "1"}))  # fmt: skip

    written = await api.put_prices(user.id, contract.id, prices, batch_size=2)

    assert written == PriceWriteSummary(received=5, inserted=5, updated=0, unchanged=0)
    first, retried, second, third = (
        seen.headers["idempotency-key"] for seen in faults.requests_to("/prices", method="PUT")
    )
    assert first == retried
    assert len({first, second, third}) == 3
    assert waits == [1]
    assert [price async for price in api.iter_prices(user.id, contract.id, page_size=2)] == prices


async def test_what_a_building_pays_its_cheapest_hour_and_a_cost(
    connect: ClientFactory, tenant: Tenant
) -> None:
    api = connect(tenant)
    user = await api.create_user(NewUser(email=email()))
    building = await api.create_building(user.id, NewBuilding(name="Home"))
    hour = [datetime(2024, 1, 15, h, tzinfo=UTC) for h in range(6)]
    contract = await api.create_contract(
        user.id,
        NewContract(
            energy_contract_type="spot_hourly",
            building_id=building.id,
            currency_energy_price="EUR",
            energy_prices=[
                Price(Decimal("0.30"), hour[0]),
                Price(Decimal("0.10"), hour[1]),
                Price(Decimal("0.20"), hour[2]),
                Price(Decimal("0.40"), hour[3]),
            ],
        ),
    )

    effective = await api.effective_prices(user.id, building.id, from_=hour[0], to=hour[5])
    window = await api.cheapest_window(user.id, building.id, minutes=60, from_=hour[0], to=hour[4])
    cost = await api.cost(
        user.id, building.id, [Consumption(start=hour[0], end=hour[2], kwh=Decimal("2"))]
    )

    assert (effective.currency, effective.from_, effective.to) == ("EUR", hour[0], hour[5])
    assert [(i.start, i.end, i.price) for i in effective.intervals] == [
        (hour[0], hour[1], Decimal("0.30")),
        (hour[1], hour[2], Decimal("0.10")),
        (hour[2], hour[3], Decimal("0.20")),
        (hour[3], hour[4], Decimal("0.40")),
        (hour[4], hour[5], None),  # unknown, never zero
    ]
    assert {i.contract_id for i in effective.intervals[:4]} == {contract.id}
    assert {i.source for i in effective.intervals[:4]} == {"building"}
    assert (window.start, window.end, window.average_price) == (hour[1], hour[2], Decimal("0.10"))
    assert (cost.total_cost, cost.covered_kwh, cost.uncovered_kwh) == (
        Decimal("0.40"), Decimal("2"), Decimal("0"),
    )  # fmt: skip


# --- price series ---------------------------------------------------------------------------


async def test_a_series_its_prices_and_a_contract_linked_to_it(
    connect: ClientFactory, tenant: Tenant
) -> None:
    api = connect(tenant)
    series = await api.create_series(NewPriceSeries(name="EPEX AT", interval_minutes=15))
    hours = [
        Price(Decimal("0.0812"), datetime(2025, 9, 30, 22, tzinfo=UTC)),
        Price(Decimal("-0.0031"), datetime(2025, 9, 30, 22, 15, tzinfo=UTC)),
        Price(Decimal("0.1"), datetime(2025, 9, 30, 22, 30, tzinfo=UTC)),
    ]
    written = await api.put_series_prices(series.id, hours, batch_size=2)
    user = await api.create_user(NewUser(email=email()))
    contract = await api.create_contract(
        user.id,
        NewContract(
            energy_contract_type="spot_hourly",
            currency_energy_price="EUR",
            energy_price_index=PriceIndex(series.id, markup=Decimal("0.02")),
        ),
    )
    current = await api.get_series(series.id)
    renamed = await api.update_series(
        series.id, PriceSeriesChanges(name="EPEX AT 15", area=None), if_match=current.etag
    )
    running_out = [
        found
        async for found in api.iter_series(
            prices_known_until_before=datetime(2025, 9, 30, 23, 0, 1, tzinfo=UTC)
        )
    ]
    stored = [price async for price in api.iter_series_prices(series.id, page_size=2)]

    assert (series.currency, series.timezone, series.etag) == ("EUR", "Europe/Vienna", '"1"')
    assert written == PriceWriteSummary(received=3, inserted=3, updated=0, unchanged=0)
    assert stored == hours
    # series × 1 + 0.02: 0.1012, 0.0169, 0.12; known until 22:30 + 15 minutes.
    assert [p.price for p in contract.energy_prices] == [
        Decimal("0.1012"),
        Decimal("0.0169"),
        Decimal("0.12"),
    ]
    assert contract.energy_price_index == PriceIndex(series.id, Decimal(1), Decimal("0.02"))
    assert contract.prices_known_until == datetime(2025, 9, 30, 22, 45, tzinfo=UTC)
    assert current.prices_known_until == datetime(2025, 9, 30, 22, 45, tzinfo=UTC)
    # Two batches, two versions of the series.
    assert (current.etag, renamed.name, renamed.etag) == ('"3"', "EPEX AT 15", '"4"')
    assert [found.id for found in running_out] == [series.id]
    with pytest.raises(ConflictError):
        await api.delete_series(series.id)
    await api.update_contract(user.id, contract.id, ContractChanges(energy_price_index=None))
    assert await api.delete_series_prices(series.id, from_=hours[1].timestamp) == 2
    await api.delete_series(series.id)
    with pytest.raises(NotFoundError):
        await api.get_series(series.id)
