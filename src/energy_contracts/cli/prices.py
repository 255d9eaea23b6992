"""``energy-contracts prices import entsoe|awattar|csv FILE``: market data into a contract
(``--user --contract``) or a price series (``--series``), through the API of a running
service.

Each format is a sub-command with its parser's options; the options every import shares (the
target, the service, end-customer prices, batching, output) are declared once below. The file
is parsed once into per-kWh prices (the parsers read it as a stream), optionally turned into
end-customer prices, checked against the target (currency, interval) and then sent in batches,
one batch body at a time.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, Protocol

import httpx
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from energy_contracts.cli.common import err, fail, note, print_json, sub_app
from energy_contracts.feeds import (
    FeedError,
    FeedSource,
    ParsedPrices,
    PricePoint,
    Remedy,
    check_tax,
    end_customer_price,
    keyword_argument,
    parse_awattar,
    parse_csv,
    parse_entsoe,
)
from energy_contracts_client import (
    ApiError,
    ConnectionFailedError,
    EnergyContractsClient,
    EnergyContractsError,
    Price,
    PriceWriteSummary,
)
from energy_contracts_client._api import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE
from energy_contracts_client._core import (
    DEFAULT_API_URL,
    ENV_API_URL,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
)

app = sub_app("Prices: import market data into a contract or a price series.")
import_app = sub_app(
    "Import a price file into a contract (--user, --contract) or a price series (--series) "
    "through the API of a running service: ENTSO-E day-ahead XML, aWATTar JSON or CSV. "
    "See docs/feeds.md."
)
app.add_typer(import_app, name="import")

SAMPLE_SIZE = 5
# How long `prices import` waits for any answer before it says that no service is there.
SERVICE_PROBE_TIMEOUT = httpx.Timeout(2.0, connect=1.0)


# --- the options every import shares ------------------------------------------------------


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise typer.BadParameter(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise typer.BadParameter(f"{text!r} is not a finite number")
    return value


def _tax_rate(text: str) -> Decimal:
    tax = _decimal(text)
    try:
        check_tax(tax)
    except FeedError as error:
        raise typer.BadParameter(error.problem) from None
    return tax


FileArgument = Annotated[
    Path,
    typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="FILE", help="The file to import."
    ),
]
UserOption = Annotated[
    uuid.UUID | None, typer.Option("--user", metavar="USER_ID", help="The contract's user.")
]
ContractOption = Annotated[
    uuid.UUID | None,
    typer.Option(
        "--contract", metavar="CONTRACT_ID", help="The contract to import into (with --user)."
    ),
]
SeriesOption = Annotated[
    uuid.UUID | None,
    typer.Option(
        "--series",
        metavar="SERIES_ID",
        help="The price series to import into, instead of a contract: one import updates "
        "every contract linked to it.",
    ),
]
ApiUrlOption = Annotated[
    str, typer.Option(envvar=ENV_API_URL, metavar="URL", help="The service's base URL.")
]
ClientIdOption = Annotated[
    str | None,
    typer.Option(envvar=ENV_CLIENT_ID, metavar="ID", help="OAuth client id."),
]
ClientSecretOption = Annotated[
    str | None,
    typer.Option(
        envvar=ENV_CLIENT_SECRET,
        metavar="SECRET",
        help="OAuth client secret (prefer the variable: options show in process lists).",
    ),
]
ChargesOption = Annotated[
    Decimal | None,
    typer.Option(
        parser=_decimal,
        metavar="DECIMAL",
        help="End-customer price (spot + charges) × (1 + tax): added per kWh before tax "
        "(grid fees, levies, margin), in the contract's currency.",
    ),
]
TaxOption = Annotated[
    Decimal | None,
    typer.Option(
        parser=_tax_rate,
        metavar="DECIMAL",
        help="End-customer price (spot + charges) × (1 + tax): the tax rate as a fraction "
        "(0.20 means 20%).",
    ),
]
BatchSizeOption = Annotated[
    int, typer.Option(min=1, max=MAX_BATCH_SIZE, metavar="N", help="Prices per request.")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Parse and show what would be sent; contact nothing.")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")
]


# --- one sub-command per format -----------------------------------------------------------


class ResolutionOption(StrEnum):
    PT15M = "PT15M"
    PT30M = "PT30M"
    PT60M = "PT60M"


class UnitOption(StrEnum):
    kwh = "kwh"
    mwh = "mwh"
    ct_kwh = "ct_kwh"


@import_app.command("entsoe")
def import_entsoe(
    command: typer.Context,
    file: FileArgument,
    user: UserOption = None,
    contract: ContractOption = None,
    series: SeriesOption = None,
    resolution: Annotated[
        ResolutionOption | None,
        typer.Option(help="Read only the periods of this resolution (for documents with more)."),
    ] = None,
    api_url: ApiUrlOption = DEFAULT_API_URL,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    charges: ChargesOption = None,
    tax: TaxOption = None,
    batch_size: BatchSizeOption = DEFAULT_BATCH_SIZE,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """ENTSO-E day-ahead prices (A44 XML).

    The Transparency Platform's Publication_MarketDocument, in the document's currency. Prices
    are stored per kWh, converted exactly: 95.50 EUR/MWh becomes 0.0955 EUR/kWh. Timestamps
    already stored get the new price; other stored prices stay.
    """

    def parse(source: FeedSource) -> ParsedPrices:
        return parse_entsoe(source, resolution=None if resolution is None else resolution.value)

    _import(
        command,
        file,
        parse,
        _Run(
            target=target_of(command, user=user, contract=contract, series=series),
            service=_Service(api_url, client_id, client_secret),
            construction=_Construction(charges, tax),
            batch_size=batch_size,
            dry_run=dry_run,
            as_json=as_json,
        ),
    )


@import_app.command("awattar")
def import_awattar(
    command: typer.Context,
    file: FileArgument,
    user: UserOption = None,
    contract: ContractOption = None,
    series: SeriesOption = None,
    api_url: ApiUrlOption = DEFAULT_API_URL,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    charges: ChargesOption = None,
    tax: TaxOption = None,
    batch_size: BatchSizeOption = DEFAULT_BATCH_SIZE,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """aWATTar market data (JSON).

    The answer of aWATTar's GET /v1/marketdata, in EUR. Prices are stored per kWh, converted
    exactly: 95.5 EUR/MWh becomes 0.0955 EUR/kWh. Timestamps already stored get the new price;
    other stored prices stay.
    """
    _import(
        command,
        file,
        parse_awattar,
        _Run(
            target=target_of(command, user=user, contract=contract, series=series),
            service=_Service(api_url, client_id, client_secret),
            construction=_Construction(charges, tax),
            batch_size=batch_size,
            dry_run=dry_run,
            as_json=as_json,
        ),
    )


@import_app.command("csv")
def import_csv(
    command: typer.Context,
    file: FileArgument,
    unit: Annotated[
        UnitOption,
        typer.Option(help="What the price column holds: per kWh, per MWh, cents per kWh."),
    ],
    timestamp_column: Annotated[
        str, typer.Option(metavar="NAME", help="Header of the timestamp column.")
    ] = "timestamp",
    price_column: Annotated[
        str, typer.Option(metavar="NAME", help="Header of the price column.")
    ] = "price",
    delimiter: Annotated[
        str, typer.Option(metavar="CHAR", help="Field separator: , ; | or \\t.")
    ] = ",",
    decimal_comma: Annotated[
        bool, typer.Option("--decimal-comma", help="Read 0,25 as 0.25.")
    ] = False,
    timezone: Annotated[
        str | None,
        typer.Option(
            metavar="ZONE", help="IANA zone of timestamps without an offset (e.g. Europe/Vienna)."
        ),
    ] = None,
    resolve_ambiguous_by_order: Annotated[
        bool,
        typer.Option(
            "--resolve-ambiguous-by-order",
            help="Local times in the repeated autumn hour: the first is the earlier instant.",
        ),
    ] = False,
    currency: Annotated[
        str | None,
        typer.Option(
            metavar="CODE",
            help="The file's currency (a CSV file does not say; default: the target's).",
        ),
    ] = None,
    user: UserOption = None,
    contract: ContractOption = None,
    series: SeriesOption = None,
    api_url: ApiUrlOption = DEFAULT_API_URL,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    charges: ChargesOption = None,
    tax: TaxOption = None,
    batch_size: BatchSizeOption = DEFAULT_BATCH_SIZE,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """A CSV file of timestamps and prices.

    A header row names the columns. Timestamps are ISO 8601; those without an offset are local
    times of --timezone. Prices are stored per kWh, converted exactly. Timestamps already stored
    get the new price; other stored prices stay.
    """

    def parse(source: FeedSource) -> ParsedPrices:
        return parse_csv(
            source,
            unit=unit.value,
            timestamp_column=timestamp_column,
            price_column=price_column,
            delimiter="\t" if delimiter == "\\t" else delimiter,
            decimal_comma=decimal_comma,
            timezone=timezone,
            resolve_ambiguous_by_order=resolve_ambiguous_by_order,
            currency=currency,
        )

    _import(
        command,
        file,
        parse,
        _Run(
            target=target_of(command, user=user, contract=contract, series=series),
            service=_Service(api_url, client_id, client_secret),
            construction=_Construction(charges, tax),
            batch_size=batch_size,
            dry_run=dry_run,
            as_json=as_json,
        ),
    )


# --- where the prices go --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetTerms:
    """What the prices must fit: the target's currency and, where it has a grid, its interval."""

    currency: str | None
    interval_minutes: int | None
    includes_external_components: bool | None


