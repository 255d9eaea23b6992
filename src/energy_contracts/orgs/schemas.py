from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class OrganisationOut(BaseModel):
    id: uuid.UUID
    name: str
    billing_currency: str = Field(description="ISO 4217 code; contract prices use it.")
    timezone: str = Field(description="IANA time zone; the default for buildings.")
