"""Compliance: the Do-Not-Call list, calling hours and the audit trails."""
