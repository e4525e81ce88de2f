"""Integration pages: API keys in settings, and merging two contacts (same service as POST /v1/contacts/{id}/merge)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from contacts import selectors, services
from contacts.models import ApiKey, Role
from contacts.views.access import needs
from contacts.views.dashboard_contacts import current_workspace, get_contact
from contacts.workspaces.permissions import ROLE_SUMMARIES, Perm, role_of

MERGE_FIELDS = (("phone", "Phone"), ("first_name", "First name"), ("last_name", "Last name"), ("email", "Email"),
                ("company", "Company"), ("title", "Job title"), ("notes", "Notes"), ("status", "Status"),
                ("calls_count", "Calls"))
PICKER_LIMIT = 10


def role_choices(*, owner: bool = True) -> list[tuple[str, str, str]]:
    """(value, label, what it allows) for a role select; only an owner may hand out the owner role."""
    return [(value, label, ROLE_SUMMARIES[value]) for value, label in Role.choices if owner or value != Role.OWNER]


@needs(Perm.DESTROY)
def contact_merge_pick(request: HttpRequest, contact_id: str) -> HttpResponse:
    """Step 1: find the contact to merge into this one."""
    contact = get_contact(request, contact_id)
    query = (request.GET.get("q") or "").strip()
    matches = []
    if query:
        found = selectors.contact_search(contact.workspace.contacts.exclude(pk=contact.pk), query,
                                         workspace=contact.workspace)
        matches = list(found.order_by("-created_at", "-id")[:PICKER_LIMIT])
    return render(request, "contacts/integrations/merge_pick.html",
                  {"contact": contact, "query": query, "matches": matches, "limit": PICKER_LIMIT})


@needs(Perm.DESTROY)
def contact_merge_confirm(request: HttpRequest, contact_id: str, other_id: str) -> HttpResponse:
    """Step 2: both contacts side by side with the merged result; POST merges."""
    contact = get_contact(request, contact_id)
    other = get_contact(request, other_id)
    try:
        plan = services.merge_plan(target=contact, source=other)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("contact_merge_pick", contact_id=contact.public_id)
    if request.method == "POST":
        merged = services.contact_merge(target=contact, source=other, actor=request.user)
        note = f"Merged {other} into {merged}: {plan.calls_moved} call{'s' if plan.calls_moved != 1 else ''} " \
               f"and {plan.campaigns_moved} campaign membership{'s' if plan.campaigns_moved != 1 else ''} moved."
        if plan.becomes_dnc:
            note += " The merged contact is now Do-Not-Call, as the other one was."
        messages.success(request, note)
        return redirect("contact_detail", contact_id=merged.public_id)
    rows = []
    for name, label in MERGE_FIELDS:
        mine, theirs = getattr(contact, name), getattr(other, name)
        result = plan.filled.get(name, mine)
        if name == "calls_count":
            result = mine + theirs
        elif name == "status" and plan.becomes_dnc:
            result = "dnc"
        rows.append({"label": label, "name": name, "mine": mine, "theirs": theirs, "result": result,
                     "from_other": name in plan.filled})
    meta_keys = sorted({*(contact.metadata or {}), *(other.metadata or {})})
    meta_rows = [{"key": k, "mine": (contact.metadata or {}).get(k, ""), "theirs": (other.metadata or {}).get(k, ""),
                  "result": {**(other.metadata or {}), **(contact.metadata or {})}[k],
                  "from_other": k in plan.metadata_added} for k in meta_keys]
    return render(request, "contacts/integrations/merge_confirm.html",
                  {"contact": contact, "other": other, "plan": plan, "rows": rows, "meta_rows": meta_rows})


@needs(Perm.MANAGE)
def api_keys(request: HttpRequest) -> HttpResponse:
    """List the workspace's API keys; POST creates one and shows it once."""
    workspace = current_workspace(request)
    new_key = None
    error = ""
    role = request.POST.get("role") or Role.ADMIN
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()
        if not name:
            error = "Give the key a name, e.g. the integration that will use it."
        else:
            try:
                key, new_key = services.api_key_create(workspace=workspace, name=name, role=role, actor=request.user)
            except services.ValidationFailed as exc:
                error = exc.message
            else:
                messages.success(request, f"API key “{key.name}” ({key.get_role_display().lower()}) created. "
                                          "Copy it now: it will not be shown again.")
                role = Role.ADMIN
    keys = ApiKey.objects.filter(workspace=workspace).select_related("created_by").order_by("-created_at")
    return render(request, "contacts/integrations/api_keys.html", {
        "keys": keys, "new_key": new_key, "error": error, "name": request.POST.get("name", ""), "role": role,
        "roles": role_choices(owner=role_of(request.user, workspace) == Role.OWNER),
    })


@needs(Perm.MANAGE)
def api_key_revoke(request: HttpRequest, key_id: str) -> HttpResponse:
    workspace = current_workspace(request)
    try:
        key = ApiKey.objects.get(workspace=workspace, pk=int(key_id))
    except (ValueError, ApiKey.DoesNotExist) as exc:
        raise Http404("No such API key.") from exc
    if request.method != "POST":
        return redirect("api_keys")
    if key.revoked_at:
        messages.info(request, f"“{key.name}” was already revoked.")
    else:
        services.api_key_revoke(key=key, actor=request.user)
        messages.success(request, f"Revoked “{key.name}”. Requests with it now get 401.")
    return redirect("api_keys")
