"""Bulk actions on ticked contacts or on every contact matching the list's filters, and the CSV export."""
from __future__ import annotations

from dataclasses import dataclass, field

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
from contacts.models import Campaign, Contact, CustomField, Workspace
from contacts.views.access import needs
from contacts.views.dashboard_contacts import current_workspace, list_query
from contacts.workspaces.permissions import Perm, require

ACTIONS = {"add_to_campaign": "Add to campaign", "mark_dnc": "Mark DNC", "delete": "Delete",
           "add_to_list": "Add to list", "remove_from_list": "Remove from list", "save_as_list": "Save as list",
           "tag": "Tag", "untag": "Untag", "set_field": "Set field"}
# What each bulk action needs; checked before anything is read, confirmed or written.
ACTION_PERMS = {"add_to_campaign": Perm.EDIT, "mark_dnc": Perm.DNC_ADD, "delete": Perm.DESTROY, "export": Perm.EXPORT,
                "add_to_list": Perm.EDIT, "remove_from_list": Perm.EDIT, "save_as_list": Perm.EDIT, "tag": Perm.EDIT,
                "untag": Perm.EDIT, "set_field": Perm.EDIT}
LIST_ACTIONS = ("add_to_list", "remove_from_list", "save_as_list", "tag", "untag")


@dataclass
class Selection:
    """The contacts a bulk request means, and why they were chosen."""

    contacts: QuerySet[Contact]
    query: str  # the list's filters, to go back to the same list
    scope_all: bool  # every contact matching the filter, on every page
    ids: list[str]  # or the ticked contacts
    invalid: list[dict[str, str]] = field(default_factory=list)  # rejected filter values: nothing may run
    description: str = ""

    @property
    def empty_request(self) -> bool:
        return not self.scope_all and not self.ids


def selection(request: HttpRequest, workspace: Workspace) -> Selection:
    """The contacts a bulk request means: every one matching the posted filters, or the ticked ids."""
    query = list_query(QueryDict(request.POST.get("query", "")))
    contact_filter = ContactFilter(QueryDict(query), workspace=workspace)
    invalid = [] if contact_filter.is_valid() else contact_filter.invalid_values
    ids = [i for i in request.POST.getlist("ids") if i][:1000]
    if request.POST.get("scope") == "all":
        return Selection(contact_filter.qs, query, True, ids, invalid,
                         f"Contacts list: {contact_filter.describe() or 'all contacts'}")
    contacts = Contact.objects.for_workspace(workspace).filter(public_id__in=ids)
    return Selection(contacts, query, False, ids, invalid, f"{len(ids):,} ticked contact{'s' if len(ids) != 1 else ''}")


def refuse_invalid_filter(request: HttpRequest, invalid: list[dict[str, str]], query: str, doing: str) -> HttpResponse:
    """400: an invalid filter value never widens a selection, so nothing runs and nothing is written."""
    return render(request, "contacts/dashboard/filter_invalid.html",
                  {"invalid": invalid, "query": query, "doing": doing}, status=400)


def _back(query: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("contact_list") + (f"?{query}" if query else ""))


def added_message(change: services.MembershipChange, campaign: Campaign, what: str = "") -> str:
    text = f"Added {change.added:,} contact{'s' if change.added != 1 else ''}{what} to {campaign.name}."
    if change.skipped_dnc:
        text += f" Skipped {change.skipped_dnc:,} DNC contact{'s' if change.skipped_dnc != 1 else ''}."
    if change.already_members:
        text += f" {change.already_members:,} already in the campaign."
    if change.add is not None:
        text += " You can undo this add from the campaign page."
    return text


def add_confirmation(request: HttpRequest, *, campaign: Campaign, contacts: QuerySet[Contact], action_url: str,
                     hidden: list[tuple[str, str]], cancel_url: str, description: str) -> HttpResponse:
    """The page every campaign add shows first: how many will be added, excluded (DNC) and already members."""
    plan = selectors.campaign_add_preview(campaign=campaign, contacts=contacts)
    return render(request, "contacts/dashboard/campaign_add_confirm.html", {
        "campaign": campaign, "plan": plan, "action_url": action_url, "hidden": hidden, "cancel_url": cancel_url,
        "description": description, "selected": plan.added + plan.skipped_dnc + plan.already_members,
    })


