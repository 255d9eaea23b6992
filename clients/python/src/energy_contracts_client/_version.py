"""The client distribution's version, read by its packaging, and the User-Agent it sends."""

__version__ = "0.1.0"
USER_AGENT = f"energy-contracts-client/{__version__}"
