"""Campaigns and calls: members, queueing calls and logging their results."""
