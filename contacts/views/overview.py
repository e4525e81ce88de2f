"""The overview page at `/`: the numbers a manager opens the product for, with charts."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contacts.selectors import overview_stats
from contacts.views.access import needs
from contacts.workspaces.permissions import Perm


@needs(Perm.VIEW, workspace_optional=True)
def overview(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    context = {"stats": overview_stats(workspace) if workspace else None}
    if workspace:  # names kept for templates written before the charts
        context.update(active_count=context["stats"]["active"], dnc_count=context["stats"]["dnc"])
    return render(request, "contacts/overview.html", context)
