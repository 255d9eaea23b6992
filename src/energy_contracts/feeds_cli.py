"""``energy-contracts prices import``: market data files into a contract, through the API.

The file is parsed once into a list of per-kWh prices (the parsers in ``feeds`` read it as a
stream), optionally turned into end-customer prices, checked against the contract (currency,
interval) and then sent in batches — one batch body at a time — with ``put_prices``.
"""

from __future__ import annotations

import math
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import msgspec
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from energy_contracts.client import (
    ApiError,
    ConnectionFailedError,
    EnergyContract,
    EnergyContractsClient,
    EnergyContractsError,
    Price,
    PriceWriteSummary,
)
from energy_contracts.client._api import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE
from energy_contracts.client._core import (
    DEFAULT_API_URL,
    ENV_API_URL,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
)
from energy_contracts.feeds import (
    FeedError,
    ParsedPrices,
    PricePoint,
    Remedy,
    end_customer_price,
    keyword_argument,
    parse_feed,
)

prices_app = typer.Typer(help="Prices: import market data into a contract.", no_args_is_help=True)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_json = msgspec.json.Encoder(decimal_format="number")

SAMPLE_SIZE = 5


class FeedFormatOption(StrEnum):
    entsoe = "entsoe"
    awattar = "awattar"
    csv = "csv"


class UnitOption(StrEnum):
    kwh = "kwh"
    mwh = "mwh"
    ct_kwh = "ct_kwh"


class ResolutionOption(StrEnum):
    PT15M = "PT15M"
    PT30M = "PT30M"
    PT60M = "PT60M"


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise typer.BadParameter(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise typer.BadParameter(f"{text!r} is not a finite number")
    return value


CSV = "CSV options (--format csv)"
PRICE = "End-customer price: (spot + charges) × (1 + tax)"
CONNECTION = "Service"


@prices_app.command("import")
def import_prices(
    command: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="The file to import."),
    ],
    feed_format: Annotated[
        FeedFormatOption,
        typer.Option("--format", help="entsoe (A44 XML), awattar (JSON) or csv."),
    ],
    user: Annotated[uuid.UUID, typer.Option("--user", help="The contract's user id.")],
    contract: Annotated[uuid.UUID, typer.Option("--contract", help="The contract id.")],
    api_url: Annotated[
        str,
        typer.Option(
            envvar=ENV_API_URL, help="The service's base URL.", rich_help_panel=CONNECTION
        ),
    ] = DEFAULT_API_URL,
    client_id: Annotated[
        str | None,
        typer.Option(envvar=ENV_CLIENT_ID, help="OAuth client id.", rich_help_panel=CONNECTION),
    ] = None,
    client_secret: Annotated[
        str | None,
        typer.Option(
            envvar=ENV_CLIENT_SECRET,
            help="OAuth client secret (prefer the variable: options show in process lists).",
            rich_help_panel=CONNECTION,
        ),
    ] = None,
    resolution: Annotated[
        ResolutionOption | None,
        typer.Option(help="entsoe: read only the periods of this resolution."),
    ] = None,
    timestamp_column: Annotated[
        str | None,
        typer.Option(
            help="Header of the timestamp column (default: timestamp).", rich_help_panel=CSV
        ),
    ] = None,
    price_column: Annotated[
        str | None,
        typer.Option(help="Header of the price column (default: price).", rich_help_panel=CSV),
    ] = None,
    unit: Annotated[
        UnitOption | None,
        typer.Option(
            help="What the price column holds: per kWh, per MWh, cents per kWh.",
            rich_help_panel=CSV,
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(help="Field separator: , ; | or \\t (default: ,).", rich_help_panel=CSV),
    ] = None,
    decimal_comma: Annotated[
        bool, typer.Option("--decimal-comma", help="Read 0,25 as 0.25.", rich_help_panel=CSV)
    ] = False,
    timezone: Annotated[
        str | None,
        typer.Option(
            help="IANA zone of timestamps without an offset (e.g. Europe/Vienna).",
            rich_help_panel=CSV,
        ),
    ] = None,
    resolve_ambiguous_by_order: Annotated[
        bool,
        typer.Option(
            "--resolve-ambiguous-by-order",
            help="Naive times in the repeated autumn hour: the first is the earlier instant.",
            rich_help_panel=CSV,
        ),
    ] = False,
    currency: Annotated[
        str | None,
        typer.Option(
            help="The file's currency (a CSV file does not say; default: the contract's).",
            rich_help_panel=CSV,
        ),
    ] = None,
    charges: Annotated[
        Decimal | None,
        typer.Option(
            parser=_decimal,
            metavar="DECIMAL",
            help="Added per kWh before tax (grid fees, levies, margin), contract currency.",
            rich_help_panel=PRICE,
        ),
    ] = None,
    tax: Annotated[
        Decimal | None,
        typer.Option(
            parser=_decimal,
            metavar="DECIMAL",
            help="Tax rate as a fraction: 0.20 for 20 %.",
            rich_help_panel=PRICE,
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=MAX_BATCH_SIZE, help="Prices per request.")
    ] = DEFAULT_BATCH_SIZE,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Parse and show what would be sent; contact nothing."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object, nothing else.")
    ] = False,
) -> None:
    """Import a price file into a contract: ENTSO-E day-ahead XML, aWATTar JSON or CSV.

    Prices are stored per kWh, converted exactly: 95.50 EUR/MWh becomes 0.0955 EUR/kWh.

    Timestamps already stored get the new price; other stored prices stay. See docs/feeds.md.
    """
    options = _parser_options(
        feed_format,
        resolution=resolution,
        timestamp_column=timestamp_column,
        price_column=price_column,
        unit=unit,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        timezone=timezone,
        resolve_ambiguous_by_order=resolve_ambiguous_by_order,
        currency=currency,
    )
    parsed = _parse(command, file, feed_format, options)
    construction = _Construction(charges, tax)
    if not parsed.prices:
        _fail(f"{file}: the file holds no prices; nothing to import")
    overview = _Overview.of(parsed, construction)

    if dry_run:
        _print_dry_run(overview, construction, batch_size, as_json)
        return

    if not client_id or not client_secret:
        _fail(
            f"client credentials are missing: pass --client-id and --client-secret, or set "
            f"{ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}",
            code=2,
        )
    with EnergyContractsClient(api_url, client_id, client_secret) as api:
        target = _fetch_contract(api, user, contract, api_url)
        _check_compatible(parsed, target, construction)
        summary = _send(
            api, user, contract, construction.apply(parsed.prices), overview, batch_size
        )

    result = {
        "contract_id": str(contract),
        "currency": target.currency_energy_price,
        "count": overview.count,
        "first_timestamp": overview.first,
        "last_timestamp": overview.last,
        "batches": math.ceil(overview.count / batch_size),
        "received": summary.received,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
    }
    if as_json:
        _print_json(result)
        return
    out.print(
        f"imported {summary.received} prices into contract {contract}: "
        f"{summary.inserted} inserted, {summary.updated} updated, {summary.unchanged} unchanged"
    )


