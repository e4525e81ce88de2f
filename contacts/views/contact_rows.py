"""The contacts table's rows built in Python: one format_html per row instead of a template loop.

At 20-100 rows a page, Django's template engine spends more time resolving variables, filters and tags per
cell than the whole SQL of the page (bench/bench_pages.py --profile); the markup is the same as the template
loop it replaced.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from contacts import phone as phone_rules
from contacts.models import Contact
from contacts.templatetags.dashboard import STATUS_BADGES


def phone_cell(e164: str, country: str) -> str:
    """The `{% phone %}` tag's markup (national at home, international abroad; E.164 on hover)."""
    if not e164:
        return "—"
    return format_html('<span class="phone-number" title="{}" data-e164="{}">{}</span>', e164, e164,
                       phone_rules.display(e164, country))


def contact_rows(contacts: Iterable[Contact], *, country: str, selectable: bool) -> SafeString:
    """The `<tr>`s of the contacts table; `selectable` adds the bulk-action checkbox."""
    detail = reverse("contact_detail", args=["__id__"])  # one reverse per page, not per row
    country = country or "US"
    rows = []
    for c in contacts:
        name = c.full_name
        check = format_html(
            '<td class="stack-check"><input class="form-check-input m-0 align-middle row-check" type="checkbox" '
            'name="ids" value="{}" aria-label="Select {}"></td>', c.public_id, name or c.phone) if selectable else ""
        called = c.last_called_at
        if called:
            local = timezone.localtime(called)
            last = format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), naturaltime(called),
                               f"{local:%b} {local.day}, {local.year}")
        else:
            last = "Never"
        badges = format_html_join("", ' <span class="badge bg-{}-lt">{}</span>',
                                  ((colour, tag) for tag, colour in getattr(c, "tag_badges", ())))
        rows.append(format_html(
            '<tr>{}<td class="stack-title"><a href="{}" class="fw-medium">{}</a>{}</td>'
            '<td class="phone" data-label="Phone">{}</td>'
            '<td class="d-none d-md-table-cell text-truncate">{}</td>'
            '<td class="d-none d-lg-table-cell">{}</td>'
            '<td data-label="Status"><span class="badge {}">{}</span></td>'
            '<td class="text-secondary text-nowrap" data-label="Last called">{}</td>'
            '<td class="text-end font-tabular stack-hide">{}</td></tr>',
            check, detail.replace("__id__", c.public_id), name or "(no name)", badges, phone_cell(c.phone, country),
            c.email, c.company, STATUS_BADGES.get(c.status, "bg-secondary-lt"), c.get_status_display(), last,
            c.calls_count))
    return format_html_join("\n", "{}", ((row,) for row in rows))  # each row already escaped by format_html
