"""The "Possible duplicates" page: contacts sharing a number, an email, or a name and company, with merge links.

Large workspaces are grouped by the task worker (see contacts.contacts.duplicates.duplicates_page): the page shows
the last result, says when it was taken, follows a running scan by itself, and can ask for a new one."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_http_methods

from contacts.contacts.duplicates import KINDS, duplicate_scan_request, duplicates_page
from contacts.views.access import needs
from contacts.views.dashboard_contacts import current_workspace
from contacts.workspaces.permissions import Perm

GROUPS_SHOWN = 50


@needs(Perm.VIEW)
@require_http_methods(["GET", "POST"])
def contact_duplicates(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    kind = request.GET.get("kind") or None
    if kind not in KINDS:
        kind = None
    if request.method == "POST":  # "Check again": a new scan, the last result shown meanwhile
        duplicate_scan_request(workspace)
        return HttpResponseRedirect(reverse("contact_duplicates") + (f"?kind={kind}" if kind else ""))
    found = duplicates_page(workspace, kind=kind, limit=GROUPS_SHOWN)
    scanning = found.scan is not None and found.scan.status != "done"
    return render(request, "contacts/dashboard/duplicates.html",
                  {"groups": found.groups, "scan": found.scan, "scanning": scanning, "kind": kind, "kinds": KINDS,
                   "limit": GROUPS_SHOWN, "checked": _ago(found.scan.finished_at if found.scan else None)})


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"

