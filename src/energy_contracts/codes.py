"""ISO codes and IANA time zones, checked against maintained registries (pycountry, tzdata)."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pycountry

# ISO 4217 list one also holds funds, precious metals and codes for testing; none of them
# is money a contract is billed in. The X-codes that are circulating currencies stay.
_NOT_IN_CIRCULATION = frozenset(
    {
        "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",
        "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT",
        "XSU", "XTS", "XUA", "XXX",
    }
)  # fmt: skip


@cache
def circulating_currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies) - _NOT_IN_CIRCULATION


def currency_code(value: str) -> str | None:
    """Upper-cased ISO 4217 code if ``value`` is a currency in circulation, else None."""
    code = value.strip().upper()
    return code if len(code) == 3 and code in circulating_currencies() else None


@cache
def country_pattern() -> str:
    """The ISO 3166-1 alpha-2 codes in either case, as a regex that needs no flags (JSON
    Schema has none): ``^(?:[Aa][DEFGILMOQRSTUWXZdefgilmoqrstuwxz]|[Bb][...]|...)$``."""
    seconds: dict[str, set[str]] = {}
    for country in pycountry.countries:
        first, second = country.alpha_2[0], country.alpha_2[1]
        seconds.setdefault(first, set()).add(second)
    alternatives = (
        f"[{first}{first.lower()}][{_either_case(letters)}]"
        for first, letters in sorted(seconds.items())
    )
    return f"^(?:{'|'.join(alternatives)})$"


@cache
def currency_pattern() -> str:
    """The circulating ISO 4217 codes in any mix of case, as a regex that needs no flags:
    exactly the strings ``currency_code`` accepts, less surrounding whitespace."""
    by_first: dict[str, list[str]] = {}
    for code in sorted(circulating_currencies()):
        by_first.setdefault(code[0], []).append(code[1:])
    alternatives = (
        f"[{first}{first.lower()}](?:{'|'.join(_either_case_letters(rest) for rest in rests)})"
        for first, rests in by_first.items()
    )
    return f"^(?:{'|'.join(alternatives)})$"


def _either_case_letters(text: str) -> str:
    return "".join(f"[{letter}{letter.lower()}]" for letter in text)


def _either_case(letters: set[str]) -> str:
    ordered = "".join(sorted(letters))
    return ordered + ordered.lower()


@cache
def _country_code() -> re.Pattern[str]:
    return re.compile(country_pattern())


def country_code(value: str) -> str | None:
    """Upper-cased ISO 3166-1 alpha-2 code (any case in), else None: exactly the strings
    ``country_pattern`` matches."""
    return value.upper() if _country_code().fullmatch(value) else None


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_name(value: str) -> str | None:
    """The IANA name if ``value`` names a zone in tzdata, else None."""
    return value if value in _timezones() else None


@cache
def timezone_names() -> list[str]:
    """Every name ``timezone_name`` accepts, sorted: what the OpenAPI document lists."""
    return sorted(_timezones())


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
