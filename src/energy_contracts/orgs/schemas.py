from __future__ import annotations

import uuid
from typing import Annotated

import msgspec


class OrganisationOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    billing_currency: Annotated[
        str, msgspec.Meta(description="ISO 4217 code; contract prices use it.")
    ]
    timezone: Annotated[str, msgspec.Meta(description="IANA time zone; the default for buildings.")]
