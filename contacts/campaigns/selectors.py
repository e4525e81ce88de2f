"""Reads about campaigns and calls: fetch one in a workspace, preview an add, and the overview's numbers."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from contacts.campaigns.models import Call, Campaign, CampaignAdd, CampaignMembership
from contacts.contacts.models import Contact, ContactStatus
from contacts.errors import NotFound
from contacts.imports.models import ImportBatch
from contacts.workspaces.models import Workspace


@dataclass(frozen=True)
class MembershipChange:
    """What an add did (or, from campaign_add_preview, would do)."""

    added: int
    skipped_dnc: int
    already_members: int
    add: CampaignAdd | None = None  # the recorded add whose members can be removed together; None if nothing new


def campaign_get(workspace: Workspace, public_id: str) -> Campaign:
    campaign = Campaign.objects.for_workspace(workspace).filter(public_id=public_id).select_related("workspace").first()
    if campaign is None:
        raise NotFound(f"Campaign {public_id} doesn't exist.", code="campaign_not_found", details={"id": public_id})
    return campaign


def campaign_add_get(campaign: Campaign, public_id: str) -> CampaignAdd:
    add = CampaignAdd.objects.filter(campaign=campaign, public_id=public_id).select_related("campaign").first()
    if add is None:
        raise NotFound(f"No add {public_id} in campaign {campaign.public_id}.", code="campaign_add_not_found",
                       details={"id": public_id})
    return add


def campaign_add_preview(*, campaign: Campaign, contacts: QuerySet[Contact]) -> MembershipChange:
    """What adding `contacts` would do, in one query and without writing: new members, DNC skipped, already in."""
    selected = contacts.filter(workspace_id=campaign.workspace_id).order_by()
    member = Exists(CampaignMembership.objects.filter(campaign=campaign, contact_id=OuterRef("pk")))
    active = Q(status=ContactStatus.ACTIVE)
    counts = selected.aggregate(
        new=Count("pk", filter=active & ~member), already=Count("pk", filter=active & member),
        dnc=Count("pk", filter=Q(status=ContactStatus.DNC)),
    )
    return MembershipChange(added=counts["new"], skipped_dnc=counts["dnc"], already_members=counts["already"])


def campaign_recent_adds(campaign: Campaign, limit: int = 5) -> list[CampaignAdd]:
    """The latest adds, each with `remaining`: how many of its members are still in the campaign."""
    still = CampaignMembership.objects.filter(added_by=OuterRef("pk")).order_by().values("added_by")
    remaining = Coalesce(Subquery(still.annotate(n=Count("*")).values("n"), output_field=IntegerField()), Value(0))
    return list(CampaignAdd.objects.filter(campaign=campaign).select_related("actor")
                .annotate(remaining=remaining).order_by("-created_at", "-id")[:limit])


def call_get(workspace: Workspace, public_id: str) -> Call:
    call = Call.objects.for_workspace(workspace).filter(public_id=public_id).first()
    if call is None:
        raise NotFound(f"Call {public_id} doesn't exist.", code="call_not_found", details={"id": public_id})
    return call


# --- dashboard: overview numbers and charts ---------------------------------------------------------------
ANSWERED_STATUSES = ("completed", "voicemail")


def overview_stats(workspace: Workspace, *, now=None) -> dict:
    """The numbers and chart series of the overview page, in a handful of aggregate queries."""
    from datetime import timedelta

    from django.db.models import Count
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    now = now or timezone.now()
    contacts = Contact.objects.for_workspace(workspace)
    # Bounded: exact up to the count cap, an estimate above it (a GROUP BY over 1,000,000 rows took 0.8 s)
    from contacts.counting import bounded_count

    active_total = bounded_count(contacts.filter(status="active"))
    dnc_total = bounded_count(contacts.filter(status="dnc"))
    added_total = bounded_count(contacts.filter(created_at__gte=now - timedelta(days=30)))
    calls = Call.objects.for_workspace(workspace)
    since_30 = now - timedelta(days=30)
    since_7 = now - timedelta(days=7)
    recent = calls.filter(created_at__gte=since_30).order_by()
    per_status = dict(recent.values_list("status").annotate(n=Count("*")))
    calls_30 = sum(per_status.values())
    answered_30 = sum(n for s, n in per_status.items() if s == "completed")
    finished_30 = sum(n for s, n in per_status.items() if s not in ("queued", "dialing", "in_progress", "canceled"))
    calls_7 = recent.filter(created_at__gte=since_7).count()
    sentiment = dict(recent.exclude(sentiment="").values_list("sentiment").annotate(n=Count("*")))
    # Calls per day over the last 14 days, answered vs not.
    start = (now - timedelta(days=13)).date()
    daily = (calls.filter(created_at__date__gte=start).order_by().annotate(day=TruncDate("created_at"))
             .values_list("day", "status").annotate(n=Count("*")))
    days = [start + timedelta(days=i) for i in range(14)]
    answered = dict.fromkeys(days, 0)
    unanswered = dict.fromkeys(days, 0)
    for day, status, n in daily:
        if day in answered:
            (answered if status == "completed" else unanswered)[day] += n
    # Outcomes by campaign (top 8 campaigns by calls, top 6 outcomes).
    rows = list(recent.filter(campaign__isnull=False).exclude(outcome="")
                .values_list("campaign__name", "outcome").annotate(n=Count("*")))
    campaign_totals: dict[str, int] = {}
    outcome_totals: dict[str, int] = {}
    for name, outcome, n in rows:
        campaign_totals[name] = campaign_totals.get(name, 0) + n
        outcome_totals[outcome] = outcome_totals.get(outcome, 0) + n
    top_campaigns = sorted(campaign_totals, key=lambda k: -campaign_totals[k])[:8]
    top_outcomes = sorted(outcome_totals, key=lambda k: -outcome_totals[k])[:6]
    cells = {(name, outcome): n for name, outcome, n in rows}
    return {
        "active": active_total.value,
        "dnc": dnc_total.value,
        "contacts_added_30": added_total.value,
        "active_total": active_total, "dnc_total": dnc_total, "added_total": added_total,
        "calls_7": calls_7,
        "calls_30": calls_30,
        "answer_rate": round(100 * answered_30 / finished_30) if finished_30 else None,
        "sentiment": {"labels": ["Positive", "Neutral", "Negative"],
                      "data": [sentiment.get(s, 0) for s in ("positive", "neutral", "negative")]},
        "has_sentiment": bool(sentiment),
        "calls_per_day": {"labels": [d.strftime("%b %d") for d in days], "answered": list(answered.values()),
                          "unanswered": list(unanswered.values())},
        "outcomes": {"labels": top_campaigns, "datasets": [
            {"label": o, "data": [cells.get((c, o), 0) for c in top_campaigns]} for o in top_outcomes]},
        "imports": list(ImportBatch.objects.for_workspace(workspace).order_by("-created_at")[:5]),
    }
