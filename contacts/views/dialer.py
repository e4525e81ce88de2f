"""Dashboard side of the calling loop: campaign queue controls and counts, a contact's live call, cancelling it."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from contacts import selectors, services
from contacts.campaigns import dialer, scripts
from contacts.campaigns.models import Call, Campaign
from contacts.contacts.models import Contact
from contacts.views.access import needs
from contacts.workspaces.permissions import Perm

QUEUE_ACTIONS = {"start": dialer.campaign_start, "pause": dialer.campaign_pause, "stop": dialer.campaign_stop}
SCRIPT_SAMPLES = 3


def _campaign(request: HttpRequest, campaign_id: str) -> Campaign:
    try:
        return selectors.campaign_get(request.workspace, campaign_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc


def _contact(request: HttpRequest, contact_id: str) -> Contact:
    try:
        return selectors.contact_get(request.workspace, contact_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc


def queue_context(campaign: Campaign) -> dict:
    """What the campaign page's calling panel shows: live counts and the script as three members hear it."""
    members = campaign.contacts.all()
    samples = list(members.order_by("campaign_memberships__added_at", "pk")[:SCRIPT_SAMPLES]) if campaign.script else []
    return {
        "campaign": campaign,
        "queue": dialer.campaign_queue_counts(campaign),
        "script_samples": [(c, scripts.render(campaign.script, c)) for c in samples],
        "script_missing": scripts.count_missing(campaign.script, members) if campaign.script else 0,
    }


@needs(Perm.VIEW)
@require_GET
def campaign_queue_panel(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """The calling panel alone, polled by htmx while the campaign runs."""
    return render(request, "contacts/dialer/_campaign_queue.html", queue_context(_campaign(request, campaign_id)))


@needs(Perm.EDIT)
@require_POST
def campaign_queue_action(request: HttpRequest, campaign_id: str, action: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    run = QUEUE_ACTIONS.get(action)
    if run is None:
        raise Http404("Unknown action.")
    try:
        count = run(campaign=campaign, actor=request.user)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if action == "start":
            messages.success(request, f"{campaign.name} is running: {count:,} call{'s' if count != 1 else ''} "
                                      "queued. DNC numbers and calling hours are checked again as each is dialed.")
        else:
            word = "paused" if action == "pause" else "stopped"
            messages.success(request, f"{campaign.name} {word}: {count:,} queued call{'s' if count != 1 else ''} "
                                      "canceled. Calls already under way finish.")
    return redirect("campaign_detail", campaign_id=campaign.public_id)


@needs(Perm.VIEW)
@require_GET
def contact_call_state(request: HttpRequest, contact_id: str) -> HttpResponse:
    """The contact's queued or active call, polled by htmx on the contact page."""
    contact = _contact(request, contact_id)
    return render(request, "contacts/dialer/_contact_call.html",
                  {"contact": contact, "open_call": dialer.call_get_for_contact(contact)})


@needs(Perm.EDIT)
@require_POST
def call_cancel(request: HttpRequest, call_id: str) -> HttpResponse:
    try:
        call = dialer.call_for_dialer(request.workspace, call_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc
    call = dialer.call_cancel(call=call, actor=request.user, reason="Canceled from the dashboard.")
    messages.success(request, "Call canceled." if call.status == "canceled" else "That call had already ended.")
    target = request.POST.get("next", "")
    if call.contact_id and not target.startswith("/calls/"):
        return redirect("contact_detail", contact_id=Call.objects.select_related("contact").get(pk=call.pk)
                        .contact.public_id)
    return redirect("call_list")
