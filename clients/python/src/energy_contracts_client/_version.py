"""The client distribution's version: one place, read by its packaging and its User-Agent."""

__version__ = "0.1.0"
