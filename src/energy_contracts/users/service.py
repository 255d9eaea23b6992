"""Users: the rules a type cannot express, uniqueness in the organisation, partial updates.

Every rule is checked before anything is written, so a rejected request writes nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.paging import decode_cursor, encode_cursor
from energy_contracts.codes import country_code
from energy_contracts.db.base import new_id, utcnow
from energy_contracts.errors import Conflict, FieldError, NotFound, Unprocessable
from energy_contracts.users import repository
from energy_contracts.users.models import User
from energy_contracts.users.repository import PageKey
from energy_contracts.users.schemas import UserCreate, UserUpdate

T = TypeVar("T")

MAX_PAGE_SIZE = 1000
MAX_EXTERNAL_USER_ID_LENGTH = 100

# A pragmatic shape, not RFC 5322: one '@', no whitespace, a dotted domain without empty labels.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def decode_page_key(cursor: str | None) -> PageKey | None:
    """The (created_at, id) a page starts after; a cursor we did not make is a 422."""
    if cursor is None:
        return None
    created_at, row_id = decode_cursor(cursor, (datetime, uuid.UUID))
    if created_at.tzinfo is None:  # never made by us, and naive instants cannot be compared
        raise Unprocessable.field("cursor", "is not a cursor this API returned")
    return created_at, row_id


def page_of(rows: Sequence[T], limit: int, key: Callable[[T], Sequence[Any]]) -> Page[T]:
    """``rows`` holds up to ``limit + 1`` rows: the extra one only says a next page exists."""
    if len(rows) <= limit:
        return Page(rows, None)
    shown = rows[:limit]
    return Page(shown, encode_cursor(key(shown[-1])))


def reject_nul_characters(fields: Mapping[str, Any]) -> None:
    """PostgreSQL cannot store U+0000 in text; refuse it as input rather than fail later."""
    for name, value in fields.items():
        if isinstance(value, str) and "\x00" in value:
            raise Unprocessable.field(name, "must not contain NUL characters")


def valid_country(value: str | None) -> str | None:
    if value is None:
        return None
    code = country_code(value)
    if code is None:
        raise Unprocessable.field("country", f"{value!r} is not an ISO 3166-1 alpha-2 code")
    return code


def valid_email(value: str) -> str:
    if not _EMAIL_SHAPE.fullmatch(value):
        raise Unprocessable.field("email", "is not an email address")
    return value


def email_key_of(email: str) -> str:
    return email.lower()


async def create_user(session: AsyncSession, org_id: uuid.UUID, body: UserCreate) -> User:
    fields = msgspec.structs.asdict(body)
    reject_nul_characters(fields)
    fields["email"] = valid_email(body.email)
    fields["country"] = valid_country(body.country)
    key = email_key_of(body.email)
    await _reject_duplicates(session, org_id, email_key=key, external_user_id=body.external_user_id)
    now = utcnow()
    user = User(org_id=org_id, id=new_id(), email_key=key, created_at=now, updated_at=now, **fields)
    try:
        await repository.insert(session, user)
    except IntegrityError:
        # A concurrent request took the email or external id after our check: name it.
        await _reject_duplicates(
            session, org_id, email_key=key, external_user_id=body.external_user_id
        )
        raise
    return user


async def update_user(session: AsyncSession, user: User, body: UserUpdate) -> User:
    org_id, user_id = user.org_id, user.id
    changes = {
        name: value
        for name, value in msgspec.structs.asdict(body).items()
        if value is not msgspec.UNSET
    }
    reject_nul_characters(changes)
    if "email" in changes:
        changes["email"] = valid_email(changes["email"])
        changes["email_key"] = email_key_of(changes["email"])
    if "country" in changes:
        changes["country"] = valid_country(changes["country"])
    unique = {
        "email_key": changes.get("email_key"),
        "external_user_id": changes.get("external_user_id"),
    }
    await _reject_duplicates(session, org_id, other_than=user_id, **unique)
    changes["updated_at"] = utcnow()
    try:
        updated = await repository.update(session, user, changes)
    except IntegrityError:
        await _reject_duplicates(session, org_id, other_than=user_id, **unique)
        raise
    if not updated:
        raise NotFound("No such user.")
    return user


async def delete_user(session: AsyncSession, user: User) -> None:
    if not await repository.delete(session, user.org_id, user.id):
        raise NotFound("No such user.")  # deleted by a concurrent request


async def list_users(
    session: AsyncSession, org_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[User]:
    after = decode_page_key(cursor)
    rows = await repository.page(session, org_id, after=after, limit=limit + 1)
    return page_of(rows, limit, lambda user: (user.created_at, user.id))


async def get_user_by_external_id(
    session: AsyncSession, org_id: uuid.UUID, external_user_id: str
) -> User:
    user = None
    # Ids no user can have are not looked up (PostgreSQL refuses NUL in a query parameter).
    if len(external_user_id) <= MAX_EXTERNAL_USER_ID_LENGTH and "\x00" not in external_user_id:
        user = await repository.find_by_external_id(session, org_id, external_user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


async def _reject_duplicates(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    email_key: str | None,
    external_user_id: str | None,
    other_than: uuid.UUID | None = None,
) -> None:
    if email_key is not None:
        holder = await repository.find_by_email_key(session, org_id, email_key)
        if holder is not None and holder.id != other_than:
            raise _duplicate("email", holder)
    if external_user_id is not None:
        holder = await repository.find_by_external_id(session, org_id, external_user_id)
        if holder is not None and holder.id != other_than:
            raise _duplicate("external_user_id", holder)


def _duplicate(field: str, holder: User) -> Conflict:
    return Conflict(
        f"Another user of this organisation already has this {field}.",
        errors=[FieldError(field, "is already used by another user of this organisation")],
        existing_user_id=holder.id,
    )


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "organization_id": user.org_id,
        "email": user.email,
        "role": user.role,
        "external_user_id": user.external_user_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "street_and_number": user.street_and_number,
        "street_add_info": user.street_add_info,
        "town": user.town,
        "zip_code": user.zip_code,
        "country": user.country,
        "latitude": user.latitude,
        "longitude": user.longitude,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }
