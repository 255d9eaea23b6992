"""The one exception the pricing functions raise for bad arguments."""

from __future__ import annotations


class PricingInputError(Exception):
    """An argument to a pricing function is invalid.

    ``parameter`` names the argument (``"minutes"``, ``"consumption[2].end"``) so that the HTTP
    layer can answer 422 naming the field; ``message`` says what is wrong with it. Kept apart
    from ``ValueError`` on purpose: a bug inside the pricing code must stay a bug, not turn into
    a client error.
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message
