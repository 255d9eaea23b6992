"""``contracts.prices.instants_literal``: the instants PostgreSQL parses, exactly as held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from energy_contracts.contracts.prices import instants_literal


def test_instants_are_written_as_rfc_3339_texts_in_one_array_literal() -> None:
    instants = [
        datetime(2024, 3, 31, 1, 45, tzinfo=timezone(timedelta(hours=1))),
        datetime(2024, 3, 31, 3, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(2024, 3, 31, 1, 15, 0, 5, tzinfo=UTC),
    ]
    assert instants_literal(instants) == (
        '{"2024-03-31T01:45:00+01:00","2024-03-31T03:00:00+02:00","2024-03-31T01:15:00.000005Z"}'
    )


def test_an_offset_with_seconds_is_kept_to_the_second() -> None:
    # msgspec would write +01:05; the instant would move by 21 seconds.
    instants = [
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 1, 1, 5, 21, tzinfo=timezone(timedelta(hours=1, minutes=5, seconds=21))),
    ]
    assert instants_literal(instants) == (
        '{"2024-01-01T00:00:00+00:00","2024-01-01T01:05:21+01:05:21"}'
    )
