"""Organisations: the tenants."""
