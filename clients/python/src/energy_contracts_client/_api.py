"""Every API method, declared once for both clients.

A method here builds a flow (see ``_core``): which request(s) to send and how to read the
answer. The ``@operation`` and ``@paged`` descriptors turn it into a plain method on a
``SyncApi`` client and an ``async`` method on an ``AsyncApi`` client; the type checker sees the
right signature and return type on each. The clients themselves (``_sync``, ``_async``) build on
these two bases; nothing here imports them.
"""

from __future__ import annotations

import abc
import functools
import uuid
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
)
from datetime import date, datetime
from itertools import islice
from typing import (
    Any,
    ClassVar,
    Concatenate,
    Generic,
    ParamSpec,
    Self,
    TypeVar,
    overload,
)

import httpx
import msgspec

from energy_contracts_client._core import (
    NDJSON,
    NO_CONTENT,
    Call,
    ClientCore,
    Flow,
    Lines,
    decode_as,
    encode,
    page_of,
    query_instant,
)
from energy_contracts_client.models import (
    Building,
    BuildingChanges,
    BuildingEffectivePrices,
    CheapestWindow,
    Consumption,
    ConsumptionProfile,
    ContractChanges,
    Cost,
    EffectiveInterval,
    EffectivePrices,
    EnergyContract,
    NewBuilding,
    NewContract,
    NewPriceSeries,
    NewTariff,
    NewUser,
    Organisation,
    Page,
    Price,
    PriceBatch,
    PricesDeleted,
    PriceSeries,
    PriceSeriesChanges,
    PriceWriteSummary,
    Tariff,
    User,
    UserChanges,
)

P = ParamSpec("P")
T = TypeVar("T")

Id = uuid.UUID | str

# The server takes up to 100,000 prices per request (SPEC §5); 10,000 keeps each body near
# half a megabyte, so a failed batch costs little to resend.
DEFAULT_BATCH_SIZE = 10_000
MAX_BATCH_SIZE = 100_000


class operation(Generic[P, T]):
    """An API method: runs to completion, sync or awaited, and returns its answer."""

    def __init__(self, build: Callable[Concatenate[Any, P], Flow[T]]) -> None:
        self._build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, client: SyncApi, owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, client: AsyncApi, owner: type[Any]
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, client: Any, owner: type[Any]) -> Any:
        if client is None:
            return self
        build = self._build
        if isinstance(client, AsyncApi):

            @functools.wraps(build)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                return await client._run(build(client, *args, **kwargs))

            return run_async

        @functools.wraps(build)
        def run(*args: Any, **kwargs: Any) -> Any:
            return client._run(build(client, *args, **kwargs))

        return run


class _Iterating(Generic[P, T]):
    """An API method that answers with many items: on the blocking client an iterator, on
    the async client an async iterator, made by the client's method named ``_runner``."""

    _runner: ClassVar[str]

    def __init__(self, build: Callable[Concatenate[Any, P], Any]) -> None:
        self._build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, client: SyncApi, owner: type[Any]) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, client: AsyncApi, owner: type[Any]) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, client: Any, owner: type[Any]) -> Any:
        if client is None:
            return self
        build = self._build
        run = getattr(client, self._runner)

        @functools.wraps(build)
        def iterate(*args: Any, **kwargs: Any) -> Any:
            return run(build(client, *args, **kwargs))

        return iterate


class paged(_Iterating[P, T]):
    """A list API method as an iterator over all items (async iterator on the async client),
    fetching the next page when the previous one is used up."""

    _runner = "_iterate"

    def __init__(self, build: Callable[Concatenate[Any, P], Call[Page[T]]]) -> None:
        super().__init__(build)


class streamed(_Iterating[P, T]):
    """An NDJSON API method as an iterator over its lines (async iterator on the async
    client), each decoded as it arrives, following ``Link: rel="next"`` from page to page."""

    _runner = "_stream"

    def __init__(self, build: Callable[Concatenate[Any, P], Lines[T]]) -> None:
        super().__init__(build)


