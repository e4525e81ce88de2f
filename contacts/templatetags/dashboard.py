"""Template helpers for the dashboard: phone display, query-string edits, status and role badges, durations."""
from __future__ import annotations

from django import template
from django.http import QueryDict

from contacts import phone as phone_rules

register = template.Library()

STATUS_BADGES = {
    "active": "bg-green-lt", "dnc": "bg-red-lt", "draft": "bg-secondary-lt", "paused": "bg-yellow-lt",
    "completed": "bg-blue-lt", "queued": "bg-secondary-lt", "dialing": "bg-azure-lt", "in_progress": "bg-azure-lt",
    "canceled": "bg-secondary-lt",
    "no_answer": "bg-orange-lt", "busy": "bg-orange-lt", "failed": "bg-red-lt", "voicemail": "bg-purple-lt",
    "positive": "bg-green-lt", "neutral": "bg-secondary-lt", "negative": "bg-red-lt", "pending": "bg-secondary-lt",
    "processing": "bg-azure-lt", "reverted": "bg-orange-lt",
}


@register.filter
def phone_display(e164: str, country: str = "US") -> str:
    return phone_rules.display(e164, country or "US")


@register.filter
def badge_class(value: str) -> str:
    return STATUS_BADGES.get(str(value), "bg-secondary-lt")


ROLE_BADGES = {"owner": "bg-purple-lt", "admin": "bg-blue-lt", "member": "bg-green-lt",
               "compliance": "bg-orange-lt", "viewer": "bg-secondary-lt"}


@register.filter
def role_badge(role: str) -> str:
    return ROLE_BADGES.get(str(role), "bg-secondary-lt")


@register.filter
def duration(seconds: int | None) -> str:
    seconds = int(seconds or 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context, field: str) -> str:
    """Link that sorts by `field`, flipping the direction when it is already the sort."""
    current = context["request"].GET.get("sort", "")
    new = f"-{field}" if current == field else field
    return query_with(context, sort=new, page=None)


@register.simple_tag(takes_context=True)
def sort_icon(context, field: str) -> str:
    current = context["request"].GET.get("sort", "")
    if current == field:
        return "ti-chevron-up"
    if current == f"-{field}":
        return "ti-chevron-down"
    return "ti-selector"
