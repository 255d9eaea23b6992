"""SPEC §12: a bulk line is the two ids and then exactly the members of the building's
``effective-prices?day=`` answer; the bytes are made from ``EffectivePrices`` and
``BuildingEffectivePrices`` only documents them, so the two must not drift apart."""

from __future__ import annotations

import typing

import msgspec

from energy_contracts.effective.schemas import BuildingEffectivePrices, EffectivePrices


def test_a_documented_line_is_the_ids_then_the_answers_members() -> None:
    line = msgspec.inspect.type_info(BuildingEffectivePrices)
    answer = msgspec.inspect.type_info(EffectivePrices)
    assert isinstance(line, msgspec.inspect.StructType)
    assert isinstance(answer, msgspec.inspect.StructType)
    assert [field.encode_name for field in line.fields] == [
        "user_id",
        "building_id",
        *(field.encode_name for field in answer.fields),
    ]
    line_types = typing.get_type_hints(BuildingEffectivePrices, include_extras=True)
    answer_types = typing.get_type_hints(EffectivePrices, include_extras=True)
    assert {name: line_types[name] for name in answer_types} == answer_types
