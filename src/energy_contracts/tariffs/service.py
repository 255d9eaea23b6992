"""The rules of tariffs (SPEC §11): a body becomes a checked tariff or one 422 naming every
field that breaks a rule; names are unique per organisation (409); a tariff named by
contracts cannot be deleted (409 with ``contract_count``).

The rules themselves are the pricing core's (``pricing.tariff_problems``): the same checks
that guard the arithmetic decide what the API accepts. Decisions where the SPEC is silent:

- ``currency`` and ``timezone`` default to the organisation's; the currency must be the
  organisation's billing currency (422), as a contract's must.
- Validity dates lie in the years 1900 to 2199, like every instant the API takes.
- ``PUT`` replaces the tariff whole (omitted fields take their defaults) and looks the tariff
  up before judging the body, so an unknown id is a 404 whatever the body says. Writes lock
  the row and check ``If-Match`` against its version.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from msgspec import Raw, UnsetType
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts import pricing
from energy_contracts.api.explain import field_path
from energy_contracts.api.instants import EARLIEST, LATEST
from energy_contracts.api.paging import BY_ID, Page, page_of
from energy_contracts.api.preconditions import check_if_match
from energy_contracts.api.validation import valid_timezone
from energy_contracts.codes import currency_code
from energy_contracts.contracts import repository as contracts
from energy_contracts.contracts.price_rules import exact_price
from energy_contracts.db.base import new_id, utcnow
from energy_contracts.errors import Conflict, FieldError, NotFound, Unprocessable
from energy_contracts.orgs.models import Organisation
from energy_contracts.orgs.service import get_organisation
from energy_contracts.tariffs import repository
from energy_contracts.tariffs.models import Tariff
from energy_contracts.tariffs.schemas import (
    MAX_TARIFF_DECIMAL_PLACES,
    TariffComponentIn,
    TariffComponentOut,
    TariffIn,
    TariffOut,
    TariffWindowOut,
)
from energy_contracts.tariffs.terms import decode_components, encode_components, pricing_tariff


def tariff_out(tariff: Tariff) -> TariffOut:
    return TariffOut(
        id=tariff.id,
        name=tariff.name,
        currency=tariff.currency,
        timezone=tariff.timezone,
        vat_percent=tariff.vat_percent,
        vat_on_negative=tariff.vat_on_negative,
        standing_charge_per_day=tariff.standing_charge_per_day,
        components=decode_components(tariff.components),
        created_at=tariff.created_at,
        updated_at=tariff.updated_at,
    )


async def get_tariff(
    session: AsyncSession, org_id: uuid.UUID, tariff_id: uuid.UUID, *, for_update: bool = False
) -> Tariff:
    tariff = await repository.find(session, org_id, tariff_id, for_update=for_update)
    if tariff is None:
        raise NotFound("No such tariff.")
    return tariff


async def list_tariffs(
    session: AsyncSession, org_id: uuid.UUID, *, cursor: str | None, limit: int
) -> Page[Tariff]:
    found = await repository.page(session, org_id, after_id=BY_ID.after(cursor), limit=limit + 1)
    return page_of(found, limit, BY_ID, lambda tariff: tariff.id)


async def create_tariff(session: AsyncSession, org_id: uuid.UUID, body: TariffIn) -> Tariff:
    organisation = await get_organisation(session, org_id)
    fields = _checked(body, organisation)
    await _reject_taken_name(session, org_id, body.name, None)
    now = utcnow()
    tariff = Tariff(org_id=org_id, id=new_id(), version=1, created_at=now, updated_at=now, **fields)
    try:
        await repository.insert(session, tariff)
    except IntegrityError:
        await _reject_taken_name(session, org_id, body.name, None)
        raise
    return tariff


async def replace_tariff(
    session: AsyncSession,
    org_id: uuid.UUID,
    tariff_id: uuid.UUID,
    body: TariffIn,
    *,
    if_match: str | None,
) -> Tariff:
    tariff = await get_tariff(session, org_id, tariff_id, for_update=True)
    check_if_match(if_match, tariff.version)
    fields = _checked(body, await get_organisation(session, org_id))
    changes = {name: value for name, value in fields.items() if getattr(tariff, name) != value}
    if not changes:
        return tariff
    new_name = body.name if "name" in changes else None
    await _reject_taken_name(session, org_id, new_name, tariff.id)
    changes |= {"version": tariff.version + 1, "updated_at": utcnow()}
    try:
        updated = await repository.update(session, tariff, changes)
    except IntegrityError:
        await _reject_taken_name(session, org_id, new_name, tariff.id)
        raise
    if not updated:
        raise NotFound("No such tariff.")
    return tariff


async def delete_tariff(
    session: AsyncSession, org_id: uuid.UUID, tariff_id: uuid.UUID, *, if_match: str | None
) -> None:
    tariff = await get_tariff(session, org_id, tariff_id, for_update=True)
    check_if_match(if_match, tariff.version)
    named = await contracts.count_contracts(session, org_id, tariff_id=tariff.id)
    if named:
        raise Conflict(
            f"{named} contract(s) name this tariff; name another (or tariff_id: null) on "
            "them before deleting it.",
            contract_count=named,
        )
    if not await repository.delete(session, org_id, tariff.id):
        raise NotFound("No such tariff.")


# --- a body, checked -----------------------------------------------------------------------


def _checked(body: TariffIn, organisation: Organisation) -> dict[str, Any]:
    """The columns of the tariff ``body`` describes, or one 422 naming every broken rule."""
    # NUL characters never get this far: ``api.bodies`` refuses them in any body.
    errors: list[FieldError] = []
    currency = organisation.billing_currency
    if isinstance(body.currency, str):
        code = currency_code(body.currency)
        if code != organisation.billing_currency:
            errors.append(
                FieldError(
                    "currency",
                    f"must be the organisation's billing currency, {organisation.billing_currency}",
                )
            )
    timezone = organisation.timezone
    if isinstance(body.timezone, str):
        timezone = valid_timezone(body.timezone)
    vat = _number(body.vat_percent, "vat_percent", errors)
    standing = _number(body.standing_charge_per_day, "standing_charge_per_day", errors)
    components = [
        _component(component, f"components[{index}]", errors)
        for index, component in enumerate(body.components)
    ]
    if not errors:
        tariff = pricing_tariff(
            timezone=timezone,
            vat_percent=vat,
            vat_on_negative=body.vat_on_negative,
            standing_charge_per_day=standing,
            components=components,
        )
        errors += [
            FieldError(problem.parameter, problem.message)
            for problem in pricing.tariff_problems(tariff)
        ]
    if errors:
        raise Unprocessable(errors=errors)
    return {
        "name": body.name,
        "currency": currency,
        "timezone": timezone,
        "vat_percent": vat,
        "vat_on_negative": body.vat_on_negative,
        "standing_charge_per_day": standing,
        "components": encode_components(components),
    }


def _number(sent: Raw | UnsetType, field: str, errors: list[FieldError]) -> Decimal:
    """An exact number of the body; absent is 0 (the default of every optional number)."""
    if isinstance(sent, UnsetType):
        return Decimal(0)
    value = exact_price(sent, MAX_TARIFF_DECIMAL_PLACES)
    if isinstance(value, str):
        errors.append(FieldError(field, value))
        return Decimal(0)
    return value


def _optional_number(sent: Raw | UnsetType, field: str, errors: list[FieldError]) -> Decimal | None:
    return None if isinstance(sent, UnsetType) else _number(sent, field, errors)


def _component(
    component: TariffComponentIn, path: str, errors: list[FieldError]
) -> TariffComponentOut:
    windows = None
    if not isinstance(component.windows, UnsetType):
        windows = [
            TariffWindowOut(
                price=_number(window.price, field_path(path, "windows", index, "price"), errors),
                months=None if isinstance(window.months, UnsetType) else window.months,
                weekdays=None if isinstance(window.weekdays, UnsetType) else window.weekdays,
                from_=window.from_,
                to=window.to,
            )
            for index, window in enumerate(component.windows)
        ]
    return TariffComponentOut(
        name=component.name,
        kind=component.kind,
        valid_from=_validity(component.valid_from, f"{path}.valid_from", errors),
        valid_to=_validity(component.valid_to, f"{path}.valid_to", errors),
        price=_optional_number(component.price, f"{path}.price", errors),
        windows=windows,
        default_price=_optional_number(component.default_price, f"{path}.default_price", errors),
    )


def _validity(sent: date | UnsetType, field: str, errors: list[FieldError]) -> date | None:
    if isinstance(sent, UnsetType):
        return None
    if not EARLIEST.year <= sent.year < LATEST.year:
        errors.append(FieldError(field, "must lie in the years 1900 to 2199"))
    return sent


async def _reject_taken_name(
    session: AsyncSession, org_id: uuid.UUID, name: str | None, other_than: uuid.UUID | None
) -> None:
    if name is None:
        return
    holder = await repository.find_by_name(session, org_id, name)
    if holder is not None and holder.id != other_than:
        raise Conflict(
            "Another tariff of this organisation already has this name.",
            errors=[FieldError("name", "is already used by another tariff")],
            existing_tariff_id=holder.id,
        )