class ImportTarget(Protocol):
    """A place prices are imported into. Another kind of target is one more class and one
    more option of ``target_of``; the import itself stays as it is."""

    @property
    def label(self) -> str: ...  # "contract 7f7c…", as messages name it

    def result_fields(self) -> dict[str, str]: ...

    def terms(self, api: EnergyContractsClient) -> TargetTerms: ...

    def write(
        self,
        api: EnergyContractsClient,
        prices: Iterator[Price],
        *,
        batch_size: int,
        on_batch: Callable[[PriceWriteSummary], None],
    ) -> PriceWriteSummary: ...


@dataclass(frozen=True, slots=True)
class ContractTarget:
    user: uuid.UUID
    contract: uuid.UUID

    @property
    def label(self) -> str:
        return f"contract {self.contract}"

    def result_fields(self) -> dict[str, str]:
        return {"contract_id": str(self.contract)}

    def terms(self, api: EnergyContractsClient) -> TargetTerms:
        found = api.get_contract(self.user, self.contract, include_prices=False)
        return TargetTerms(
            currency=found.currency_energy_price,
            # Only spot prices lie on a grid; monthly and yearly prices may start at any instant.
            interval_minutes=(
                found.price_interval_minutes
                if found.energy_contract_type == "spot_hourly"
                else None
            ),
            includes_external_components=found.energy_price_includes_external_components,
        )

    def write(
        self,
        api: EnergyContractsClient,
        prices: Iterator[Price],
        *,
        batch_size: int,
        on_batch: Callable[[PriceWriteSummary], None],
    ) -> PriceWriteSummary:
        return api.put_prices(
            self.user, self.contract, prices, batch_size=batch_size, on_batch=on_batch
        )


