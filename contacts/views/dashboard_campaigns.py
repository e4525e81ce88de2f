"""Campaign pages (list, detail with members, create/edit, add/remove members) and the calls list."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from contacts import selectors, services
from contacts.filters import CallFilter, ContactFilter
from contacts.forms_dashboard import CampaignForm
from contacts.models import Call, CallStatus, Campaign, CampaignAdd, CampaignMembership, Contact
from contacts.views.access import needs
from contacts.views.dashboard_bulk import add_confirmation, added_message, refuse_invalid_filter
from contacts.views.dashboard_contacts import current_workspace, per_page
from contacts.views.dialer import queue_context
from contacts.workspaces.permissions import Perm


def _count(queryset, group: str, expression=None):
    """A correlated COUNT subquery (one per campaign row, no join fan-out)."""
    counted = queryset.filter(**{group: OuterRef("pk")}).order_by().values(group)
    counted = counted.annotate(n=expression or Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def campaigns_with_stats(workspace):
    return Campaign.objects.for_workspace(workspace).annotate(
        members_count=_count(CampaignMembership.objects.all(), "campaign"),
        calls_made=_count(Call.objects.all(), "campaign"),
        reached=_count(Call.objects.filter(status=CallStatus.COMPLETED), "campaign",
                       Count("contact_id", distinct=True)),
    )


def get_campaign(request: HttpRequest, campaign_id: str) -> Campaign:
    try:
        return selectors.campaign_get(current_workspace(request), campaign_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc


@needs(Perm.VIEW)
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = list(campaigns_with_stats(current_workspace(request)))
    for c in campaigns:
        c.completion = round(100 * c.reached / c.members_count) if c.members_count else 0
    return render(request, "contacts/dashboard/campaign_list.html", {"campaigns": campaigns})


@needs(Perm.VIEW)
def campaign_detail(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = get_campaign(request, campaign_id)
    stats = campaigns_with_stats(campaign.workspace).get(pk=campaign.pk)
    last_call = Call.objects.filter(campaign=campaign, contact=OuterRef("pk")).order_by("-created_at", "-id")
    members = (
        Contact.objects.filter(campaign_memberships__campaign=campaign)
        .annotate(campaign_call_status=Subquery(last_call.values("status")[:1]),
                  campaign_call_at=Subquery(last_call.values("created_at")[:1]))
        .order_by("last_name", "first_name", "id")
    )
    paginator = Paginator(members, per_page(request))
    page = paginator.get_page(request.GET.get("page"))
    status_labels = dict(CallStatus.choices)
    for contact in page.object_list:
        contact.campaign_call_label = status_labels.get(contact.campaign_call_status or "", "")
    dnc_members = members.filter(status="dnc").count()
    completion = round(100 * stats.reached / stats.members_count) if stats.members_count else 0
    return render(request, "contacts/dashboard/campaign_detail.html", {
        "campaign": campaign, "stats": stats, "page": page, "members": page.object_list, "completion": completion,
        "dnc_members": dnc_members, "recent_adds": selectors.campaign_recent_adds(campaign),
        **queue_context(campaign),
    })


@needs(Perm.EDIT)
def campaign_create(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    form = CampaignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(workspace=workspace, actor=request.user, **form.service_kwargs())
        except services.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Campaign {campaign.name} created. Add contacts from the contacts list.")
            return redirect("campaign_detail", campaign_id=campaign.public_id)
    return render(request, "contacts/dashboard/campaign_form.html", {"form": form, "campaign": None})


@needs(Perm.EDIT)
def campaign_edit(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = get_campaign(request, campaign_id)
    form = CampaignForm(request.POST if request.method == "POST" else None,
                        initial={"name": campaign.name, "status": campaign.status, "script": campaign.script,
                                 "max_attempts": campaign.max_attempts, "type": campaign.type,
                                 "subject": campaign.subject,
                                 "retry_after_hours": round(campaign.retry_after.total_seconds() / 3600, 2)})
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(campaign=campaign, actor=request.user, **form.service_kwargs())
        except services.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Campaign saved.")
            return redirect("campaign_detail", campaign_id=campaign.public_id)
    return render(request, "contacts/dashboard/campaign_form.html", {"form": form, "campaign": campaign})


@needs(Perm.EDIT)
@require_POST
def campaign_add_members(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """Add every contact matching a search, after a confirmation page with the counts (the contacts list's bulk
    action covers richer filters)."""
    campaign = get_campaign(request, campaign_id)
    term = request.POST.get("search", "").strip()
    if not term:
        messages.error(request, "Type a name, phone, email or company to find the contacts to add.")
        return redirect("campaign_detail", campaign_id=campaign.public_id)
    contact_filter = ContactFilter({"search": term}, workspace=campaign.workspace)
    if not contact_filter.is_valid():
        return refuse_invalid_filter(request, contact_filter.invalid_values, "", "add to the campaign")
    description = f"Contacts matching “{term}”"
    if not request.POST.get("confirm"):
        return add_confirmation(
            request, campaign=campaign, contacts=contact_filter.qs, description=description,
            action_url=reverse("campaign_add_members", args=[campaign.public_id]), hidden=[("search", term)],
            cancel_url=reverse("campaign_detail", args=[campaign.public_id]),
        )
    change = services.campaign_add_contacts(campaign=campaign, contacts=contact_filter.qs, actor=request.user,
                                            description=description)
    messages.success(request, added_message(change, campaign, f" matching “{term}”"))
    return redirect("campaign_detail", campaign_id=campaign.public_id)


def _removal_page(request: HttpRequest, campaign: Campaign, *, add: CampaignAdd | None, count: int) -> HttpResponse:
    return render(request, "contacts/dashboard/campaign_remove_confirm.html",
                  {"campaign": campaign, "add": add, "count": count})


@needs(Perm.EDIT)
@require_http_methods(["GET", "POST"])
def campaign_undo_add(request: HttpRequest, campaign_id: str, add_id: str) -> HttpResponse:
    """Remove the members one add brought in (GET: the confirmation page with the count)."""
    campaign = get_campaign(request, campaign_id)
    try:
        add = selectors.campaign_add_get(campaign, add_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST" and request.POST.get("confirm"):
        removed = services.campaign_undo_add(add=add, actor=request.user)
        messages.success(request, f"Undid the add: removed {removed:,} member{'s' if removed != 1 else ''} "
                                  f"from {campaign.name}.")
        return redirect("campaign_detail", campaign_id=campaign.public_id)
    return _removal_page(request, campaign, add=add, count=add.memberships.count())


@needs(Perm.EDIT)
@require_http_methods(["GET", "POST"])
def campaign_remove_all(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """Empty the campaign in one action (GET: the confirmation page with the count)."""
    campaign = get_campaign(request, campaign_id)
    if request.method == "POST" and request.POST.get("confirm"):
        removed = services.campaign_remove_all_contacts(campaign=campaign, actor=request.user)
        messages.success(request, f"Removed all {removed:,} member{'s' if removed != 1 else ''} from {campaign.name}.")
        return redirect("campaign_detail", campaign_id=campaign.public_id)
    return _removal_page(request, campaign, add=None, count=campaign.memberships.count())


@needs(Perm.EDIT)
@require_POST
def campaign_remove_members(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = get_campaign(request, campaign_id)
    ids = request.POST.getlist("ids")[:1000]
    if not ids:
        messages.error(request, "Tick the members to remove.")
        return redirect("campaign_detail", campaign_id=campaign.public_id)
    removed = services.campaign_remove_contacts(
        campaign=campaign, contacts=Contact.objects.for_workspace(campaign.workspace).filter(public_id__in=ids),
        actor=request.user,
    )
    messages.success(request, f"Removed {removed} member{'s' if removed != 1 else ''} from {campaign.name}.")
    return redirect("campaign_detail", campaign_id=campaign.public_id)


@needs(Perm.VIEW)
def call_list(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    call_filter = CallFilter(request.GET, workspace=workspace)
    calls = call_filter.qs.select_related("contact", "campaign").order_by("-created_at", "-id")
    paginator = Paginator(calls, per_page(request))
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "contacts/dashboard/call_list.html", {
        "filter": call_filter, "page": page, "calls": page.object_list,
        "campaigns": list(Campaign.objects.for_workspace(workspace).values_list("public_id", "name")),
        "has_filters": any(v for k, v in request.GET.items() if k not in ("page", "per_page")),
    })
