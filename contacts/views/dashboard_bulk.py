"""Bulk actions on ticked contacts or on every contact matching the list's filters, and the CSV export."""
from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from contacts import selectors, services
from contacts.exports import export_rows
from contacts.filters import ContactFilter
from contacts.forms_dashboard import ReasonForm
from contacts.models import Campaign, Contact, Workspace
from contacts.views.access import needs
from contacts.views.dashboard_contacts import current_workspace, list_query
from contacts.workspaces.permissions import Perm, require

ACTIONS = {"add_to_campaign": "Add to campaign", "mark_dnc": "Mark DNC", "delete": "Delete"}
# What each bulk action needs; checked before anything is read, confirmed or written.
ACTION_PERMS = {"add_to_campaign": Perm.EDIT, "mark_dnc": Perm.DNC_ADD, "delete": Perm.DESTROY, "export": Perm.EXPORT}


def selection(request: HttpRequest, workspace: Workspace) -> tuple[QuerySet[Contact], str]:
    """The contacts a bulk request means: every one matching the posted filters, or the ticked ids."""
    query = list_query(QueryDict(request.POST.get("query", "")))
    if request.POST.get("scope") == "all":
        return ContactFilter(QueryDict(query), workspace=workspace).qs, query
    ids = [i for i in request.POST.getlist("ids") if i][:1000]
    return Contact.objects.for_workspace(workspace).filter(public_id__in=ids), query


def _back(query: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("contact_list") + (f"?{query}" if query else ""))


@needs(Perm.VIEW)
@require_POST
def contacts_bulk(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    action = request.POST.get("action", "")
    if action in ACTION_PERMS:
        require(request.user, workspace, ACTION_PERMS[action])
    contacts, query = selection(request, workspace)
    if action not in ACTIONS:
        messages.error(request, "Choose an action.")
        return _back(query)
    if request.POST.get("scope") != "all" and not request.POST.getlist("ids"):
        messages.error(request, "Tick at least one contact, or choose all contacts matching the filter.")
        return _back(query)
    if action == "add_to_campaign":
        try:
            campaign = selectors.campaign_get(workspace, request.POST.get("campaign_id", ""))
        except services.NotFound:
            messages.error(request, "Choose the campaign to add the contacts to.")
            return _back(query)
        change = services.campaign_add_contacts(campaign=campaign, contacts=contacts, actor=request.user)
        text = f"Added {change.added:,} contact{'s' if change.added != 1 else ''} to {campaign.name}."
        if change.skipped_dnc:
            text += f" Skipped {change.skipped_dnc:,} DNC contact{'s' if change.skipped_dnc != 1 else ''}."
        if change.already_members:
            text += f" {change.already_members:,} already in the campaign."
        messages.success(request, text)
        return _back(query)
    form = ReasonForm(request.POST if request.POST.get("confirm") else None)
    if request.POST.get("confirm") and (action == "delete" or form.is_valid()):
        if action == "delete":
            count = services.contacts_delete(workspace=workspace, contacts=contacts, actor=request.user)
            messages.success(request, f"Deleted {count:,} contact{'s' if count != 1 else ''}.")
        else:
            added = services.contacts_mark_dnc(workspace=workspace, contacts=contacts,
                                               reason=form.cleaned_data["reason"], actor=request.user)
            messages.success(request, f"Marked {added:,} number{'s' if added != 1 else ''} Do-Not-Call.")
        return _back(query)
    context = {
        "action": action, "action_label": ACTIONS[action], "count": contacts.count(), "form": form,
        "scope": request.POST.get("scope", ""), "ids": request.POST.getlist("ids"), "query": query,
    }
    return render(request, "contacts/dashboard/bulk_confirm.html", context)


@needs(Perm.EXPORT)
@require_http_methods(["GET", "POST"])
def contacts_export(request: HttpRequest) -> HttpResponse:
    """CSV of the filtered list (GET, same query string as the list) or of a bulk selection (POST)."""
    workspace = current_workspace(request)
    if request.method == "POST":
        contacts, query = selection(request, workspace)
    else:
        query = list_query(request.GET)
        contacts = ContactFilter(request.GET, workspace=workspace).qs
    stats: dict = {}
    user = request.user

    def stream():
        try:
            yield from export_rows(contacts, stats=stats)
        finally:
            services.contacts_export_record(workspace=workspace, actor=user, count=stats.get("rows", 0),
                                            query=query)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="contacts-{workspace.slug}-{stamp}.csv"'
    return response


def campaign_choices(workspace: Workspace) -> list[tuple[str, str]]:
    return list(Campaign.objects.for_workspace(workspace).values_list("public_id", "name"))