@dataclass(frozen=True, slots=True)
class SeriesTarget:
    series: uuid.UUID

    @property
    def label(self) -> str:
        return f"price series {self.series}"

    def result_fields(self) -> dict[str, str]:
        return {"series_id": str(self.series)}

    def terms(self, api: EnergyContractsClient) -> TargetTerms:
        found = api.get_series(self.series)
        # A series holds market prices: what its linked contracts add is theirs to say.
        return TargetTerms(found.currency, found.interval_minutes, None)

    def write(
        self,
        api: EnergyContractsClient,
        prices: Iterator[Price],
        *,
        batch_size: int,
        on_batch: Callable[[PriceWriteSummary], None],
    ) -> PriceWriteSummary:
        return api.put_series_prices(self.series, prices, batch_size=batch_size, on_batch=on_batch)


def target_of(
    command: typer.Context,
    *,
    user: uuid.UUID | None,
    contract: uuid.UUID | None,
    series: uuid.UUID | None,
) -> ImportTarget:
    """The one target the options name: ``--series``, or ``--user`` with ``--contract``."""
    if series is not None:
        if user is not None or contract is not None:
            command.fail("--series imports into a series: leave out --user and --contract")
        return SeriesTarget(series)
    if user is None or contract is None:
        command.fail(
            "say where the prices go: --user USER_ID --contract CONTRACT_ID, or --series SERIES_ID"
        )
    return ContractTarget(user, contract)


# --- the import -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Service:
    url: str
    client_id: str | None
    client_secret: str | None


@dataclass(frozen=True, slots=True)
class _Construction:
    """``(spot + charges) × (1 + tax)`` when either is given; the prices as they are else."""

    charges: Decimal | None
    tax: Decimal | None

    @property
    def active(self) -> bool:
        return self.charges is not None or self.tax is not None

    def apply(self, points: Iterable[PricePoint]) -> Iterator[Price]:
        charges, tax = self.charges or Decimal(0), self.tax or Decimal(0)
        for point in points:
            price = point.price
            if self.active:
                price = end_customer_price(price, charges=charges, tax=tax)
            yield Price(price=price, timestamp=point.timestamp)


