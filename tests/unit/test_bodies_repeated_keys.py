"""SPEC §1 on large bodies: a key twice in one object is a 422 naming it, however the body is
checked (bodies above ``_PARSED_CHECK_BYTES`` have their keys counted instead of parsed)."""

from __future__ import annotations

import pytest

from energy_contracts.api import bodies
from energy_contracts.api.bodies import decode_body
from energy_contracts.contracts.schemas import PricesIn
from energy_contracts.effective.schemas import CostRequest
from energy_contracts.errors import FieldError, Unprocessable

ITEMS = 6000


def large_body(name: str = "energy_prices", *, first: str | None = None) -> bytes:
    items = [
        f'{{"price":0.{1000 + i},"timestamp":"2024-01-01T{i // 4 % 24:02d}:{i % 4 * 15:02d}:00Z"}}'
        for i in range(ITEMS)
    ]
    if first is not None:
        items[0] = first
    body = (f'{{"{name}":[' + ",".join(items) + "]}").encode()
    assert len(body) > bodies._PARSED_CHECK_BYTES
    return body


def refusal(body: bytes) -> list[FieldError]:
    with pytest.raises(Unprocessable) as refused:
        decode_body(body, PricesIn)
    return list(refused.value.errors)


@pytest.mark.parametrize("name", ["energy_prices", "energy_price"])
def test_a_large_body_under_either_name_is_decoded_by_counting_its_keys(name: str) -> None:
    body = large_body(name)
    decoded = decode_body(body, PricesIn)
    assert len(getattr(decoded, name)) == ITEMS
    assert bodies._counted_keys_match(body, PricesIn, decoded) is True


def test_a_key_twice_in_an_item_of_a_large_body_is_named() -> None:
    first = '{"price":1,"price":2,"timestamp":"2024-01-01T00:00:00Z"}'
    assert refusal(large_body(first=first)) == [
        FieldError("energy_prices[0].price", bodies.REPEATED)
    ]


def test_a_key_twice_in_an_object_where_a_price_should_be_is_named() -> None:
    # The object inside the raw price value holds strings: more quotes than expected.
    first = '{"price":{"a":1,"a":2},"timestamp":"2024-01-01T00:00:00Z"}'
    assert refusal(large_body(first=first)) == [
        FieldError("energy_prices[0].price.a", bodies.REPEATED)
    ]


def test_the_list_twice_in_a_large_body_is_named() -> None:
    body = large_body()[:-1] + b',"energy_prices":[]}'
    assert refusal(body) == [FieldError("energy_prices", bodies.REPEATED)]


def test_an_escape_sends_the_body_to_the_parse_which_finds_no_repeat() -> None:
    first = '{"price":0.5,"timestamp":"2024-01-01T00:00:00Z\\""}'
    body = large_body(first=first)
    decoded = decode_body(body, PricesIn)
    assert bodies._counted_keys_match(body, PricesIn, decoded) is False
    assert decoded.energy_prices[0].timestamp == '2024-01-01T00:00:00Z"'


def test_an_escaped_key_that_repeats_another_is_named() -> None:
    # "pr\u0069ce" is "price": no quote count can see that, the parse does.
    first = '{"price":1,"pr\\u0069ce":2,"timestamp":"2024-01-01T00:00:00Z"}'
    assert refusal(large_body(first=first)) == [
        FieldError("energy_prices[0].price", bodies.REPEATED)
    ]


def test_an_empty_object_as_a_price_holds_no_key_and_keeps_the_count() -> None:
    # No key can repeat in {}: the count matches, and the price rules refuse the value later.
    body = large_body(first='{"price":{},"timestamp":"2024-01-01T00:00:00Z"}')
    decoded = decode_body(body, PricesIn)
    assert bodies._counted_keys_match(body, PricesIn, decoded) is True


def test_a_large_cost_body_is_decoded_by_counting_too() -> None:
    items = ",".join(
        f'{{"start":"2024-01-01T{i // 60 % 24:02d}:{i % 60:02d}:00Z",'
        f'"end":"2024-01-01T{i // 60 % 24:02d}:{i % 60:02d}:30Z","kwh":0.5}}'
        for i in range(5000)
    )
    body = ('{"consumption":[' + items + "]}").encode()
    assert len(body) > bodies._PARSED_CHECK_BYTES
    decoded = decode_body(body, CostRequest)
    assert bodies._counted_keys_match(body, CostRequest, decoded) is True
    repeated = body.replace(b'"kwh":0.5}', b'"kwh":0.5,"kwh":1}', 1)
    with pytest.raises(Unprocessable) as refused:
        decode_body(repeated, CostRequest)
    assert list(refused.value.errors) == [FieldError("consumption[0].kwh", bodies.REPEATED)]
