"""Persistence: engine, one session (one transaction) per request, schema and migrations."""

from energy_contracts.db.base import Base, metadata
from energy_contracts.db.engine import Database
from energy_contracts.db.session import SessionDep

__all__ = ["Base", "Database", "SessionDep", "metadata"]
