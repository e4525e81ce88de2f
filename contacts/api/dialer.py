"""API v1 for dialers: claim due calls, report on a call, and start / pause / stop campaign queues."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contacts import services
from contacts.campaigns import dialer, scripts
from contacts.campaigns.models import Call, CallStatus, Campaign, CampaignType, Sentiment
from contacts.workspaces.permissions import Perm

from . import responses as r
from . import serializers as s
from .views import ApiView, CampaignDetailView, campaign_body, validated


class ClaimIn(s.StrictSerializer):
    limit = serializers.IntegerField(min_value=1, max_value=dialer.MAX_CLAIM, required=False, default=1)
    campaign_id = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)
    agent = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CallPatchIn(s.StrictSerializer):
    status = serializers.ChoiceField(choices=CallStatus.choices, required=False)
    duration = serializers.IntegerField(min_value=0, max_value=7 * 24 * 3600, required=False)
    outcome = serializers.CharField(max_length=64, required=False, allow_blank=True)
    sentiment = serializers.ChoiceField(choices=Sentiment.choices, required=False, allow_blank=True)
    recording_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    transcript = serializers.CharField(required=False, allow_blank=True, max_length=200000)
    ended_at = serializers.DateTimeField(required=False)
    callback_at = serializers.DateTimeField(required=False)


class CampaignSettingsIn(s.StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    script = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    max_attempts = serializers.IntegerField(min_value=1, max_value=20, required=False)
    retry_after = serializers.IntegerField(min_value=60, max_value=30 * 86400, required=False,
                                           help_text="Seconds between attempts at one member")
    type = serializers.ChoiceField(choices=CampaignType.choices, required=False,
                                   help_text="telemarketing or informational")
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                    help_text="What the calls are about; frequency caps count per person per subject")


def claimed_body(claimed: dialer.Claimed) -> dict[str, Any]:
    call = claimed.call
    contact = call.contact
    return {
        **s.call_full(call),
        "dial": call.phone,
        "script": claimed.script,
        "attempt": call.attempt,
        "agent": call.agent or None,
        "lease_expires_at": s.ts(call.lease_expires_at),
        "decision": call.decision, "rules_version": call.rules_version or None,
        "contact": s.contact_detail(contact, [], []) if contact is not None else None,
    }


def call_body(call: Call) -> dict[str, Any]:
    return {**s.call_full(call), "attempt": call.attempt, "agent": call.agent or None,
            "not_before": s.ts(call.not_before), "lease_expires_at": s.ts(call.lease_expires_at),
            "cancel_reason": call.cancel_reason or None, "updated_at": s.ts(call.updated_at),
            "decision": call.decision, "rules_version": call.rules_version or None}


def campaign_full(campaign: Campaign) -> dict[str, Any]:
    return {**campaign_body(campaign), "script": campaign.script, "max_attempts": campaign.max_attempts,
            "retry_after": int(campaign.retry_after.total_seconds()), "started_at": s.ts(campaign.started_at),
            "queue": dialer.campaign_queue_counts(campaign).as_dict()}


class ClaimView(ApiView):
    perms = {"POST": Perm.EDIT}

    @extend_schema(operation_id="calls_claim", request=ClaimIn, responses={200: r.ClaimedCalls})
    def post(self, request: Request) -> Response:
        data = validated(ClaimIn, request.data or {})
        campaign = self.campaign(request, data.get("campaign_id"))
        claimed = dialer.calls_claim(workspace=self.workspace(request), limit=data["limit"], campaign=campaign,
                                     agent=data.get("agent") or "", actor=request.auth)
        return Response({"data": [claimed_body(c) for c in claimed], "meta": {"claimed": len(claimed)}})


class CallDetailView(ApiView):
    perms = {"GET": Perm.VIEW, "PATCH": Perm.EDIT}

    @extend_schema(operation_id="calls_retrieve", responses={200: r.DialerCallResponse})
    def get(self, request: Request, call_id: str) -> Response:
        return Response({"data": call_body(dialer.call_for_dialer(self.workspace(request), call_id))})

    @extend_schema(operation_id="calls_update", request=CallPatchIn, responses={200: r.DialerCallResponse})
    def patch(self, request: Request, call_id: str) -> Response:
        call = dialer.call_for_dialer(self.workspace(request), call_id)
        data = validated(CallPatchIn, request.data or {})
        call = dialer.call_update(call=call, data=data, actor=request.auth)
        return Response({"data": call_body(call)})


class CampaignSettingsView(CampaignDetailView):
    """GET as before; PATCH changes the name, script, attempts and retry spacing."""

    perms = {"GET": Perm.VIEW, "PATCH": Perm.EDIT}

    @extend_schema(operation_id="campaigns_retrieve", responses={200: r.CampaignDetailResponse})
    def get(self, request: Request, campaign_id: str) -> Response:
        return Response({"data": campaign_full(self.campaign(request, campaign_id))})

    @extend_schema(operation_id="campaigns_update", request=CampaignSettingsIn,
                   responses={200: r.CampaignDetailResponse})
    def patch(self, request: Request, campaign_id: str) -> Response:
        campaign = self.campaign(request, campaign_id)
        data = validated(CampaignSettingsIn, request.data or {})
        if "retry_after" in data:
            data["retry_after"] = timedelta(seconds=data["retry_after"])
        campaign = services.campaign_update(campaign=campaign, actor=request.auth, **data)
        return Response({"data": campaign_full(campaign)})


def _campaign_action(action: str):
    run = {"start": dialer.campaign_start, "pause": dialer.campaign_pause, "stop": dialer.campaign_stop}[action]
    key = "queued" if action == "start" else "canceled"
    shape = r.CampaignStartedResponse if action == "start" else r.CampaignHaltedResponse

    class CampaignActionView(ApiView):
        perms = {"POST": Perm.EDIT}

        @extend_schema(operation_id=f"campaigns_{action}", request=None, responses={200: shape})
        def post(self, request: Request, campaign_id: str) -> Response:
            campaign = self.campaign(request, campaign_id)
            count = run(campaign=campaign, actor=request.auth)
            campaign.refresh_from_db()
            return Response({"data": {**campaign_full(campaign), key: count}})

    CampaignActionView.__name__ = f"Campaign{action.title()}View"
    return CampaignActionView


CampaignStartView = _campaign_action("start")
CampaignPauseView = _campaign_action("pause")
CampaignStopView = _campaign_action("stop")


class ScriptPreviewView(ApiView):
    perms = {"GET": Perm.VIEW}

    @extend_schema(operation_id="campaigns_script_preview", request=None, responses={200: r.ScriptPreviewResponse})
    def get(self, request: Request, campaign_id: str) -> Response:
        campaign = self.campaign(request, campaign_id)
        members = campaign.contacts.all()
        sample = list(members.order_by("campaign_memberships__added_at")[:5])
        return Response({"data": {
            "script": campaign.script,
            "variables": [v.name for v in scripts.variables(campaign.script)],
            "missing": scripts.count_missing(campaign.script, members),
            "samples": [{"contact_id": c.public_id, "text": scripts.render(campaign.script, c)} for c in sample],
        }})
