"""The "Possible duplicates" page: contacts sharing a number, an email, or a name and company, with merge links."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contacts.contacts.duplicates import KINDS, duplicate_groups
from contacts.views.access import needs
from contacts.views.dashboard_contacts import current_workspace
from contacts.workspaces.permissions import Perm

GROUPS_SHOWN = 50


@needs(Perm.VIEW)
def contact_duplicates(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    kind = request.GET.get("kind") or None
    if kind not in KINDS:
        kind = None
    groups = duplicate_groups(workspace, kind=kind, limit=GROUPS_SHOWN)
    return render(request, "contacts/dashboard/duplicates.html",
                  {"groups": groups, "kind": kind, "kinds": KINDS, "limit": GROUPS_SHOWN})