# --- parsing --------------------------------------------------------------------------------


def _parser_options(feed_format: FeedFormatOption, **given: Any) -> dict[str, Any]:
    """The options for the format's parser; an option of another format is an error, so that
    a flag that would be ignored never is silently."""
    flags = {
        "resolution": ("--resolution", {"entsoe"}),
        "timestamp_column": ("--timestamp-column", {"csv"}),
        "price_column": ("--price-column", {"csv"}),
        "unit": ("--unit", {"csv"}),
        "delimiter": ("--delimiter", {"csv"}),
        "decimal_comma": ("--decimal-comma", {"csv"}),
        "timezone": ("--timezone", {"csv"}),
        "resolve_ambiguous_by_order": ("--resolve-ambiguous-by-order", {"csv"}),
        "currency": ("--currency", {"csv"}),
    }
    options: dict[str, Any] = {}
    for name, value in given.items():
        if value is None or value is False:
            continue
        flag, formats = flags[name]
        if feed_format.value not in formats:
            _fail(f"{flag} applies to --format {' or '.join(sorted(formats))} only", code=2)
        options[name] = value.value if isinstance(value, Enum) else value
    if feed_format is FeedFormatOption.csv and "unit" not in options:
        _fail("--format csv needs --unit kwh, mwh or ct_kwh", code=2)
    if "delimiter" in options and options["delimiter"] == "\\t":
        options["delimiter"] = "\t"
    return options


def _parse(
    command: typer.Context, file: Path, feed_format: FeedFormatOption, options: dict[str, Any]
) -> ParsedPrices:
    try:
        with file.open("rb") as handle:  # the parsers read it as a stream of lines or chunks
            return parse_feed(feed_format.value, handle, **options)
    except FeedError as error:
        _fail(f"{file}: {error.location}: {error.describe(_flags_of(command))}")
    except OSError as error:
        _fail(f"{file}: {error.strerror or error}")


