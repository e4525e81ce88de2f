"""Template helpers for the Do-Not-Call pages: badges for sources and audit actions."""
from __future__ import annotations

from django import template

register = template.Library()

SOURCE_BADGES = {"manual": "bg-blue-lt", "call": "bg-purple-lt", "api": "bg-azure-lt", "import": "bg-teal-lt",
                 "admin": "bg-dark-lt"}
SOURCE_ICONS = {"manual": "ti-hand-finger", "call": "ti-phone-call", "api": "ti-api", "import": "ti-file-upload",
                "admin": "ti-shield-lock"}
ACTION_BADGES = {"added": "bg-red-lt", "removed": "bg-green-lt"}
ACTION_ICONS = {"added": "ti-phone-off", "removed": "ti-phone-check"}


@register.filter
def source_badge(source: str) -> str:
    return SOURCE_BADGES.get(str(source), "bg-secondary-lt")


@register.filter
def source_icon(source: str) -> str:
    return SOURCE_ICONS.get(str(source), "ti-point")


@register.filter
def action_badge(action: str) -> str:
    return ACTION_BADGES.get(str(action), "bg-secondary-lt")


@register.filter
def action_icon(action: str) -> str:
    return ACTION_ICONS.get(str(action), "ti-point")
