"""Workspaces and members: plans, roles, permissions and API keys."""