def _flags_of(command: typer.Context) -> Callable[[Remedy], str]:
    """Spells a parser option as the command's own flag (they share their names)."""
    flags = {parameter.name: parameter.opts[0] for parameter in command.command.params}

    def spell(remedy: Remedy) -> str:
        return flags.get(remedy.option) or keyword_argument(remedy)

    return spell


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
        minimum = maximum = None
        try:
            for price in construction.apply(parsed.prices):  # one pass, no second list
                if len(sample) < SAMPLE_SIZE:
                    sample.append(price)
                minimum = price.price if minimum is None else min(minimum, price.price)
                maximum = price.price if maximum is None else max(maximum, price.price)
        except FeedError as error:  # e.g. a negative --tax
            _fail(f"--{error.location}: {error.message}", code=2)
        assert minimum is not None, "only called with prices"
        assert maximum is not None
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


# --- checks against the contract ------------------------------------------------------------


def _fetch_contract(
    api: EnergyContractsClient, user: uuid.UUID, contract: uuid.UUID, api_url: str
) -> EnergyContract:
    try:
        return api.get_contract(user, contract, include_prices=False)
    except ApiError as error:
        _fail_api(error, "reading the contract")
    except ConnectionFailedError as error:
        _fail(f"cannot reach {api_url}: {error}")
    except EnergyContractsError as error:
        _fail(str(error))


def _check_compatible(
    parsed: ParsedPrices, contract: EnergyContract, construction: _Construction
) -> None:
    """Refuse, before anything is sent, a file whose prices cannot be the contract's."""
    nothing_sent = "; nothing was sent"
    expected = contract.currency_energy_price
    if expected is None:
        _fail(f"contract {contract.id} has no currency_energy_price; set it first{nothing_sent}")
    if parsed.currency is not None and parsed.currency != expected.upper():
        _fail(
            f"the file's prices are in {parsed.currency}, contract {contract.id} is priced in "
            f"{expected}{nothing_sent}"
        )
    interval = contract.price_interval_minutes
    if (
        contract.energy_contract_type == "spot_hourly"
        and interval is not None
        and parsed.interval_minutes is not None
        and parsed.interval_minutes != interval
    ):
        _fail(
            f"the file has {parsed.interval_minutes}-minute prices, contract {contract.id} "
            f"{interval}-minute ones (price_interval_minutes){nothing_sent}"
        )
    includes = contract.energy_price_includes_external_components
    if includes is True and not construction.active:
        err.print(
            "[yellow]note:[/yellow] the contract's prices include external components, but "
            "no --charges or --tax was given: the market prices are stored as they are"
        )
    elif includes is False and construction.active:
        err.print(
            "[yellow]note:[/yellow] the contract's prices are wholesale spot prices, but "
            "--charges/--tax turn them into end-customer prices"
        )


# --- sending --------------------------------------------------------------------------------


def _send(
    api: EnergyContractsClient,
    user: uuid.UUID,
    contract: uuid.UUID,
    prices: Iterator[Price],
    overview: _Overview,
    batch_size: int,
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
            return api.put_prices(user, contract, prices, batch_size=batch_size, on_batch=advance)
        except EnergyContractsError as error:
            progress.stop()
            if stored.received:
                err.print(
                    f"{stored.received} of {overview.count} prices were stored before the "
                    "failure (the failed batch stored none); running the import again is safe"
                )
            if isinstance(error, ApiError):
                _fail_api(error, "sending prices")
            _fail(str(error))


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
        _print_json(data)
        return
    currency = overview.currency or "not stated (the contract's is assumed)"
    interval = f"{overview.interval_minutes} min" if overview.interval_minutes else "irregular"
    out.print("dry run: nothing is sent")
    out.print(f"  prices     {overview.count} in {data['batches']} batch(es) of ≤{batch_size}")
    out.print(f"  currency   {currency}, per kWh")
    out.print(f"  interval   {interval}")
    out.print(f"  first      {_instant(overview.first)}")
    out.print(f"  last       {_instant(overview.last)}")
    out.print(f"  min / max  {overview.minimum} / {overview.maximum}")
    if construction.active:
        out.print(
            f"  computed   (spot + {construction.charges or 0}) × (1 + {construction.tax or 0})"
        )
    for price in overview.sample:
        out.print(f"    {_instant(price.timestamp)}  {price.price}")
    if overview.count > len(overview.sample):
        out.print(f"    … {overview.count - len(overview.sample)} more")


def _instant(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _print_json(value: Any) -> None:
    sys.stdout.write(_json.encode(value).decode() + "\n")


def _fail_api(error: ApiError, doing: str) -> NoReturn:
    lines = [
        f"{doing}: {error.status} {error.title}" + (f": {error.detail}" if error.detail else "")
    ]
    lines += [f"  {field_error.field}: {field_error.message}" for field_error in error.errors]
    if error.request_id:
        lines.append(f"  (request id {error.request_id})")
    _fail("\n".join(lines))


def _fail(message: str, *, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)
