"""Persistence: engine, one session (one transaction) per request, schema and migrations."""