@dataclass(frozen=True, slots=True)
class _Run:
    target: ImportTarget
    service: _Service
    construction: _Construction
    batch_size: int
    dry_run: bool
    as_json: bool


def _import(
    command: typer.Context, file: Path, parse: Callable[[FeedSource], ParsedPrices], run: _Run
) -> None:
    parsed = _parse(command, file, parse)
    if not parsed.prices:
        fail(f"{file}: the file holds no prices; nothing to import")
    overview = _Overview.of(parsed, run.construction)

    if run.dry_run:
        _print_dry_run(overview, run.construction, run.batch_size, run.as_json)
        return

    service = run.service
    if not service.client_id or not service.client_secret:
        command.fail(
            f"client credentials are missing: pass --client-id and --client-secret, or set "
            f"{ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} (not needed with --dry-run)"
        )
    _require_a_service_at(service.url)
    with EnergyContractsClient(service.url, service.client_id, service.client_secret) as api:
        terms = _terms(api, run.target, service.url)
        _check_compatible(parsed, run.target.label, terms, run.construction)
        summary = _send(api, run, run.construction.apply(parsed.prices), overview)

    if run.as_json:
        print_json(
            {
                **run.target.result_fields(),
                "currency": terms.currency,
                "count": overview.count,
                "first_timestamp": overview.first,
                "last_timestamp": overview.last,
                "batches": math.ceil(overview.count / run.batch_size),
                "received": summary.received,
                "inserted": summary.inserted,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            }
        )
        return
    typer.echo(
        f"imported {summary.received} prices into {run.target.label}: "
        f"{summary.inserted} inserted, {summary.updated} updated, {summary.unchanged} unchanged"
    )


def _parse(
    command: typer.Context, file: Path, parse: Callable[[FeedSource], ParsedPrices]
) -> ParsedPrices:
    try:
        with file.open("rb") as handle:  # the parsers read it as a stream of lines or chunks
            return parse(handle)
    except FeedError as error:
        fail(f"{file}: {error.location}: {error.describe(_flags_of(command))}")
    except OSError as error:
        fail(f"{file}: {error.strerror or error}")


def _flags_of(command: typer.Context) -> Callable[[Remedy], str]:
    """Spells a parser option as the command's own flag (they share their names)."""
    flags = {parameter.name: parameter.opts[0] for parameter in command.command.params}

    def spell(remedy: Remedy) -> str:
        return flags.get(remedy.option) or keyword_argument(remedy)

    return spell


@dataclass(frozen=True, slots=True)
class _Overview:
    count: int
    currency: str | None
    interval_minutes: int | None
    first: datetime
    last: datetime
    minimum: Decimal
    maximum: Decimal
    sample: list[Price]

    @classmethod
    def of(cls, parsed: ParsedPrices, construction: _Construction) -> _Overview:
        sample: list[Price] = []
        prices = construction.apply(parsed.prices)  # one pass, no second list
        first = next(prices)
        minimum = maximum = first.price
        sample.append(first)
        for price in prices:
            if len(sample) < SAMPLE_SIZE:
                sample.append(price)
            minimum = min(minimum, price.price)
            maximum = max(maximum, price.price)
        return cls(
            count=len(parsed.prices),
            currency=parsed.currency,
            interval_minutes=parsed.interval_minutes,
            first=parsed.prices[0].timestamp,
            last=parsed.prices[-1].timestamp,
            minimum=minimum,
            maximum=maximum,
            sample=sample,
        )


# --- the service ----------------------------------------------------------------------------


def _require_a_service_at(url: str) -> None:
    """Say at once when nothing answers at ``url``: the client would retry a refused
    connection for several seconds, as it should for a service that is restarting."""
    try:
        httpx.get(f"{url.rstrip('/')}/healthz", timeout=SERVICE_PROBE_TIMEOUT)
    except httpx.TransportError as error:
        unset = url == DEFAULT_API_URL and not os.environ.get(ENV_API_URL)
        fail(
            f"no service answers at {url}"
            + (f", the default as {ENV_API_URL} is not set" if unset else "")
            + f" ({type(error).__name__}: {error})",
            f"Set {ENV_API_URL} (or --api-url) to its address, or start one with "
            "`energy-contracts serve`; its first start prints the export lines to use.",
        )
    except httpx.InvalidURL as error:
        fail(f"{ENV_API_URL} (or --api-url) {url!r} is not a URL: {error}", code=2)


