"""``energy-contracts prices import`` and the sync client against a running service.

The service is started as an operator starts it (``energy-contracts serve`` in a subprocess on
a free port), once on SQLite and once on PostgreSQL; the organisation and OAuth client are made
with the CLI, the user, building and contract with the client; the import runs as a subprocess.
Stored prices are read back through the API and compared exactly.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from energy_contracts.auth.keys import new_private_key_pem
from energy_contracts_client import (
    ConflictError,
    ContractChanges,
    EnergyContract,
    EnergyContractsClient,
    NewBuilding,
    NewContract,
    NewPriceSeries,
    NewUser,
    PreconditionFailedError,
    Price,
    PriceIndex,
    PriceWriteSummary,
    ValidationError,
)
from tests.client.running import Service, checked
from tests.support.databases import sqlite_url
from tests.support.server import ServerProcess

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.slow


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass
class Target:
    user_id: uuid.UUID
    contract: EnergyContract


def make_contract(service: Service, **fields: Any) -> Target:
    """A user with a building whose spot contract is ``fields``."""
    with service.client() as api:
        user = api.create_user(NewUser(email=f"feeds-{uuid.uuid4().hex[:10]}@example.com"))
        building = api.create_building(user.id, NewBuilding(name="Home"))
        contract = api.create_contract(
            user.id,
            NewContract(
                energy_contract_type="spot_hourly",
                building_id=building.id,
                currency_energy_price="EUR",
                **fields,
            ),
        )
    return Target(user.id, contract)


def stored_prices(service: Service, target: Target) -> list[Price]:
    with service.client() as api:
        return list(api.iter_prices(target.user_id, target.contract.id, page_size=7))


def target_args(target: Target) -> list[str]:
    return ["--user", str(target.user_id), "--contract", str(target.contract.id)]


def summary(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    checked(result)
    parsed: dict[str, Any] = json.loads(result.stdout, parse_float=Decimal)
    return parsed


# --- the import, per format -----------------------------------------------------------------

ENTSOE_PT15M_A03 = [
    # 95.50 EUR/MWh → 0.0955 EUR/kWh; positions 3-4 and 6-7 are omitted by A03 and repeat
    # the point before them.
    Price(Decimal("0.0955"), utc("2025-09-30T22:00:00Z")),
    Price(Decimal("0.0971"), utc("2025-09-30T22:15:00Z")),
    Price(Decimal("0.0971"), utc("2025-09-30T22:30:00Z")),
    Price(Decimal("0.0971"), utc("2025-09-30T22:45:00Z")),
    Price(Decimal("-0.00049"), utc("2025-09-30T23:00:00Z")),
    Price(Decimal("-0.00049"), utc("2025-09-30T23:15:00Z")),
    Price(Decimal("-0.00049"), utc("2025-09-30T23:30:00Z")),
    Price(Decimal("0.10237"), utc("2025-09-30T23:45:00Z")),
]


def test_entsoe_day_ahead_quarter_hours(service: Service) -> None:
    target = make_contract(service, price_interval_minutes=15)
    file = FIXTURES / "entsoe_a44_pt15m_a03.xml"

    result = summary(
        service.import_prices("entsoe", file, *target_args(target), "--batch-size", "3", "--json")
    )

    assert stored_prices(service, target) == ENTSOE_PT15M_A03
    assert result == {
        "contract_id": str(target.contract.id),
        "currency": "EUR",
        "count": 8,
        "first_timestamp": "2025-09-30T22:00:00Z",
        "last_timestamp": "2025-09-30T23:45:00Z",
        "batches": 3,
        "received": 8,
        "inserted": 8,
        "updated": 0,
        "unchanged": 0,
    }

    again = summary(service.import_prices("entsoe", file, *target_args(target), "--json"))
    assert (again["received"], again["inserted"], again["updated"], again["unchanged"]) == (
        8, 0, 0, 8,
    )  # fmt: skip


def test_entsoe_into_a_series_reaches_its_linked_contract(service: Service) -> None:
    with service.client() as api:
        series = api.create_series(NewPriceSeries(name="EPEX AT", interval_minutes=15))
    linked = make_contract(
        service,
        price_interval_minutes=15,
        energy_price_index=PriceIndex(series.id, factor=Decimal(2)),
    )
    file = FIXTURES / "entsoe_a44_pt15m_a03.xml"

    result = summary(service.import_prices("entsoe", file, "--series", str(series.id), "--json"))

    with service.client() as api:
        stored = list(api.iter_series_prices(series.id))
        contract = api.get_contract(linked.user_id, linked.contract.id)
    assert stored == ENTSOE_PT15M_A03
    assert result == {
        "series_id": str(series.id),
        "currency": "EUR",
        "count": 8,
        "first_timestamp": "2025-09-30T22:00:00Z",
        "last_timestamp": "2025-09-30T23:45:00Z",
        "batches": 1,
        "received": 8,
        "inserted": 8,
        "updated": 0,
        "unchanged": 0,
    }
    # The linked contract's prices: the series' × 2, nothing stored for it.
    assert contract.energy_prices == [
        Price(price.price * 2, price.timestamp) for price in ENTSOE_PT15M_A03
    ]
    hourly = service.import_prices(
        "csv", FIXTURES / "vienna_2024-10-27_25h_mwh.csv", "--series", str(series.id),
        "--timestamp-column", "Zeit", "--price-column", "Preis (EUR/MWh)", "--unit", "mwh",
        "--delimiter", ";", "--decimal-comma", "--timezone", "Europe/Vienna",
        "--resolve-ambiguous-by-order",
    )  # fmt: skip
    assert hourly.returncode == 1
    assert f"price series {series.id} 15-minute ones; nothing was sent" in hourly.stderr


def test_awattar_as_end_customer_prices(service: Service) -> None:
    target = make_contract(service, energy_price_includes_external_components=True)

    result = service.import_prices(
        "awattar", FIXTURES / "awattar_marketdata.json", *target_args(target),
        "--charges", "0.12", "--tax", "0.20",
    )  # fmt: skip

    checked(result)
    assert result.stdout.strip() == (
        f"imported 4 prices into contract {target.contract.id}: 4 inserted, 0 updated, 0 unchanged"
    )
    # (spot + 0.12) × 1.20, spot = EUR/MWh ÷ 1000
    assert stored_prices(service, target) == [
        Price(Decimal("0.2586"), utc("2024-01-15T00:00:00Z")),  # (0.0955 + 0.12) × 1.2
        Price(Decimal("0.14016"), utc("2024-01-15T01:00:00Z")),  # (-0.0032 + 0.12) × 1.2
        Price(Decimal("0.144"), utc("2024-01-15T02:00:00Z")),  # (0 + 0.12) × 1.2
        Price(Decimal("0.288096"), utc("2024-01-15T03:00:00Z")),  # (0.12008 + 0.12) × 1.2
    ]


def test_csv_local_times_over_a_25_hour_day(service: Service) -> None:
    target = make_contract(service)

    result = summary(
        service.import_prices(
            "csv", FIXTURES / "vienna_2024-10-27_25h_mwh.csv", *target_args(target),
            "--timestamp-column", "Zeit", "--price-column", "Preis (EUR/MWh)", "--unit", "mwh",
            "--delimiter", ";", "--decimal-comma", "--timezone", "Europe/Vienna",
            "--resolve-ambiguous-by-order", "--json",
        )
    )  # fmt: skip

    assert result["inserted"] == 25
    expected = [
        ("2024-10-26T22:00:00Z", "0.0851"),  # 00:00 CEST
        ("2024-10-26T23:00:00Z", "0.08055"),
        ("2024-10-27T00:00:00Z", "0.07802"),  # 02:00 CEST, the first 02:00
        ("2024-10-27T01:00:00Z", "0.0764"),  # 02:00 CET, the repeated hour
        ("2024-10-27T02:00:00Z", "0.075"),  # 03:00 CET
        ("2024-10-27T03:00:00Z", "0.07499"),
        ("2024-10-27T04:00:00Z", "0.07931"),
        ("2024-10-27T05:00:00Z", "0.09247"),
        ("2024-10-27T06:00:00Z", "0.11005"),
        ("2024-10-27T07:00:00Z", "0.1218"),
        ("2024-10-27T08:00:00Z", "0.10433"),
        ("2024-10-27T09:00:00Z", "0.08812"),
        ("2024-10-27T10:00:00Z", "0.064"),
        ("2024-10-27T11:00:00Z", "-0.00125"),
        ("2024-10-27T12:00:00Z", "-0.00501"),
        ("2024-10-27T13:00:00Z", "0.01277"),
        ("2024-10-27T14:00:00Z", "0.0689"),
        ("2024-10-27T15:00:00Z", "0.09999"),
        ("2024-10-27T16:00:00Z", "0.13142"),
        ("2024-10-27T17:00:00Z", "0.14206"),
        ("2024-10-27T18:00:00Z", "0.12575"),
        ("2024-10-27T19:00:00Z", "0.10418"),
        ("2024-10-27T20:00:00Z", "0.0955"),
        ("2024-10-27T21:00:00Z", "0.09003"),
        ("2024-10-27T22:00:00Z", "0.0846"),  # 23:00 CET
    ]
    assert stored_prices(service, target) == [
        Price(Decimal(price), utc(instant)) for instant, price in expected
    ]


# --- what is refused, and what a dry run does -----------------------------------------------


def test_a_dry_run_sends_nothing(service: Service) -> None:
    target = make_contract(service, price_interval_minutes=15)

    # No credentials and a URL where nothing listens: a dry run must not need either.
    result = summary(
        service.import_prices(
            "entsoe", FIXTURES / "entsoe_a44_pt15m_a03.xml", *target_args(target),
            "--dry-run", "--json", "--api-url", "http://127.0.0.1:9", credentials=False,
        )
    )  # fmt: skip

    assert result == {
        "dry_run": True,
        "count": 8,
        "currency": "EUR",
        "interval_minutes": 15,
        "first_timestamp": "2025-09-30T22:00:00Z",
        "last_timestamp": "2025-09-30T23:45:00Z",
        "min_price": Decimal("-0.00049"),
        "max_price": Decimal("0.10237"),
        "batches": 1,
        "sample": [
            {"timestamp": price.timestamp.isoformat().replace("+00:00", "Z"), "price": price.price}
            for price in ENTSOE_PT15M_A03[:5]
        ],
    }
    assert stored_prices(service, target) == []


def test_a_currency_other_than_the_contracts_stops_before_sending(
    service: Service, tmp_path: Path
) -> None:
    target = make_contract(service, price_interval_minutes=15)
    in_gbp = tmp_path / "gbp.xml"
    in_gbp.write_text(
        (FIXTURES / "entsoe_a44_pt15m_a03.xml")
        .read_text()
        .replace("<currency_Unit.name>EUR<", "<currency_Unit.name>GBP<")
    )

    result = service.import_prices("entsoe", in_gbp, *target_args(target))

    assert result.returncode == 1
    assert "the file's prices are in GBP" in result.stderr
    assert "priced in EUR; nothing was sent" in result.stderr
    assert result.stdout == ""
    assert stored_prices(service, target) == []
    with service.client() as api:
        after = api.get_contract(target.user_id, target.contract.id)
    assert after.etag == target.contract.etag  # not even an empty write happened


def test_quarter_hours_into_an_hourly_contract_are_refused(service: Service) -> None:
    target = make_contract(service)  # price_interval_minutes defaults to 60

    result = service.import_prices(
        "entsoe", FIXTURES / "entsoe_a44_pt15m_a03.xml", *target_args(target)
    )

    assert result.returncode == 1
    assert "15-minute prices" in result.stderr
    assert "60-minute" in result.stderr
    assert stored_prices(service, target) == []


def test_a_refused_batch_names_the_field_and_what_was_stored(
    service: Service, tmp_path: Path
) -> None:
    target = make_contract(service)
    file = tmp_path / "prices.csv"
    file.write_text(
        "timestamp,price\n"
        "2024-01-15T00:00:00Z,0.10\n"
        "2024-01-15T01:00:00Z,0.11\n"
        "2024-01-15T02:00:00Z,0.12\n"
        "2024-01-15T02:30:00Z,0.13\n"  # off the contract's hourly grid
    )

    result = service.import_prices(
        "csv", file, "--unit", "kwh", *target_args(target), "--batch-size", "2"
    )

    assert result.returncode == 1
    assert "422" in result.stderr
    assert "energy_prices[1].timestamp" in result.stderr
    assert "2 of 4 prices were stored before the failure" in result.stderr
    assert stored_prices(service, target) == [
        Price(Decimal("0.10"), utc("2024-01-15T00:00:00Z")),
        Price(Decimal("0.11"), utc("2024-01-15T01:00:00Z")),
    ]


def test_missing_credentials_are_a_usage_error(service: Service) -> None:
    target = make_contract(service)

    result = service.import_prices(
        "awattar", FIXTURES / "awattar_marketdata.json", *target_args(target), credentials=False
    )

    assert result.returncode == 2
    assert "ENERGY_CONTRACTS_CLIENT_ID" in result.stderr


# --- the first start's banner ---------------------------------------------------------------

EXPORT_LINE = re.compile(r"^  export (ENERGY_CONTRACTS_[A-Z_]+)=(\S+)$", re.MULTILINE)


def test_the_first_start_prints_what_the_import_needs_and_a_restart_says_where_it_was(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "signing-key.pem"
    key_file.write_bytes(new_private_key_pem())
    database_url = sqlite_url(tmp_path)

    first = ServerProcess(database_url=database_url, key_file=key_file, log_file=tmp_path / "1.log")
    try:
        asyncio.run(first.wait_until_ready())
        exports = EXPORT_LINE.findall(first.output())
        values = dict(exports)
        with EnergyContractsClient(
            values["ENERGY_CONTRACTS_API_URL"],
            values["ENERGY_CONTRACTS_CLIENT_ID"],
            values["ENERGY_CONTRACTS_CLIENT_SECRET"],
        ) as api:
            org_id = api.get_organisation().id
            user = api.create_user(NewUser(email="first-hour@example.com"))
            contract = api.create_contract(
                user.id,
                NewContract(energy_contract_type="spot_hourly", currency_energy_price="EUR"),
            )
        # The lines as they were printed, in a shell that has nothing else set.
        shell = "\n".join(f"export {name}={value}" for name, value in exports)
        command = [sys.executable, "-m", "energy_contracts", "prices", "import", "awattar"]
        command += [str(FIXTURES / "awattar_marketdata.json"), "--user", str(user.id)]
        command += ["--contract", str(contract.id), "--json"]
        imported = subprocess.run(
            ["bash", "-c", f'{shell}\nexec "$@"', "bash", *command],
            capture_output=True,
            text=True,
            env={
                name: value for name, value in first.env.items() if "ENERGY_CONTRACTS" not in name
            },
            timeout=120,
        )
    finally:
        first.stop()

    assert [name for name, _ in exports] == [
        "ENERGY_CONTRACTS_API_URL",
        "ENERGY_CONTRACTS_CLIENT_ID",
        "ENERGY_CONTRACTS_CLIENT_SECRET",
    ]
    assert values["ENERGY_CONTRACTS_API_URL"] == first.base_url
    assert f"curl -s -u {values['ENERGY_CONTRACTS_CLIENT_ID']}:" in first.output()
    assert summary(imported)["inserted"] == 4

    second = ServerProcess(
        database_url=database_url, key_file=key_file, log_file=tmp_path / "2.log"
    )
    try:
        asyncio.run(second.wait_until_ready())
    finally:
        second.stop()
    output = second.output()
    events = [json.loads(line)["event"] for line in output.splitlines()]  # all JSON log lines

    assert [event for event in events if "client create" in event] == [
        "Client secrets are shown once, when the client is made (the demo client's on the first "
        f"start). New credentials: energy-contracts client create --org {org_id}"
    ]
    assert values["ENERGY_CONTRACTS_CLIENT_SECRET"] not in output
    assert "export " not in output


# --- the sync client against the running service --------------------------------------------


def test_sync_client_prices_paging_and_typed_errors(service: Service) -> None:
    target = make_contract(service)
    prices = [
        Price(Decimal(f"0.{index:02d}5"), utc(f"2024-03-01T{index:02d}:00:00+00:00"))
        for index in range(10)
    ]
    batches: list[PriceWriteSummary] = []

    with service.client() as api:
        written = api.put_prices(
            target.user_id, target.contract.id, prices, batch_size=4, on_batch=batches.append
        )
        window = list(
            api.iter_prices(target.user_id, target.contract.id,
                            from_=utc("2024-03-01T02:00:00Z"), to=utc("2024-03-01T07:00:00Z"),
                            page_size=2)
        )  # fmt: skip
        deleted = api.delete_prices(
            target.user_id, target.contract.id, from_=utc("2024-03-01T08:00:00Z")
        )
        with pytest.raises(ConflictError) as second:
            api.create_contract(
                target.user_id,
                NewContract(energy_contract_type="monthly", building_id=target.contract.building),
            )
        with pytest.raises(PreconditionFailedError):
            api.update_contract(
                target.user_id, target.contract.id, ContractChanges(supplier="Stale"),
                if_match=target.contract.etag,  # the prices written since made it stale
            )  # fmt: skip
        with pytest.raises(ValidationError) as invalid:
            api.put_prices(
                target.user_id,
                target.contract.id,
                [Price(Decimal("0.1"), utc("2024-03-01T00:30:00Z"))],
            )
        remaining = api.get_contract(target.user_id, target.contract.id)

    assert written == PriceWriteSummary(received=10, inserted=10, updated=0, unchanged=0)
    assert [batch.received for batch in batches] == [4, 4, 2]
    assert window == prices[2:7]
    assert deleted == 2
    assert second.value.existing_contract_id == target.contract.id
    assert [error.field for error in invalid.value.errors] == ["energy_prices[0].timestamp"]
    assert remaining.energy_prices == prices[:8]