def _contract(response: httpx.Response) -> EnergyContract:
    contract = _contract_decoder.decode(response.content)
    etag = response.headers.get("etag")
    return msgspec.structs.replace(contract, etag=etag) if etag else contract


_contract_decoder = msgspec.json.Decoder(EnergyContract)


def _series(response: httpx.Response) -> PriceSeries:
    series = _series_decoder.decode(response.content)
    etag = response.headers.get("etag")
    return msgspec.structs.replace(series, etag=etag) if etag else series


_series_decoder = msgspec.json.Decoder(PriceSeries)


def _tariff(response: httpx.Response) -> Tariff:
    tariff = _tariff_decoder.decode(response.content)
    etag = response.headers.get("etag")
    return msgspec.structs.replace(tariff, etag=etag) if etag else tariff


_tariff_decoder = msgspec.json.Decoder(Tariff)


def _params(**values: object) -> dict[str, str]:
    """Query parameters, leaving out the ones not given; instants in UTC with ``Z``."""
    params: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            params[name.rstrip("_")] = query_instant(value)
        elif isinstance(value, bool):
            params[name.rstrip("_")] = "true" if value else "false"
        elif isinstance(value, date):
            params[name.rstrip("_")] = value.isoformat()
        else:
            params[name.rstrip("_")] = str(value)
    return params


def _batches(prices: Iterable[Price], size: int) -> Iterator[list[Price]]:
    iterator = iter(prices)
    while batch := list(islice(iterator, size)):
        yield batch


