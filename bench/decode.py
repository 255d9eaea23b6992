"""Target 3: decode and validate a contract-year request body, in process.

Timed: from the request body's bytes to the validated prices the service goes on to store,
with the product's own code path. For context, the same body through per-item pydantic models
(what the issue's ~65 ms refers to) and through a plain typed ``msgspec.json.decode`` (~6 ms).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from pydantic import AwareDatetime, BaseModel, ConfigDict

import workload
from report import Goal, Outcome, pending

WARMUP = 3


class PydanticPrice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price: Decimal
    timestamp: AwareDatetime


class PydanticPricesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    energy_prices: list[PydanticPrice]


class MsgspecPrice(msgspec.Struct, forbid_unknown_fields=True):
    price: Decimal
    timestamp: datetime


class MsgspecPricesBody(msgspec.Struct, forbid_unknown_fields=True):
    energy_prices: list[MsgspecPrice]


def pydantic_per_item(body: bytes) -> Any:
    return PydanticPricesBody.model_validate_json(body)


_msgspec_decoder = msgspec.json.Decoder(MsgspecPricesBody)


def msgspec_typed(body: bytes) -> Any:
    return _msgspec_decoder.decode(body)


PRODUCT_PATH = (
    "api.bodies.decode_body(body, contracts.schemas.PricesIn) (what the StrictBody plugin runs "
    "for the handler's typed body, the repeated-key check included), then "
    "contracts.price_rules.parse_prices(items, 'energy_prices', Grid(15, Europe/Vienna))"
)


def product_decoder() -> tuple[str, Callable[[bytes], Any]] | str:
    """What ``PUT …/prices`` does with a good body before it touches the database: the
    ``StrictBody`` plugin's ``decode_body`` (its fallbacks run only on refused bodies) and
    the service's ``parse_prices`` for the contract's grid; or why it cannot be imported."""
    try:
        from energy_contracts.api.bodies import decode_body
        from energy_contracts.contracts.price_rules import Grid, parse_prices
        from energy_contracts.contracts.schemas import PricesIn
    except ImportError as exc:
        return f"the contracts decode path cannot be imported: {exc}"
    grid = Grid(workload.INTERVAL_MINUTES, ZoneInfo(workload.TIMEZONE))

    def decode_and_validate(body: bytes) -> Any:
        items = decode_body(body, PricesIn).energy_prices
        assert isinstance(items, list)  # the benchmark body uses this name
        return parse_prices(items, "energy_prices", grid)

    return PRODUCT_PATH, decode_and_validate


def time_calls(function: Callable[[bytes], Any], body: bytes, repeat: int) -> list[float]:
    """Milliseconds per call; a collection before each call so garbage of one is not billed
    to the next (the collector still runs inside a call, as it would in the server)."""
    for _ in range(WARMUP):
        function(body)
    samples = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter_ns()
        function(body)
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return samples


def run(repeat: int, log: Callable[[str], None]) -> list[Outcome]:
    year = workload.price_year()
    body = year.json_body()
    decoded = msgspec_typed(body)
    if len(decoded.energy_prices) != len(year):
        raise RuntimeError("the benchmark body does not decode to a year of prices")
    pydantic_ms = time_calls(pydantic_per_item, body, repeat)
    msgspec_ms = time_calls(msgspec_typed, body, repeat)
    log(
        f"decode: {len(body):,} bytes, {len(year):,} prices; "
        f"pydantic per item {statistics.median(pydantic_ms):.1f} ms, "
        f"msgspec typed {statistics.median(msgspec_ms):.1f} ms"
    )
    context = {
        "body_bytes": len(body),
        "prices": len(year),
        "msgspec_typed_ms": msgspec_ms,
        "msgspec_typed_median_ms": statistics.median(msgspec_ms),
    }
    found = product_decoder()
    if isinstance(found, str):
        outcome = pending("decode", "decode+validate a year", found)
        outcome.context = context
        outcome.baseline_label, outcome.baseline = "pydantic per item", pydantic_ms
        return [outcome]
    name, function = found
    # Read back as the rows it stores: (UTC instant, exact Decimal), the year's, in order.
    if list(function(body)) != list(zip(year.instants, year.prices(), strict=True)):
        raise RuntimeError(f"{name} did not return the year's rows")
    product_ms = time_calls(function, body, repeat)
    log(f"decode: {name} {statistics.median(product_ms):.1f} ms")
    return [
        Outcome(
            "decode",
            "decode+validate a year",
            "ms",
            Goal.VALUE_AT_MOST,
            15,
            samples=product_ms,
            baseline_label="pydantic per item",
            baseline=pydantic_ms,
            context={**context, "product_function": name},
        )
    ]
