"""The overview page at `/`: the numbers a manager opens the product for, with charts."""
from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from contacts import labels
from contacts.selectors import overview_stats, plan_usage
from contacts.views.access import needs
from contacts.workspaces.permissions import Perm


@needs(Perm.VIEW, workspace_optional=True)
def overview(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    context = {"stats": overview_stats(workspace) if workspace else None}
    if workspace:  # names kept for templates written before the charts
        stats = context["stats"]
        for dataset in stats["outcomes"]["datasets"]:
            dataset["label"] = labels.label(dataset["label"], "outcome")  # "appointment_booked" -> words
        today = timezone.localdate()
        context.update(active_count=stats["active"], dnc_count=stats["dnc"],
                       plan=plan_usage(workspace, used=stats["active"] + stats["dnc"]
                                       if stats["active_total"].exact and stats["dnc_total"].exact else None),
                       since_7=today - timedelta(days=7), since_30=today - timedelta(days=30))
    return render(request, "contacts/overview.html", context)
