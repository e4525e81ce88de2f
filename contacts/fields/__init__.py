"""Typed custom fields: per-workspace definitions whose values live in a contact's `metadata`."""
