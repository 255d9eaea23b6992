"""Tenant scoping in one place (STYLE §5, as Polar lints for it): every query on tenant data
goes through ``tenancy.scoped`` / ``tenancy.scoped_delete`` (or, for price rows,
``contracts.prices.price_scope``), which put the organisation into the same WHERE clause.

A table is tenant data when it has an ``org_id`` column. This test reads the source of every
module and fails on a ``select``/``update``/``delete``/``insert`` or a ``session.get`` that
names a tenant model outside those helpers — unless the function is one of the few listed
below, each with the reason it may. SQL written out as text must name ``org_id``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import energy_contracts
from energy_contracts.db.base import Base
from energy_contracts.models import metadata

PACKAGE = Path(energy_contracts.__file__).parent
HELPERS = {"scoped", "scoped_update", "scoped_delete", "price_scope", "scope"}
STATEMENTS = {"select", "update", "delete", "insert"}

# (module, function): why it may query tenant data without the helpers.
ALLOWED = {
    ("auth/clients.py", "find_client"): "the token endpoint finds a client by its unique "
    "random id before any organisation is known",
    ("orgs/clients.py", "revoke_client"): "operators revoke a client by its unique id",
    ("idempotency/store.py", "begin"): "by primary key, which holds the organisation",
    ("idempotency/store.py", "_claim"): "by primary key, which holds the organisation",
    ("idempotency/store.py", "complete"): "where _leased(claim), which names the organisation",
    ("idempotency/store.py", "release"): "where _leased(claim), which names the organisation",
    ("idempotency/store.py", "purge_expired"): "housekeeping: expired answers of everyone",
    ("contracts/repository.py", "delete_contract"): "deletes the ORM object it was given",
    ("console/repository.py", "find_session"): "a console session is found by the hash of "
    "its cookie, which is what tells the organisation",
    ("console/repository.py", "delete_session"): "sign-out, by the hash of the cookie",
    ("console/repository.py", "delete_expired_sessions"): "housekeeping: expired sessions",
}


def tenant_names() -> set[str]:
    tables = {table.name for table in metadata.tables.values() if "org_id" in table.c}
    classes = {
        mapper.class_.__name__
        for mapper in Base.registry.mappers
        if mapper.local_table.name in tables  # type: ignore[union-attr]
    }
    return classes | tables


def unscoped_queries(source: str, tenants: set[str]) -> list[tuple[str, int]]:
    """(function, line) of each query on tenant data that bypasses the helpers."""
    found: list[tuple[str, int]] = []
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        scoped_here = any(
            isinstance(node, ast.Call) and _name(node.func) in HELPERS
            for node in ast.walk(function)
        )
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            is_query = name in STATEMENTS or (
                name == "get" and isinstance(node.func, ast.Attribute)
            )
            named = {n.id for arg in node.args for n in ast.walk(arg) if isinstance(n, ast.Name)}
            if is_query and named & tenants and not scoped_here:
                found.append((function.name, node.lineno))
    return found


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def modules() -> list[Path]:
    skipped = {"tenancy.py", "models.py"}
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name not in skipped and "migrations" not in path.parts
    ]


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_every_query_on_tenant_data_names_the_organisation(path: Path) -> None:
    module = str(path.relative_to(PACKAGE))
    offending = [
        (function, line)
        for function, line in unscoped_queries(path.read_text(), tenant_names())
        if (module, function) not in ALLOWED
    ]
    assert offending == [], f"{module}: query tenant data through tenancy.scoped: {offending}"


SQL = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+(\w+)", re.IGNORECASE)


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_sql_written_out_names_the_organisation(path: Path) -> None:
    tables = {table.name for table in metadata.tables.values() if "org_id" in table.c}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            touched = {match[1] for match in SQL.findall(node.value)} & tables
            if touched and "SELECT" in node.value.upper():
                assert "org_id" in node.value, (path.name, node.lineno, touched)


def test_the_check_finds_a_query_without_the_organisation() -> None:
    """The check itself: a repository that forgets the organisation is caught."""
    forgetful = (
        "async def find(session, user_id):\n"
        "    return await session.scalar(select(User).where(User.id == user_id))\n"
        "async def remove(session, contract_id):\n"
        "    await session.execute(delete(energy_prices).where(energy_prices.c.x == 1))\n"
        "async def fine(session, org_id, user_id):\n"
        "    return await session.scalar(scoped(User, org_id, id=user_id))\n"
    )
    assert unscoped_queries(forgetful, tenant_names()) == [("find", 2), ("remove", 4)]