def _terms(api: EnergyContractsClient, target: ImportTarget, url: str) -> TargetTerms:
    try:
        return target.terms(api)
    except ApiError as error:
        _fail_api(error, f"reading {target.label}")
    except ConnectionFailedError as error:
        fail(f"cannot reach {url}: {error}")
    except EnergyContractsError as error:
        fail(str(error))


def _check_compatible(
    parsed: ParsedPrices, label: str, terms: TargetTerms, construction: _Construction
) -> None:
    """Refuse, before anything is sent, a file whose prices cannot be the target's."""
    nothing_sent = "; nothing was sent"
    if terms.currency is None:
        fail(f"{label} has no currency yet (currency_energy_price); set it first{nothing_sent}")
    if parsed.currency is not None and parsed.currency != terms.currency.upper():
        fail(
            f"the file's prices are in {parsed.currency}, {label} is priced in "
            f"{terms.currency}{nothing_sent}"
        )
    if (
        terms.interval_minutes is not None
        and parsed.interval_minutes is not None
        and parsed.interval_minutes != terms.interval_minutes
    ):
        fail(
            f"the file has {parsed.interval_minutes}-minute prices, {label} "
            f"{terms.interval_minutes}-minute ones{nothing_sent}"
        )
    if terms.includes_external_components is True and not construction.active:
        note(
            f"the prices of {label} include external components, but no --charges or "
            "--tax was given: the market prices are stored as they are"
        )
    elif terms.includes_external_components is False and construction.active:
        note(
            f"the prices of {label} are wholesale spot prices, but --charges/--tax turn "
            "them into end-customer prices"
        )


def _send(
    api: EnergyContractsClient, run: _Run, prices: Iterator[Price], overview: _Overview
) -> PriceWriteSummary:
    stored = PriceWriteSummary.zero()
    progress = Progress(
        TextColumn("sending prices"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )

    def advance(summary: PriceWriteSummary) -> None:
        nonlocal stored
        stored += summary
        progress.advance(task, summary.received)

    with progress:
        task = progress.add_task("prices", total=overview.count)
        try:
            return run.target.write(api, prices, batch_size=run.batch_size, on_batch=advance)
        except EnergyContractsError as error:
            progress.stop()
            if stored.received:
                err.print(
                    f"{stored.received} of {overview.count} prices were stored before the "
                    "failure (the failed batch stored none); running the import again is safe"
                )
            if isinstance(error, ApiError):
                _fail_api(error, "sending prices")
            fail(str(error))


# --- output ---------------------------------------------------------------------------------


def _print_dry_run(
    overview: _Overview, construction: _Construction, batch_size: int, as_json: bool
) -> None:
    data = {
        "dry_run": True,
        "count": overview.count,
        "currency": overview.currency,
        "interval_minutes": overview.interval_minutes,
        "first_timestamp": overview.first,
        "last_timestamp": overview.last,
        "min_price": overview.minimum,
        "max_price": overview.maximum,
        "batches": math.ceil(overview.count / batch_size),
        "sample": [{"timestamp": p.timestamp, "price": p.price} for p in overview.sample],
    }
    if as_json:
        print_json(data)
        return
    currency = overview.currency or "not stated (the contract's is assumed)"
    interval = f"{overview.interval_minutes} min" if overview.interval_minutes else "irregular"
    typer.echo("dry run: nothing is sent")
    typer.echo(f"  prices     {overview.count} in {data['batches']} batch(es) of ≤{batch_size}")
    typer.echo(f"  currency   {currency}, per kWh")
    typer.echo(f"  interval   {interval}")
    typer.echo(f"  first      {_instant(overview.first)}")
    typer.echo(f"  last       {_instant(overview.last)}")
    typer.echo(f"  min / max  {overview.minimum} / {overview.maximum}")
    if construction.active:
        typer.echo(
            f"  computed   (spot + {construction.charges or 0}) × (1 + {construction.tax or 0})"
        )
    for price in overview.sample:
        typer.echo(f"    {_instant(price.timestamp)}  {price.price}")
    if overview.count > len(overview.sample):
        typer.echo(f"    … {overview.count - len(overview.sample)} more")


def _instant(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _fail_api(error: ApiError, doing: str) -> NoReturn:
    lines = [f"  {field_error.field}: {field_error.message}" for field_error in error.errors]
    if error.request_id:
        lines.append(f"  (request id {error.request_id})")
    fail(
        f"{doing}: {error.status} {error.title}" + (f": {error.detail}" if error.detail else ""),
        *lines,
    )