class ApiMethods:
    """The methods both clients share; ``_core`` holds their configuration and token."""

    _core: ClientCore

    @property
    def org_id(self) -> uuid.UUID:
        """The organisation this client acts for: ``org_id=`` if given, else the one the
        access token names (known after the first request)."""
        return self._core.org_id

    # -- organisation --

    @operation
    def get_organisation(self) -> Flow[Organisation]:
        """The caller's organisation (``GET /org/{org_id}``)."""
        return self._core.exchange(Call("GET", decode_as(Organisation), path=()))

    # -- users --

    @operation
    def create_user(self, user: NewUser) -> Flow[User]:
        """Register a user; a duplicate email or external id is a ``ConflictError``."""
        return self._core.exchange(
            Call("POST", decode_as(User), path=("users",), body=encode(user))
        )

    @operation
    def get_user(self, user_id: Id) -> Flow[User]:
        return self._core.exchange(Call("GET", decode_as(User), path=("users", str(user_id))))

    @operation
    def get_user_by_external_id(self, external_user_id: str) -> Flow[User]:
        """The user with the partner's own id (``GET .../users/by-ext-id/{id}``)."""
        return self._core.exchange(
            Call("GET", decode_as(User), path=("users", "by-ext-id", external_user_id))
        )

    @operation
    def list_users(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Flow[Page[User]]:
        """One page of users; ``page.next_cursor`` asks for the next. See ``iter_users``."""
        return self._core.exchange(self._users_page(limit, cursor))

    @paged
    def iter_users(self, *, page_size: int | None = None) -> Call[Page[User]]:
        """Every user of the organisation, page by page."""
        return self._users_page(page_size, None)

    def _users_page(self, limit: int | None, cursor: str | None) -> Call[Page[User]]:
        return Call(
            "GET", page_of(User), path=("users",), params=_params(limit=limit, cursor=cursor)
        )

    @operation
    def update_user(self, user_id: Id, changes: UserChanges) -> Flow[User]:
        """Change the fields ``changes`` names; ``None`` clears an optional field."""
        return self._core.exchange(
            Call("PUT", decode_as(User), path=("users", str(user_id)), body=encode(changes))
        )

    @operation
    def delete_user(self, user_id: Id) -> Flow[None]:
        """Delete the user with their buildings, contracts and prices."""
        return self._core.exchange(Call("DELETE", NO_CONTENT, path=("users", str(user_id))))

    # -- buildings --

    @operation
    def create_building(self, user_id: Id, building: NewBuilding) -> Flow[Building]:
        return self._core.exchange(
            Call(
                "POST",
                decode_as(Building),
                path=("users", str(user_id), "buildings"),
                body=encode(building),
            )
        )

    @operation
    def get_building(self, user_id: Id, building_id: Id) -> Flow[Building]:
        return self._core.exchange(
            Call("GET", decode_as(Building), path=_building_path(user_id, building_id))
        )

    @operation
    def list_buildings(
        self, user_id: Id, *, limit: int | None = None, cursor: str | None = None
    ) -> Flow[Page[Building]]:
        return self._core.exchange(self._buildings_page(user_id, limit, cursor))

    @paged
    def iter_buildings(self, user_id: Id, *, page_size: int | None = None) -> Call[Page[Building]]:
        return self._buildings_page(user_id, page_size, None)

    def _buildings_page(
        self, user_id: Id, limit: int | None, cursor: str | None
    ) -> Call[Page[Building]]:
        return Call(
            "GET",
            page_of(Building),
            path=("users", str(user_id), "buildings"),
            params=_params(limit=limit, cursor=cursor),
        )

    @operation
    def update_building(
        self, user_id: Id, building_id: Id, changes: BuildingChanges
    ) -> Flow[Building]:
        return self._core.exchange(
            Call(
                "PUT",
                decode_as(Building),
                path=_building_path(user_id, building_id),
                body=encode(changes),
            )
        )

    @operation
    def delete_building(self, user_id: Id, building_id: Id) -> Flow[None]:
        """Delete the building and its contract."""
        return self._core.exchange(
            Call("DELETE", NO_CONTENT, path=_building_path(user_id, building_id))
        )

    # -- contracts --

    @operation
    def create_contract(self, user_id: Id, contract: NewContract) -> Flow[EnergyContract]:
        """Register a contract; a second one for the same building (or a second user-level
        one) is a ``ConflictError`` whose ``existing_contract_id`` names the first."""
        return self._core.exchange(
            Call("POST", _contract, path=_contracts_path(user_id), body=encode(contract))
        )

    @operation
    def get_contract(
        self, user_id: Id, contract_id: Id, *, include_prices: bool = True
    ) -> Flow[EnergyContract]:
        """The contract; ``include_prices=False`` leaves ``energy_prices`` empty (page the
        prices with ``iter_prices`` instead). ``contract.etag`` is its version."""
        return self._core.exchange(
            Call(
                "GET",
                _contract,
                path=_contract_path(user_id, contract_id),
                params=_params(include_prices=None if include_prices else False),
            )
        )

    @operation
    def list_contracts(
        self, user_id: Id, *, include_prices: bool = True
    ) -> Flow[list[EnergyContract]]:
        """The user's contracts (the user-level one and one per building)."""
        return self._core.collect(
            Call(
                "GET",
                page_of(EnergyContract),
                path=_contracts_path(user_id),
                params=_params(include_prices=None if include_prices else False),
            )
        )

    @operation
    def list_org_contracts(
        self,
        *,
        user_id: Id | None = None,
        building_id: Id | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Flow[Page[EnergyContract]]:
        """One page of the organisation's contracts, optionally of one user or building."""
        return self._core.exchange(self._org_contracts_page(user_id, building_id, limit, cursor))

    @paged
    def iter_org_contracts(
        self,
        *,
        user_id: Id | None = None,
        building_id: Id | None = None,
        page_size: int | None = None,
    ) -> Call[Page[EnergyContract]]:
        return self._org_contracts_page(user_id, building_id, page_size, None)

    def _org_contracts_page(
        self, user_id: Id | None, building_id: Id | None, limit: int | None, cursor: str | None
    ) -> Call[Page[EnergyContract]]:
        return Call(
            "GET",
            page_of(EnergyContract),
            path=("energy-contracts",),
            params=_params(user_id=user_id, building_id=building_id, limit=limit, cursor=cursor),
        )

    @operation
    def update_contract(
        self, user_id: Id, contract_id: Id, changes: ContractChanges, *, if_match: str | None = None
    ) -> Flow[EnergyContract]:
        """Change what ``changes`` names. With ``if_match=contract.etag`` a concurrent change
        since that version is a ``PreconditionFailedError`` instead of being overwritten."""
        return self._core.exchange(
            Call(
                "PUT",
                _contract,
                path=_contract_path(user_id, contract_id),
                body=encode(changes),
                headers=_if_match(if_match),
            )
        )

    @operation
    def delete_contract(
        self, user_id: Id, contract_id: Id, *, if_match: str | None = None
    ) -> Flow[None]:
        return self._core.exchange(
            Call(
                "DELETE",
                NO_CONTENT,
                path=_contract_path(user_id, contract_id),
                headers=_if_match(if_match),
            )
        )

    # -- prices --

    @operation
    def put_prices(
        self,
        user_id: Id,
        contract_id: Id,
        prices: Iterable[Price],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[PriceWriteSummary], None] | None = None,
    ) -> Flow[PriceWriteSummary]:
        """Upsert prices by timestamp, ``batch_size`` per request; the summed summary.

        ``prices`` may be any iterable (a generator too): only one batch is held as a request
        body at a time. Each batch is one atomic request with its own Idempotency-Key, so a
        retried batch is never applied twice; a batch the server refuses raises, and the
        batches before it stay stored. ``on_batch`` is called with each batch's summary.
        """
        return self._put_prices(
            (*_contract_path(user_id, contract_id), "prices"), prices, batch_size, on_batch
        )

    def _put_prices(
        self,
        path: tuple[str, ...],
        prices: Iterable[Price],
        batch_size: int,
        on_batch: Callable[[PriceWriteSummary], None] | None,
    ) -> Flow[PriceWriteSummary]:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}")
        return self._put_price_batches(path, prices, batch_size, on_batch)

    def _put_price_batches(
        self,
        path: tuple[str, ...],
        prices: Iterable[Price],
        batch_size: int,
        on_batch: Callable[[PriceWriteSummary], None] | None,
    ) -> Flow[PriceWriteSummary]:
        total = PriceWriteSummary.zero()
        for batch in _batches(prices, batch_size):
            summary = yield from self._core.exchange(
                Call(
                    "PUT",
                    decode_as(PriceWriteSummary),
                    path=path,
                    body=encode(PriceBatch(batch)),
                )
            )
            total += summary
            if on_batch is not None:
                on_batch(summary)
        return total

    @operation
    def list_prices(
        self,
        user_id: Id,
        contract_id: Id,
        *,
        from_: datetime | None = None,
        to: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Flow[Page[Price]]:
        """One page of stored prices in ``[from_, to)``, ascending."""
        return self._core.exchange(
            _prices_page(_contract_path(user_id, contract_id), from_, to, limit, cursor)
        )

    @paged
    def iter_prices(
        self,
        user_id: Id,
        contract_id: Id,
        *,
        from_: datetime | None = None,
        to: datetime | None = None,
        page_size: int | None = None,
    ) -> Call[Page[Price]]:
        """Every stored price in ``[from_, to)``, ascending, page by page."""
        return _prices_page(_contract_path(user_id, contract_id), from_, to, page_size, None)

    @operation
    def delete_prices(
        self,
        user_id: Id,
        contract_id: Id,
        *,
        from_: datetime | None = None,
        to: datetime | None = None,
    ) -> Flow[int]:
        """Delete the stored prices in ``[from_, to)``; how many were deleted."""
        return self._delete_prices(_contract_path(user_id, contract_id), from_, to)

    def _delete_prices(
        self, owner_path: tuple[str, ...], from_: datetime | None, to: datetime | None
    ) -> Flow[int]:
        deleted = yield from self._core.exchange(
            Call(
                "DELETE",
                decode_as(PricesDeleted),
                path=(*owner_path, "prices"),
                params=_params(from_=from_, to=to),
            )
        )
        return deleted.deleted

    # -- price series --

    @operation
    def create_series(self, series: NewPriceSeries) -> Flow[PriceSeries]:
        """Create a price series; a name already used is a ``ConflictError``."""
        return self._core.exchange(
            Call("POST", _series, path=("price-series",), body=encode(series))
        )

    @operation
    def get_series(self, series_id: Id) -> Flow[PriceSeries]:
        """The series; ``series.etag`` is its version, ``prices_known_until`` when its last
        price stops holding."""
        return self._core.exchange(Call("GET", _series, path=_series_path(series_id)))

    @operation
    def list_series(
        self,
        *,
        prices_known_until_before: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Flow[Page[PriceSeries]]:
        """One page of the organisation's series, optionally only those whose prices stop
        holding before ``prices_known_until_before``."""
        return self._core.exchange(self._series_page(prices_known_until_before, limit, cursor))

    @paged
    def iter_series(
        self,
        *,
        prices_known_until_before: datetime | None = None,
        page_size: int | None = None,
    ) -> Call[Page[PriceSeries]]:
        return self._series_page(prices_known_until_before, page_size, None)

    def _series_page(
        self, before: datetime | None, limit: int | None, cursor: str | None
    ) -> Call[Page[PriceSeries]]:
        return Call(
            "GET",
            page_of(PriceSeries),
            path=("price-series",),
            params=_params(prices_known_until_before=before, limit=limit, cursor=cursor),
        )

    @operation
    def update_series(
        self, series_id: Id, changes: PriceSeriesChanges, *, if_match: str | None = None
    ) -> Flow[PriceSeries]:
        return self._core.exchange(
            Call(
                "PUT",
                _series,
                path=_series_path(series_id),
                body=encode(changes),
                headers=_if_match(if_match),
            )
        )

    @operation
    def delete_series(self, series_id: Id, *, if_match: str | None = None) -> Flow[None]:
        """Delete the series and its prices; a ``ConflictError`` (``contract_count``) while
        contracts are linked to it."""
        return self._core.exchange(
            Call("DELETE", NO_CONTENT, path=_series_path(series_id), headers=_if_match(if_match))
        )

    @operation
    def put_series_prices(
        self,
        series_id: Id,
        prices: Iterable[Price],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[PriceWriteSummary], None] | None = None,
    ) -> Flow[PriceWriteSummary]:
        """Upsert a series' prices by timestamp, as ``put_prices`` does a contract's: one
        request per batch, whatever the number of contracts linked to the series."""
        return self._put_prices((*_series_path(series_id), "prices"), prices, batch_size, on_batch)

    @operation
    def list_series_prices(
        self,
        series_id: Id,
        *,
        from_: datetime | None = None,
        to: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Flow[Page[Price]]:
        return self._core.exchange(_prices_page(_series_path(series_id), from_, to, limit, cursor))

    @paged
    def iter_series_prices(
        self,
        series_id: Id,
        *,
        from_: datetime | None = None,
        to: datetime | None = None,
        page_size: int | None = None,
    ) -> Call[Page[Price]]:
        return _prices_page(_series_path(series_id), from_, to, page_size, None)

    @operation
    def delete_series_prices(
        self, series_id: Id, *, from_: datetime | None = None, to: datetime | None = None
    ) -> Flow[int]:
        return self._delete_prices(_series_path(series_id), from_, to)

    # -- tariffs --

    @operation
    def create_tariff(self, tariff: NewTariff) -> Flow[Tariff]:
        """Create a tariff (grid fees, levies, VAT, a standing charge); a name already used
        in the organisation is a ``ConflictError``, a rule broken a ``ValidationError``."""
        return self._core.exchange(Call("POST", _tariff, path=("tariffs",), body=encode(tariff)))

    @operation
    def get_tariff(self, tariff_id: Id) -> Flow[Tariff]:
        """The tariff; ``tariff.etag`` is its version."""
        return self._core.exchange(Call("GET", _tariff, path=_tariff_path(tariff_id)))

    @operation
    def list_tariffs(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Flow[Page[Tariff]]:
        """One page of the organisation's tariffs, by id; see ``iter_tariffs``."""
        return self._core.exchange(self._tariffs_page(limit, cursor))

    @paged
    def iter_tariffs(self, *, page_size: int | None = None) -> Call[Page[Tariff]]:
        """Every tariff of the organisation, page by page."""
        return self._tariffs_page(page_size, None)

    def _tariffs_page(self, limit: int | None, cursor: str | None) -> Call[Page[Tariff]]:
        return Call(
            "GET", page_of(Tariff), path=("tariffs",), params=_params(limit=limit, cursor=cursor)
        )

    @operation
    def replace_tariff(
        self, tariff_id: Id, tariff: NewTariff, *, if_match: str | None = None
    ) -> Flow[Tariff]:
        """Replace the tariff whole (``PUT``): fields left out take their defaults, so start
        from ``get_tariff(...).as_new()`` to change one thing. With ``if_match=tariff.etag``
        a change made since that version is a ``PreconditionFailedError``."""
        return self._core.exchange(
            Call(
                "PUT",
                _tariff,
                path=_tariff_path(tariff_id),
                body=encode(tariff),
                headers=_if_match(if_match),
            )
        )

    @operation
    def delete_tariff(self, tariff_id: Id, *, if_match: str | None = None) -> Flow[None]:
        """Delete the tariff; a ``ConflictError`` (``contract_count``) while contracts name
        it."""
        return self._core.exchange(
            Call("DELETE", NO_CONTENT, path=_tariff_path(tariff_id), headers=_if_match(if_match))
        )

    # -- effective prices, cheapest windows, cost --

    @operation
    def effective_prices(
        self,
        user_id: Id,
        building_id: Id | None = None,
        *,
        from_: datetime | None = None,
        to: datetime | None = None,
        day: date | None = None,
        interval: int | None = None,
    ) -> Flow[EffectivePrices]:
        """What the building pays over ``[from_, to)`` (or the local ``day``): its own
        contract where that knows the price, else the user-level contract. Without a
        building, the user-level contract alone. ``interval`` (15, 30, 60) resamples."""
        return self._core.exchange(
            Call(
                "GET",
                decode_as(EffectivePrices),
                path=_effective_path(user_id, building_id),
                params=_params(from_=from_, to=to, day=day, interval=interval),
            )
        )

    @streamed
    def iter_organisation_effective_prices(
        self,
        day: date,
        *,
        interval: int | None = None,
        page_size: int | None = None,
        cursor: str | None = None,
    ) -> Lines[BuildingEffectivePrices]:
        """What every building of the organisation pays on ``day``, each on its own local
        day: one ``BuildingEffectivePrices`` per building, ordered by building id, equal to
        the building's ``effective_prices(..., day=day, interval=interval)`` answer.

        One request per page (``page_size`` buildings; the service's default 1,000, at most
        10,000), streamed as NDJSON: each line is decoded as it arrives and the next page is
        asked for when this one is used up, so memory holds a line, not a page. ``cursor``
        starts at a page named by an earlier answer's ``Link``. A connection lost mid-page is
        a ``ConnectionFailedError`` (the lines already yielded stand; nothing is retried).
        """
        return Lines(
            Call(
                "GET",
                NO_CONTENT,
                path=("effective-prices",),
                params=_params(day=day, interval=interval, limit=page_size, cursor=cursor),
                headers={"Accept": NDJSON},
            ),
            BuildingEffectivePrices,
        )

    @operation
    def current_effective_price(
        self, user_id: Id, building_id: Id | None = None
    ) -> Flow[EffectiveInterval]:
        """The effective-price interval that contains now; a ``NotFoundError`` (problem
        type ``no-current-price``) when no price is known now."""
        return self._core.exchange(
            Call(
                "GET",
                decode_as(EffectiveInterval),
                path=(*_effective_path(user_id, building_id), "current"),
            )
        )

    @operation
    def cheapest_window(
        self,
        user_id: Id,
        building_id: Id,
        *,
        minutes: int,
        from_: datetime | None = None,
        to: datetime | None = None,
        day: date | None = None,
        contiguous: bool = True,
    ) -> Flow[CheapestWindow]:
        """The cheapest wholly priced ``minutes`` in ``[from_, to)`` (earliest on a tie; the
        service's defaults are now and 24 hours later), or in the building's local ``day``
        (not together with ``from_``/``to``); ``contiguous=False`` picks the cheapest grid
        slots adding up to ``minutes``. With a tariff, windows are ranked by the total per
        kWh. No wholly known window is a ``ValidationError`` naming the range."""
        return self._core.exchange(
            Call(
                "GET",
                decode_as(CheapestWindow),
                path=(*_building_path(user_id, building_id), "cheapest-window"),
                params=_params(minutes=minutes, from_=from_, to=to, day=day, contiguous=contiguous),
            )
        )

    @operation
    def cost(self, user_id: Id, building_id: Id, consumption: Iterable[Consumption]) -> Flow[Cost]:
        """What a consumption profile costs; energy where no price is known is reported as
        ``uncovered_kwh``, never priced at zero. With a tariff, each kWh is priced at the
        total and ``standing_charge`` (included in ``total_cost``) covers the local days the
        consumption's span touches."""
        return self._core.exchange(
            Call(
                "POST",
                decode_as(Cost),
                path=(*_building_path(user_id, building_id), "cost"),
                body=encode(ConsumptionProfile(list(consumption))),
                # A calculation, not a write: repeating it is harmless without a key.
                idempotency_key=False,
                repeatable=True,
            )
        )


def _prices_page(
    owner_path: tuple[str, ...],
    from_: datetime | None,
    to: datetime | None,
    limit: int | None,
    cursor: str | None,
) -> Call[Page[Price]]:
    return Call(
        "GET",
        page_of(Price),
        path=(*owner_path, "prices"),
        params=_params(from_=from_, to=to, limit=limit, cursor=cursor),
    )


def _series_path(series_id: Id) -> tuple[str, ...]:
    return ("price-series", str(series_id))


def _tariff_path(tariff_id: Id) -> tuple[str, ...]:
    return ("tariffs", str(tariff_id))


def _building_path(user_id: Id, building_id: Id) -> tuple[str, ...]:
    return ("users", str(user_id), "buildings", str(building_id))


def _contracts_path(user_id: Id) -> tuple[str, ...]:
    return ("users", str(user_id), "energy-contracts")


def _contract_path(user_id: Id, contract_id: Id) -> tuple[str, ...]:
    return (*_contracts_path(user_id), str(contract_id))


def _effective_path(user_id: Id, building_id: Id | None) -> tuple[str, ...]:
    if building_id is None:
        return ("users", str(user_id), "effective-prices")
    return (*_building_path(user_id, building_id), "effective-prices")


def _if_match(etag: str | None) -> dict[str, str]:
    return {} if etag is None else {"If-Match": etag}


class SyncApi(ApiMethods, abc.ABC):
    """A client that runs each flow to completion before returning (``EnergyContractsClient``)."""

    @abc.abstractmethod
    def _run(self, flow: Flow[T]) -> T: ...

    @abc.abstractmethod
    def _iterate(self, call: Call[Page[T]]) -> Iterator[T]: ...

    @abc.abstractmethod
    def _stream(self, lines: Lines[T]) -> Iterator[T]: ...


class AsyncApi(ApiMethods, abc.ABC):
    """A client whose methods are awaited (``AsyncEnergyContractsClient``)."""

    @abc.abstractmethod
    async def _run(self, flow: Flow[T]) -> T: ...

    @abc.abstractmethod
    def _iterate(self, call: Call[Page[T]]) -> AsyncIterator[T]: ...

    @abc.abstractmethod
    def _stream(self, lines: Lines[T]) -> AsyncIterator[T]: ...
