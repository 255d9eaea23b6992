"""Pure parsers for market price feeds: ENTSO-E XML, aWATTar JSON and CSV.

Every parser reads a given text, bytes or iterable of lines (no network, no files of its own) and
returns :class:`ParsedPrices` — prices per kWh as exact Decimals, at aware UTC timestamps, sorted —
or raises :class:`FeedError` naming the place in the source that is wrong.
"""

from energy_contracts.feeds.awattar import parse_awattar
from energy_contracts.feeds.csv_prices import CsvUnit, parse_csv
from energy_contracts.feeds.dispatch import FeedFormat, parse_feed
from energy_contracts.feeds.end_customer import check_tax, end_customer_price, end_customer_prices
from energy_contracts.feeds.entsoe import parse_entsoe
from energy_contracts.feeds.model import (
    FeedError,
    FeedSource,
    ParsedPrices,
    PricePoint,
    Remedy,
    keyword_argument,
)

__all__ = [
    "CsvUnit",
    "FeedError",
    "FeedFormat",
    "FeedSource",
    "ParsedPrices",
    "PricePoint",
    "Remedy",
    "check_tax",
    "end_customer_price",
    "end_customer_prices",
    "keyword_argument",
    "parse_awattar",
    "parse_csv",
    "parse_entsoe",
    "parse_feed",
]
