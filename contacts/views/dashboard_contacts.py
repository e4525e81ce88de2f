"""Contacts pages: list (search, filters, sort, paging, saved views), detail, create/edit and single actions."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from contacts import selectors, services
from contacts.campaigns.dialer import ACTIVE_CALL_STATUSES, call_get_for_contact
from contacts.compliance.consents import (
    ConsentState,
    consent_history,
    consent_record,
    consent_revoke,
    consent_state,
    consent_states_among,
)
from contacts.compliance.decision import Decision, Target, decide_many
from contacts.compliance.selectors import dnc_numbers_among
from contacts.contacts.numbers import additional_numbers, all_numbers
from contacts.counting import BoundedPaginator
from contacts.errors import CallNotAllowed
from contacts.filters import CUSTOM_PREFIX, ContactFilter
from contacts.forms_dashboard import ConsentForm, ContactForm, ReasonForm, RevokeConsentForm, SavedViewForm
from contacts.models import Campaign, Contact, ContactList, CustomField, DncAuditLog, SavedView, Tag, Workspace
from contacts.views.access import needs
from contacts.views.contact_rows import contact_rows
from contacts.workspaces.permissions import Perm, permissions_of

PAGE_SIZES = (20, 50, 100)
CALLS_SHOWN = 200  # the contact page's call history


MORE_FILTERS = ("status", "campaign_id", "list_id", "tags", "company", "last_called_after", "last_called_before",
                "created_after", "created_before")  # behind the "Filters" button on phones
LIST_STATE_KEYS = ("search", "status", "campaign_id", "list_id", "tags", "tags_mode", "import_id", "company",
                   "last_called_after", "last_called_before", "created_after", "created_before", "sort", "per_page")


def current_workspace(request: HttpRequest) -> Workspace:
    if request.workspace is None:
        raise Http404("You are not a member of any workspace.")
    return request.workspace


def get_contact(request: HttpRequest, contact_id: str) -> Contact:
    try:
        return selectors.contact_get(current_workspace(request), contact_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc


def per_page(request: HttpRequest) -> int:
    try:
        value = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return max(PAGE_SIZES[0], min(value, PAGE_SIZES[-1]))


CUSTOM_INPUTS = {"number": "number", "date": "date", "text": "text"}


def custom_filter_inputs(fields: list[CustomField], data: QueryDict) -> list[dict[str, object]]:
    """The contacts list's inputs for each typed custom field: ranges for numbers and dates, a select for yes/no
    and choices, "contains" for text (parameters as the API's: custom.KEY, __gte, __lte, __contains)."""
    inputs: list[dict[str, object]] = []
    for field in fields:
        base = f"{CUSTOM_PREFIX}{field.key}"
        if field.type in ("number", "date"):
            for op, word in (("gte", "from"), ("lte", "to")):
                name = f"{base}__{op}"
                inputs.append({"name": name, "label": f"{field.label} {word}", "input": field.type,
                               "value": data.get(name, "")})
        elif field.type in ("boolean", "choice"):
            options = [("yes", "Yes"), ("no", "No")] if field.type == "boolean" else [(c, c) for c in field.choices]
            inputs.append({"name": base, "label": field.label, "input": "select", "options": options,
                           "value": data.get(base, "")})
        else:
            name = f"{base}__contains"
            inputs.append({"name": name, "label": f"{field.label} contains", "input": "text",
                           "value": data.get(name, "")})
    for number, item in enumerate(inputs):
        item["id"] = f"id_custom_{number}"
    return inputs


def list_query(data: QueryDict) -> str:
    """The list's state (filters, sort, page size) as a query string, without the page number."""
    kept = QueryDict(mutable=True)
    for key in [*LIST_STATE_KEYS, *sorted(k for k in data if str(k).startswith(CUSTOM_PREFIX))]:
        if key == "tags_mode" and not any(data.getlist("tags")):
            continue  # the mode alone filters nothing
        for value in data.getlist(key):
            if value:
                kept.appendlist(key, value)
    return kept.urlencode()


@needs(Perm.VIEW)
def contact_list(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    contact_filter = ContactFilter(request.GET, workspace=workspace)
    invalid = [] if contact_filter.is_valid() else contact_filter.invalid_values  # then the list has no rows
    paginator = BoundedPaginator(contact_filter.qs, per_page(request))
    page = paginator.get_page(request.GET.get("page"))
    state = list_query(request.GET)
    tags = list(Tag.objects.for_workspace(workspace).order_by("name").values_list("name", "colour"))
    contacts = list(page.object_list)
    if tags:  # badges on each row: one query for the page
        colours, names = dict(tags), selectors.tag_names_by_contact(contacts)
        for contact in contacts:
            contact.tag_badges = [(n, colours.get(n, "blue")) for n in names.get(contact.pk, [])]
    known_fields = getattr(contact_filter, "custom_definitions", None)
    if known_fields is None:  # one query: the filter inputs and the "Set field" menu
        known_fields = {f.key: f for f in CustomField.objects.for_workspace(workspace)}
    custom_fields = sorted(known_fields.values(), key=lambda f: (f.label, f.pk))
    context = {
        "filter": contact_filter,
        "invalid": invalid,
        "page": page,
        "contacts": contacts,
        "tags": tags,
        "custom_inputs": custom_filter_inputs(custom_fields, request.GET),
        "custom_fields": custom_fields,
        "from_import": (contact_filter.form.cleaned_data.get("import_id") if not invalid else None),
        "selected_tags": request.GET.getlist("tags"),
        "per_page": paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "state": state,
        "campaigns": list(Campaign.objects.for_workspace(workspace).values_list("public_id", "name")),
        "lists": list(ContactList.objects.for_workspace(workspace).values_list("public_id", "name")),
        "saved_views": list(SavedView.objects.for_workspace(workspace).filter(owner=request.user)),
        "has_filters": bool(state.replace(f"per_page={paginator.per_page}", "").strip("&")),
        "more_filters": sum(1 for key in MORE_FILTERS if request.GET.get(key))
        + sum(1 for key, value in request.GET.items() if key.startswith(CUSTOM_PREFIX) and value),
    }
    unfiltered = not context["has_filters"] and not invalid
    exact_total = paginator.total.value if unfiltered and paginator.total.exact else None
    context["plan"] = selectors.plan_usage(workspace, used=exact_total)
    can = permissions_of(request.user, workspace)
    context["contact_rows"] = contact_rows(contacts, country=workspace.default_country,
                                           selectable=any(can[p] for p in ("edit", "dnc_add", "export", "destroy")))
    return render(request, "contacts/dashboard/contact_list.html", context, status=400 if invalid else 200)


def call_now_blocker(contact: Contact, window: services.CallingWindow, decision: Decision | None = None) -> str:
    """Why "Call now" is disabled ("" when a call may be queued now), with when calling opens."""
    if contact.is_dnc:
        return "On the Do-Not-Call list · never dialed"
    allowed = window.allowed if decision is None else decision.allowed
    if allowed:
        return ""
    if decision is not None and set(decision.codes) != {"outside_window"}:
        return "Not allowed · " + ", ".join(dict.fromkeys(BLOCKER_LABELS.get(c, c) for c in decision.codes))
    opens_at = window.opens_at if decision is None else decision.next_allowed_at
    if opens_at is None:
        return "Outside calling hours · no common window in this number's time zones"
    zone = window.timezones[0] if decision is None else decision.jurisdiction.zones[0]
    return f"Outside calling hours · opens {opens_at.astimezone(ZoneInfo(zone)):%a %H:%M} {zone}"


BLOCKER_LABELS = {"dnc_registry": "on a registry file", "no_consent": "no consent recorded",
                  "consent_revoked": "consent revoked", "frequency_cap": "call limit reached", "holiday": "holiday",
                  "outside_window": "outside calling hours"}


@needs(Perm.VIEW)
def contact_detail(request: HttpRequest, contact_id: str) -> HttpResponse:
    contact = get_contact(request, contact_id)
    workspace = contact.workspace
    calls = list(contact.calls.select_related("campaign").order_by("-created_at", "-id")[:CALLS_SHOWN])
    numbers = list(contact.numbers.all())  # primary first, then the additional numbers
    listed = dnc_numbers_among(workspace, [n.e164 for n in numbers])
    # What Call now would dial: the first number not on the DNC list (dial_number, from the rows read above).
    dial = next((n.e164 for n in numbers if n.e164 not in listed), contact.phone)
    window = services.calling_window(workspace=workspace, phone=dial)
    memberships = list(contact.campaign_memberships.select_related("campaign").order_by("-added_at"))
    open_campaigns = [m.campaign for m in memberships if m.campaign.status != "completed"][:5]
    targets = [Target(phone=dial, metadata=contact.metadata, campaign=c, contact_dnc=contact.is_dnc,
                      contact_id=contact.pk)
               for c in [None, *open_campaigns]]
    now = timezone.now()
    consents = consent_states_among(workspace, {dial, contact.phone}, now)  # read once for decisions and the card
    decisions = decide_many(workspace=workspace, targets=targets, at=now, listed=listed, consents=consents)
    labels = ["Without a campaign", *(f"Campaign {c.name}" for c in open_campaigns)]
    consent = consents.get(contact.phone, ConsentState())
    open_call = next((c for c in calls if c.status in ACTIVE_CALL_STATUSES), None)
    if open_call is None and len(calls) == CALLS_SHOWN:  # an older call could still be under way
        open_call = call_get_for_contact(contact)
    context = {
        "contact": contact,
        "calls": calls,
        "memberships": memberships,
        "contact_lists": list(ContactList.objects.filter(memberships__contact=contact).order_by("name", "id")),
        "contact_tags": list(Tag.objects.filter(taggings__contact=contact).order_by("name")),
        "call_decisions": list(zip(labels, decisions, strict=True)),
        "consent": consent, "consent_written": consent.active("express_written"),
        "consent_events": consent_history(workspace, contact.phone)[:10],
        "consent_express": consent.active("express"),
        "dnc_entry": selectors.dnc_entry_for(workspace, contact.phone) if contact.phone in listed else None,
        "dnc_history": DncAuditLog.objects.for_workspace(workspace).filter(phone=contact.phone)
        .select_related("actor"),
        "window": window,
        "open_call": open_call,
        "call_blocker": call_now_blocker(contact, window, decisions[0]),
        "custom_fields": sorted((contact.metadata or {}).items()),
        "numbers": numbers, "listed_numbers": listed,
        "dial": dial,
    }
    return render(request, "contacts/dashboard/contact_detail.html", context)


def _apply_service_error(form: ContactForm, exc: services.ServiceError) -> None:
    if str(exc.details.get("field", "")).startswith("phones") or any(str(k).startswith("phones") for k in exc.details):
        form.add_error("other_numbers", exc.message)  # one of the additional numbers
    elif isinstance(exc, services.DuplicatePhone) and exc.details.get("existing_id"):
        url = reverse("contact_detail", args=[exc.details["existing_id"]])
        form.add_error("phone", format_html('{} <a href="{}">Open the existing contact</a>.', exc.message, url))
    elif isinstance(exc, (services.DuplicatePhone, services.InvalidPhone)):
        form.add_error("phone", exc.message)
    elif isinstance(exc, services.ValidationFailed) and exc.details:
        for field, errors in exc.details.items():
            target = field if field in form.fields else None
            if field.startswith("metadata.") and f"cf_{field[9:]}" in form.fields:
                target = f"cf_{field[9:]}"  # a typed custom field's own input
            for error in errors if isinstance(errors, list) else [errors]:
                form.add_error(target, str(error))
    else:
        form.add_error(None, exc.message)


@needs(Perm.EDIT)
def contact_create(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    definitions = list(CustomField.objects.for_workspace(workspace).order_by("label", "id"))
    form = ContactForm(request.POST if request.method == "POST" else None, definitions=definitions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = services.contact_create(
                workspace=workspace, phone=data["phone"], first_name=data["first_name"],
                last_name=data["last_name"], email=data["email"], company=data["company"], title=data["title"],
                notes=data["notes"], metadata=form.metadata(), phones=data["other_numbers"], actor=request.user,
            )
        except services.ServiceError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(request, f"Contact {contact} created.")
            return redirect("contact_detail", contact_id=contact.public_id)
    return render(request, "contacts/dashboard/contact_form.html", {"form": form, "contact": None})


@needs(Perm.EDIT)
def contact_edit(request: HttpRequest, contact_id: str) -> HttpResponse:
    contact = get_contact(request, contact_id)
    definitions = list(CustomField.objects.for_workspace(contact.workspace).order_by("label", "id"))
    typed_keys = {d.key for d in definitions}
    initial = {name: getattr(contact, name) for name in (*services.EDITABLE_FIELDS, "phone")}
    initial["custom_fields"] = ContactForm.custom_fields_text(
        {k: v for k, v in (contact.metadata or {}).items() if k not in typed_keys})
    initial["other_numbers"] = ContactForm.other_numbers_text(additional_numbers(contact))
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial, definitions=definitions)
    form.initial.update(form.typed_initial(contact.metadata))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        custom = form.metadata()
        changes = {name: data[name] for name in (*services.EDITABLE_FIELDS, "phone")}
        changes["phones"] = data["other_numbers"]  # the form shows them all: what it sends replaces them
        try:
            # The form shows every custom field, so what it sends replaces them all.
            contact.metadata = {}
            services.contact_update(contact=contact, data={**changes, "metadata": custom}, actor=request.user)
        except services.ServiceError as exc:
            contact.refresh_from_db()
            _apply_service_error(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect("contact_detail", contact_id=contact.public_id)
    return render(request, "contacts/dashboard/contact_form.html", {"form": form, "contact": contact})


@needs(Perm.EDIT)
def contact_delete(request: HttpRequest, contact_id: str) -> HttpResponse:
    contact = get_contact(request, contact_id)
    if request.method == "POST":
        name = str(contact)
        services.contact_delete(contact=contact, actor=request.user)
        messages.success(request, f"Contact {name} deleted. Its calls are kept without the link to it.")
        return redirect("contact_list")
    context = {"contact": contact, "calls_count": contact.calls.count(),
               "campaigns_count": contact.campaign_memberships.count()}
    return render(request, "contacts/dashboard/contact_delete.html", context)


@needs(Perm.EDIT)
@require_POST
def contact_call_now(request: HttpRequest, contact_id: str) -> HttpResponse:
    contact = get_contact(request, contact_id)
    try:
        call = services.call_queue_outbound(contact=contact, actor=request.user)
    except (services.ContactDnc, services.OutsideCallingHours, CallNotAllowed) as exc:
        messages.error(request, f"Call not queued. {exc.message}")
    else:
        if call.reused:
            messages.info(request, f"{contact} already has a call {call.get_status_display().lower()} "
                                   f"({call.public_id}); no second call was queued.")
        else:
            messages.success(request, f"Call queued ({call.public_id}). The agent will dial {contact} shortly.")
    return redirect("contact_detail", contact_id=contact.public_id)


def _reason_page(request: HttpRequest, contact_id: str, *, mark: bool) -> HttpResponse:
    contact = get_contact(request, contact_id)
    if contact.is_dnc == mark:
        messages.info(request, f"{contact} is {'already' if mark else 'not'} on the Do-Not-Call list.")
        return redirect("contact_detail", contact_id=contact.public_id)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if mark:
                services.contact_mark_dnc(contact=contact, reason=reason, actor=request.user)
                messages.success(request, f"{contact} is on the Do-Not-Call list and will not be dialed.")
            else:
                services.contact_reactivate(contact=contact, reason=reason, actor=request.user)
                messages.success(request, f"{contact} is active again and can be called.")
        except services.ServiceError as exc:
            form.add_error("reason", exc.message)
        else:
            return redirect("contact_detail", contact_id=contact.public_id)
    entry = None if mark else selectors.dnc_entry_for(contact.workspace, contact.phone)
    return render(request, "contacts/dashboard/contact_reason.html",
                  {"contact": contact, "form": form, "mark": mark, "dnc_entry": entry,
                   "numbers": all_numbers(contact)})


@needs(Perm.DNC_ADD)
def contact_mark_dnc(request: HttpRequest, contact_id: str) -> HttpResponse:
    return _reason_page(request, contact_id, mark=True)


@needs(Perm.DNC_MANAGE)
def contact_reactivate(request: HttpRequest, contact_id: str) -> HttpResponse:
    return _reason_page(request, contact_id, mark=False)


# --- consent ledger from the contact page (the same services as the API) ----------------------------------
@needs(Perm.EDIT)
def contact_consent(request: HttpRequest, contact_id: str) -> HttpResponse:
    """Record a consent for the contact's number, with its proof."""
    contact = get_contact(request, contact_id)
    form = ConsentForm(request.POST if request.method == "POST" else None)
    zone = ZoneInfo(contact.workspace.timezone or "UTC")
    with timezone.override(zone):  # a typed time is the workspace's local time
        valid = request.method == "POST" and form.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            record = consent_record(
                workspace=contact.workspace, phone=contact.phone, contact=contact, stored=True, actor=request.user,
                kind=data["kind"], source=data["source"], captured_at=data["captured_at"],
                proof_url=data["proof_url"], proof_ip=data["proof_ip"] or None, proof_text=data["proof_text"],
                recording_id=data["recording_id"])
        except services.ValidationFailed as exc:
            for name, errors in (exc.details or {}).items():
                for error in errors if isinstance(errors, list) else [errors]:
                    form.add_error(name if name in form.fields else None, str(error))
            if not exc.details:
                form.add_error(None, exc.message)
        else:
            messages.success(request, f"{record.get_kind_display()} recorded for {contact.phone}.")
            return redirect(reverse("contact_detail", args=[contact.public_id]) + "#call-decision")
    return render(request, "contacts/dashboard/contact_consent.html",
                  {"contact": contact, "form": form, "zone": zone, "revoke": False})


@needs(Perm.DNC_ADD)
def contact_consent_revoke(request: HttpRequest, contact_id: str) -> HttpResponse:
    """Revoke every consent for the contact's number, at once (channel `dashboard`)."""
    contact = get_contact(request, contact_id)
    form = RevokeConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_revoke(workspace=contact.workspace, phone=contact.phone, channel="dashboard", stored=True,
                           note=form.cleaned_data["note"], actor=request.user)
        except services.ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Consent for {contact.phone} is revoked: it is not called again until new "
                                      "consent is recorded.")
            return redirect(reverse("contact_detail", args=[contact.public_id]) + "#call-decision")
    return render(request, "contacts/dashboard/contact_consent.html",
                  {"contact": contact, "form": form, "revoke": True, "consent": consent_state(contact.workspace,
                                                                                             contact.phone)})


# --- saved views ------------------------------------------------------------------------------------------
@needs(Perm.EDIT)
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the view a name.")
        back = list_query(QueryDict(request.POST.get("query", "")))
        return HttpResponseRedirect(reverse("contact_list") + (f"?{back}" if back else ""))
    query = list_query(QueryDict(form.cleaned_data["query"]))
    SavedView.objects.update_or_create(workspace=workspace, owner=request.user, name=form.cleaned_data["name"],
                                       defaults={"query": query})
    messages.success(request, f"Saved view “{form.cleaned_data['name']}”.")
    return HttpResponseRedirect(reverse("contact_list") + (f"?{query}" if query else ""))


def _saved_view(request: HttpRequest, view_id: str) -> SavedView:
    if not str(view_id).isdigit():
        raise Http404
    return get_object_or_404(SavedView.objects.for_workspace(current_workspace(request)), owner=request.user,
                             pk=int(view_id))


@needs(Perm.VIEW)
def saved_view_open(request: HttpRequest, view_id: str) -> HttpResponse:
    view = _saved_view(request, view_id)
    return HttpResponseRedirect(reverse("contact_list") + (f"?{view.query}" if view.query else ""))


@needs(Perm.EDIT)
@require_POST
def saved_view_delete(request: HttpRequest, view_id: str) -> HttpResponse:
    view = _saved_view(request, view_id)
    view.delete()
    messages.success(request, f"Deleted the saved view “{view.name}”.")
    return redirect("contact_list")
