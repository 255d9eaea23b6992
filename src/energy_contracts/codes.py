"""ISO codes and IANA time zones, checked against maintained registries (pycountry, tzdata)."""

from __future__ import annotations

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


def country_code(value: str) -> str | None:
    """Upper-cased ISO 3166-1 alpha-2 code, else None."""
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha():
        return None
    return code if pycountry.countries.get(alpha_2=code) is not None else None


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_name(value: str) -> str | None:
    """The IANA name if ``value`` names a zone in tzdata, else None."""
    return value if value in _timezones() else None


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
