"""One entry point for every feed format."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal

from energy_contracts.feeds.awattar import parse_awattar
from energy_contracts.feeds.csv_prices import parse_csv
from energy_contracts.feeds.entsoe import parse_entsoe
from energy_contracts.feeds.model import FeedError, FeedSource, ParsedPrices

FeedFormat = Literal["entsoe", "awattar", "csv"]

_PARSERS: dict[str, Callable[..., ParsedPrices]] = {
    "entsoe": parse_entsoe,
    "awattar": parse_awattar,
    "csv": parse_csv,
}


def parse_feed(format: FeedFormat, source: FeedSource, **options: Any) -> ParsedPrices:
    """Parse ``source`` with the parser for ``format``, passing ``options`` on.

    ``entsoe`` → :func:`parse_entsoe`, ``awattar`` → :func:`parse_awattar`, ``csv`` →
    :func:`parse_csv`. An unknown format or an option the parser does not take is a FeedError
    naming it, so that a configuration typo is never silently ignored.
    """
    parser = _PARSERS.get(format)
    if parser is None:
        raise FeedError(
            f"unknown feed format {format!r} (expected one of {', '.join(_PARSERS)})", "format"
        )
    parameters = inspect.signature(parser).parameters
    accepted = {
        name for name, parameter in parameters.items() if parameter.kind is parameter.KEYWORD_ONLY
    }
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise FeedError(
            f"the {format} parser takes no option {', '.join(map(repr, unknown))} "
            f"(it takes {', '.join(sorted(accepted)) or 'none'})",
            "options",
        )
    required = {
        name
        for name, parameter in parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty
    }
    missing = sorted(required - set(options))
    if missing:
        raise FeedError(
            f"the {format} parser needs option {', '.join(map(repr, missing))}", "options"
        )
    return parser(source, **options)
