"""Lists pages: every list with its count (create, rename, delete) and "fill a campaign from a list"."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from contacts import selectors, services
from contacts.models import Campaign, ContactList
from contacts.views.access import needs
from contacts.views.dashboard_bulk import add_confirmation, added_message
from contacts.views.dashboard_contacts import current_workspace
from contacts.workspaces.permissions import Perm, require


def get_list(request: HttpRequest, list_id: str) -> ContactList:
    try:
        return selectors.list_get(current_workspace(request), list_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc


@needs(Perm.VIEW)
@require_http_methods(["GET", "POST"])
def list_index(request: HttpRequest) -> HttpResponse:
    """GET: the lists with their counts. POST (edit): create an empty list."""
    workspace = current_workspace(request)
    error = ""
    if request.method == "POST":
        require(request.user, workspace, Perm.EDIT)  # before reading the form: a viewer gets the 403 page
        try:
            created = services.list_create(workspace=workspace, name=request.POST.get("name", ""), actor=request.user)
        except services.ValidationFailed as exc:
            error = exc.message
        else:
            messages.success(request, f"List “{created.name}” created. Add contacts to it from the contacts list.")
            return redirect("list_index")
    lists = list(selectors.lists_with_counts(workspace).order_by("name", "id"))
    campaigns = list(Campaign.objects.for_workspace(workspace).values_list("public_id", "name"))
    return render(request, "contacts/lists/list_index.html",
                  {"lists": lists, "campaigns": campaigns, "error": error, "name": request.POST.get("name", "")},
                  status=422 if error else 200)


@needs(Perm.EDIT)
@require_http_methods(["GET", "POST"])
def list_rename(request: HttpRequest, list_id: str) -> HttpResponse:
    contact_list = get_list(request, list_id)
    error = ""
    name = contact_list.name
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            services.list_rename(contact_list=contact_list, name=name, actor=request.user)
        except services.ValidationFailed as exc:
            error = exc.message
        else:
            messages.success(request, f"Renamed the list to “{contact_list.name}”.")
            return redirect("list_index")
    return render(request, "contacts/lists/list_rename.html",
                  {"contact_list": contact_list, "name": name, "error": error}, status=422 if error else 200)


@needs(Perm.EDIT)
@require_http_methods(["GET", "POST"])
def list_delete(request: HttpRequest, list_id: str) -> HttpResponse:
    """GET: the confirmation (how many contacts it holds, and that they stay). POST: delete the list only."""
    contact_list = get_list(request, list_id)
    if request.method == "POST":
        name = contact_list.name
        held = services.list_delete(contact_list=contact_list, actor=request.user)
        messages.success(request, f"Deleted the list “{name}”. Its {held:,} contact{'s' if held != 1 else ''} "
                                  "are kept.")
        return redirect("list_index")
    count = contact_list.memberships.count()
    return render(request, "contacts/lists/list_delete.html", {"contact_list": contact_list, "count": count})


@needs(Perm.EDIT)
@require_POST
def list_fill_campaign(request: HttpRequest, list_id: str) -> HttpResponse:
    """Add the list's members to a campaign: a confirmation with the counts first; DNC members are excluded."""
    contact_list = get_list(request, list_id)
    try:
        campaign = selectors.campaign_get(contact_list.workspace, request.POST.get("campaign_id", ""))
    except services.NotFound:
        messages.error(request, "Choose the campaign to fill from the list.")
        return redirect("list_index")
    members = selectors.list_members(contact_list)
    description = f"List “{contact_list.name}”"
    if not request.POST.get("confirm"):
        return add_confirmation(
            request, campaign=campaign, contacts=members, description=description,
            action_url=reverse("list_fill_campaign", args=[contact_list.public_id]),
            hidden=[("campaign_id", campaign.public_id)], cancel_url=reverse("list_index"))
    change = services.campaign_add_contacts(campaign=campaign, contacts=members, actor=request.user,
                                            description=description)
    messages.success(request, added_message(change, campaign, f" from the list “{contact_list.name}”"))
    return redirect("campaign_detail", campaign_id=campaign.public_id)
