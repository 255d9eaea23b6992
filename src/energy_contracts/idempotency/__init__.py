"""Idempotency keys: safe retries of writes (SPEC §7)."""
