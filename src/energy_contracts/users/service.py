"""Users: the rules a type cannot express, uniqueness in the organisation, partial updates.

Every rule is checked before anything is written, so a rejected request writes nothing.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.paging import BY_CREATED, Page, page_of
from energy_contracts.api.responses import from_row
from energy_contracts.api.validation import sent_fields, valid_country
from energy_contracts.db.base import new_id, utcnow
from energy_contracts.errors import Conflict, FieldError, NotFound, Unprocessable
from energy_contracts.users import repository
from energy_contracts.users.models import User
from energy_contracts.users.schemas import EMAIL_PATTERN, UserCreate, UserOut, UserUpdate

MAX_EXTERNAL_USER_ID_LENGTH = 100

_EMAIL_SHAPE = re.compile(EMAIL_PATTERN)  # what the OpenAPI document says, to the letter


def valid_email(value: str) -> str:
    if not _EMAIL_SHAPE.fullmatch(value):
        raise Unprocessable.field("email", "is not an email address")
    return value


def email_key_of(email: str) -> str:
    return email.lower()


async def create_user(session: AsyncSession, org_id: uuid.UUID, body: UserCreate) -> User:
    fields = sent_fields(body)
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
    changes = sent_fields(body)
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
    after = BY_CREATED.after(cursor)
    rows = await repository.page(session, org_id, after=after, limit=limit + 1)
    return page_of(rows, limit, BY_CREATED, lambda user: (user.created_at, user.id))


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


async def search_users(session: AsyncSession, org_id: uuid.UUID, text: str) -> list[User]:
    """The users whose email (case-insensitive) or external id is exactly ``text``."""
    if "\x00" in text:
        return []
    found: list[User] = []
    by_email = await repository.find_by_email_key(session, org_id, email_key_of(text))
    if by_email is not None:
        found.append(by_email)
    if len(text) <= MAX_EXTERNAL_USER_ID_LENGTH:
        by_external_id = await repository.find_by_external_id(session, org_id, text)
        if by_external_id is not None and by_external_id not in found:
            found.append(by_external_id)
    return found


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


async def get_user(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = await repository.find(session, org_id, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def user_out(user: User) -> UserOut:
    return from_row(UserOut, user, organization_id="org_id")
