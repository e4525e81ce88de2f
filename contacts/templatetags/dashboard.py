"""Template helpers for the dashboard: phone display, words for codes, query-string edits, badges, durations."""
from __future__ import annotations

from django import template
from django.http import QueryDict
from django.utils.html import format_html

from contacts import labels
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


@register.simple_tag(takes_context=True)
def phone(context, e164: str, *classes: str) -> str:
    """A number as the page shows every number (national in the workspace's country, international otherwise),
    with its E.164 form on hover and when copied (static/js/dashboard.js)."""
    if not e164:
        return "—"
    workspace = context.get("workspace")
    country = getattr(workspace, "default_country", "") or "US"
    shown = phone_rules.display(e164, country)
    css = " ".join(("phone-number", *classes))
    return format_html('<span class="{}" title="{}" data-e164="{}">{}</span>', css, e164, e164, shown)


@register.filter
def label(code: str, kind: str = "") -> str:
    """Words for a code: {{ call.outcome|label:"outcome" }} (contacts.labels has the one map)."""
    return labels.label(code, kind)


@register.filter
def badge_class(value: str) -> str:
    return STATUS_BADGES.get(str(value), "bg-secondary-lt")


ROLE_BADGES = {"owner": "bg-purple-lt", "admin": "bg-blue-lt", "member": "bg-green-lt",
               "compliance": "bg-orange-lt", "viewer": "bg-secondary-lt"}


@register.filter
def role_badge(role: str) -> str:
    return ROLE_BADGES.get(str(role), "bg-secondary-lt")


@register.filter
def page_window(page, around: int = 1) -> list[int | None]:
    """Page numbers to link: the first, the last and `around` either side of the current one; None for a gap."""
    last = page.paginator.num_pages
    wanted = {1, last, *range(max(1, page.number - around), min(last, page.number + around) + 1)}
    numbers: list[int | None] = []
    for number in sorted(wanted):
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


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
