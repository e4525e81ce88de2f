"""The overview page at `/`."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contacts.models import Contact, ContactStatus


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    contacts = Contact.objects.for_workspace(workspace) if workspace else Contact.objects.none()
    context = {
        "active_count": contacts.filter(status=ContactStatus.ACTIVE).count(),
        "dnc_count": contacts.filter(status=ContactStatus.DNC).count(),
    }
    return render(request, "contacts/overview.html", context)