@needs(Perm.VIEW)
@require_POST
def contacts_bulk(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    action = request.POST.get("action", "")
    if action in ACTION_PERMS:
        require(request.user, workspace, ACTION_PERMS[action])
    chosen = selection(request, workspace)
    contacts, query = chosen.contacts, chosen.query
    if action not in ACTIONS:
        messages.error(request, "Choose an action.")
        return _back(query)
    if chosen.invalid:
        return refuse_invalid_filter(request, chosen.invalid, query, ACTIONS[action].lower())
    if chosen.empty_request:
        messages.error(request, "Tick at least one contact, or choose all contacts matching the filter.")
        return _back(query)
    if action == "set_field":
        return _set_field(request, workspace, chosen)
    if action in LIST_ACTIONS:
        # Lists only group contacts (nothing is dialed, deleted or listed DNC), so they act at once, undoably.
        return _list_action(request, workspace, action, chosen)
    if action == "add_to_campaign":
        try:
            campaign = selectors.campaign_get(workspace, request.POST.get("campaign_id", ""))
        except services.NotFound:
            messages.error(request, "Choose the campaign to add the contacts to.")
            return _back(query)
        if not request.POST.get("confirm"):
            hidden = [("action", action), ("campaign_id", campaign.public_id), ("query", query),
                      ("scope", "all" if chosen.scope_all else ""), *(("ids", i) for i in chosen.ids)]
            return add_confirmation(request, campaign=campaign, contacts=contacts, action_url=reverse("contacts_bulk"),
                                    hidden=hidden, cancel_url=_back(query).url, description=chosen.description)
        change = services.campaign_add_contacts(campaign=campaign, contacts=contacts, actor=request.user,
                                                description=chosen.description)
        messages.success(request, added_message(change, campaign))
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


def _set_field(request: HttpRequest, workspace: Workspace, chosen: Selection) -> HttpResponse:
    """Set one custom field on the selection (or clear it): a page with the field's typed input and the count
    first, then one set-based write."""
    field = CustomField.objects.for_workspace(workspace).filter(key=request.POST.get("field_key", "")).first()
    if field is None:
        messages.error(request, "Choose the custom field to set.")
        return _back(chosen.query)
    clear = request.POST.get("clear") == "1"
    value = request.POST.get("value", "")
    error = ""
    if request.POST.get("confirm"):
        try:
            count = services.contacts_set_field(workspace=workspace, contacts=chosen.contacts, key=field.key,
                                                value=value, clear=clear, actor=request.user)
        except services.ValidationFailed as exc:
            error = exc.message
        else:
            shown = {"true": "Yes", "false": "No"}.get(str(value).lower(), value) if field.type == "boolean" else value
            done = f"Cleared {field.label} on" if clear else f"Set {field.label} to “{shown}” on"
            messages.success(request, f"{done} {_plural(count)}.")
            return _back(chosen.query)
    context = {"field": field, "value": value, "clear": clear, "error": error, "count": chosen.contacts.count(),
               "scope": request.POST.get("scope", ""), "ids": chosen.ids, "query": chosen.query}
    return render(request, "contacts/dashboard/bulk_set_field.html", context, status=422 if error else 200)


def _plural(count: int, word: str = "contact") -> str:
    return f"{count:,} {word}{'s' if count != 1 else ''}"


def _list_action(request: HttpRequest, workspace: Workspace, action: str, chosen: Selection) -> HttpResponse:
    """Add the selection to a list, take it out of one, save it as a new list, tag or untag it."""
    if action in ("tag", "untag"):
        try:
            tag = selectors.tag_get(workspace, request.POST.get("tag", ""))
        except services.NotFound:
            messages.error(request, "Choose the tag.")
            return _back(chosen.query)
        if action == "tag":
            count = services.contacts_tag(workspace=workspace, contacts=chosen.contacts, tag=tag, actor=request.user)
            messages.success(request, f"Tagged {_plural(count)} “{tag.name}”.")
        else:
            count = services.contacts_untag(workspace=workspace, contacts=chosen.contacts, tag=tag,
                                            actor=request.user)
            messages.success(request, f"Removed the tag “{tag.name}” from {_plural(count)}.")
        return _back(chosen.query)
    if action == "save_as_list":
        try:
            created, change = services.list_create_from(workspace=workspace, name=request.POST.get("list_name", ""),
                                                        contacts=chosen.contacts, actor=request.user)
        except services.ValidationFailed as exc:
            messages.error(request, f"List not saved. {exc.message}")
            return _back(chosen.query)
        messages.success(request, f"Saved {_plural(change.added)} as the list “{created.name}”.")
        return HttpResponseRedirect(reverse("contact_list") + f"?list_id={created.public_id}")
    try:
        contact_list = selectors.list_get(workspace, request.POST.get("list_id", ""))
    except services.NotFound:
        messages.error(request, "Choose the list.")
        return _back(chosen.query)
    if action == "add_to_list":
        change = services.list_add_contacts(contact_list=contact_list, contacts=chosen.contacts, actor=request.user)
        text = f"Added {_plural(change.added)} to the list “{contact_list.name}”."
        if change.already_members:
            text += f" {change.already_members:,} already in it."
    else:
        change = services.list_remove_contacts(contact_list=contact_list, contacts=chosen.contacts,
                                               actor=request.user)
        text = f"Removed {_plural(change.removed)} from the list “{contact_list.name}”. The contacts are kept."
    messages.success(request, text)
    return _back(chosen.query)


@needs(Perm.EXPORT)
@require_http_methods(["GET", "POST"])
def contacts_export(request: HttpRequest) -> HttpResponse:
    """CSV of the filtered list (GET, same query string as the list) or of a bulk selection (POST)."""
    workspace = current_workspace(request)
    if request.method == "POST":
        chosen = selection(request, workspace)
        contacts, query, invalid = chosen.contacts, chosen.query, chosen.invalid
        if not invalid and chosen.empty_request:
            messages.error(request, "Tick the contacts to export, or choose all contacts matching the filter.")
            return _back(query)
    else:
        query = list_query(request.GET)
        contact_filter = ContactFilter(request.GET, workspace=workspace)
        contacts = contact_filter.qs
        invalid = [] if contact_filter.is_valid() else contact_filter.invalid_values
    if invalid:
        return refuse_invalid_filter(request, invalid, query, "export")
    stats: dict = {}
    user = request.user
    defined = list(CustomField.objects.for_workspace(workspace).order_by("key").values_list("key", flat=True))

    def stream():
        try:
            yield from export_rows(contacts, stats=stats, defined=defined)
        finally:
            services.contacts_export_record(workspace=workspace, actor=user, count=stats.get("rows", 0),
                                            query=query)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="contacts-{workspace.slug}-{stamp}.csv"'
    return response


def campaign_choices(workspace: Workspace) -> list[tuple[str, str]]:
    return list(Campaign.objects.for_workspace(workspace).values_list("public_id", "name"))
