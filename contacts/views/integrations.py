"""Integration pages: API keys in settings, and merging two contacts (same service as POST /v1/contacts/{id}/merge)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from contacts import selectors, services
from contacts.contacts.merge import CHOOSABLE, FIELD_LABELS
from contacts.contacts.numbers import all_numbers
from contacts.models import ApiKey, Role
from contacts.views.access import needs
from contacts.views.dashboard_contacts import current_workspace, get_contact
from contacts.workspaces.permissions import ROLE_SUMMARIES, Perm, role_of

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


def _merge_choices(request: HttpRequest, contact, other) -> tuple[object, object, dict[str, str], bool]:
    """(target, source, keep) from the form: column A is `contact`, column B `other`; `survivor` picks which
    record stays and `keep_<field>` which column's value each field keeps."""
    survivor_b = request.POST.get("survivor", request.GET.get("survivor")) == "b"
    target, source = (other, contact) if survivor_b else (contact, other)
    keep = {}
    for name in CHOOSABLE:
        side = request.POST.get(f"keep_{name}", request.GET.get(f"keep_{name}"))
        if side in ("a", "b"):
            keep[name] = "target" if (side == "b") == survivor_b else "source"
    return target, source, keep, survivor_b


@needs(Perm.DESTROY)
def contact_merge_confirm(request: HttpRequest, contact_id: str, other_id: str) -> HttpResponse:
    """Step 2: both contacts side by side; pick which record survives and, field by field, which value stays.
    POST merges (the same service as the API)."""
    contact = get_contact(request, contact_id)
    other = get_contact(request, other_id)
    target, source, keep, survivor_b = _merge_choices(request, contact, other)
    try:
        plan = services.merge_plan(target=target, source=source, keep=keep)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("contact_merge_pick", contact_id=contact.public_id)
    if request.method == "POST":
        merged = services.contact_merge(target=target, source=source, actor=request.user, keep=keep)
        note = f"Merged {source} into {merged}: {plan.calls_moved} call{'s' if plan.calls_moved != 1 else ''} " \
               f"and {plan.campaigns_moved} campaign membership{'s' if plan.campaigns_moved != 1 else ''} moved."
        if plan.numbers_added:
            note += f" {len(plan.numbers_added)} number{'s' if len(plan.numbers_added) != 1 else ''} kept as " \
                    "additional numbers."
        if plan.becomes_dnc:
            note += " The merged contact is now Do-Not-Call, as the other one was."
        messages.success(request, note)
        return redirect("contact_detail", contact_id=merged.public_id)
    a_is_target = not survivor_b
    rows = []
    for name in CHOOSABLE:
        a, b = getattr(contact, name), getattr(other, name)
        value = plan.values[name]
        # Which column the merged value comes from (a tie, equal values, shows column A).
        kept = "a" if value == a else "b"
        rows.append({"label": FIELD_LABELS[name], "name": name, "a": a, "b": b, "kept": kept, "same": a == b})
    fixed = []
    for name, label in (("status", "Status"), ("calls_count", "Calls")):
        fixed.append({"label": label, "name": name, "a": getattr(contact, name), "b": getattr(other, name)})
    meta_keys = sorted({*(contact.metadata or {}), *(other.metadata or {})})
    merged_meta = {**(source.metadata or {}), **(target.metadata or {})}
    meta_rows = [{"key": k, "a": (contact.metadata or {}).get(k, ""), "b": (other.metadata or {}).get(k, ""),
                  "result": merged_meta[k]} for k in meta_keys]
    return render(request, "contacts/integrations/merge_confirm.html", {
        "contact": contact, "other": other, "plan": plan, "rows": rows, "fixed": fixed, "meta_rows": meta_rows,
        "survivor": "a" if a_is_target else "b", "target": target, "source": source,
        "numbers_a": all_numbers(contact), "numbers_b": all_numbers(other),
    })


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
