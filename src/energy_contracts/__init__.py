"""energy-contracts: electricity contracts and prices for a flexibility platform's partners."""

__version__ = "0.1.0"
