"""API v1 for compliance: the what-if decision, a contact's consent ledger and revocation by number."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contacts.compliance import consents
from contacts.compliance.decision import decide
from contacts.contacts.models import Contact
from contacts.workspaces.permissions import Perm
from contacts.workspaces.rules import normalize_for_workspace

from . import responses as r
from . import serializers as s
from .views import ApiView, validated


class ComplianceCheckView(ApiView):
    """What the decision says for a number, campaign and time: allowed, every reason, the rule set version."""

    perms = {"POST": Perm.VIEW}

    @extend_schema(operation_id="compliance_check", request=s.ComplianceCheckIn,
                   responses={200: r.ComplianceDecisionResponse})
    def post(self, request: Request) -> Response:
        data = validated(s.ComplianceCheckIn, request.data or {})
        workspace = self.workspace(request)
        phone = normalize_for_workspace(workspace, data["phone"])
        campaign = self.campaign(request, data.get("campaign_id"))
        contact = Contact.objects.filter(workspace=workspace, phone=phone).first()
        verdict = decide(workspace=workspace, phone=phone, campaign=campaign, contact=contact, at=data.get("at"))
        body = verdict.as_dict()
        body["campaign_id"] = campaign.public_id if campaign else None
        body["contact_id"] = contact.public_id if contact else None
        return Response({"data": body})


class ContactConsentsView(ApiView):
    perms = {"GET": Perm.VIEW, "POST": Perm.EDIT}

    @extend_schema(operation_id="contacts_consents_list", responses={200: r.ConsentHistory})
    def get(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        history = consents.consent_history(contact.workspace, contact.phone)
        state = consents.consent_state(contact.workspace, contact.phone)
        rows = [s.consent_body(e["record"]) if e["type"] == "consent" else s.revocation_body(e["record"])
                for e in history]
        return Response({"data": rows, "meta": {
            "phone": contact.phone, "express": state.active("express"),
            "express_written": state.active("express_written"), "revoked": state.revoked,
            "revoked_at": s.ts(state.revoked_at)}})

    @extend_schema(operation_id="contacts_consents_create", request=s.ConsentIn,
                   responses={201: r.ConsentRecordResponse})
    def post(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        data = validated(s.ConsentIn, request.data or {})
        record = consents.consent_record(workspace=contact.workspace, phone=contact.phone, contact=contact,
                                         stored=True, actor=request.auth, **data)
        return Response({"data": s.consent_body(record)}, status=201)


class ConsentRevokeView(ApiView):
    """Revoke consent for a number, effective at once, by the API channel."""

    perms = {"POST": Perm.DNC_ADD}

    @extend_schema(operation_id="consents_revoke", request=s.RevokeIn, responses={201: r.ConsentRevocationResponse})
    def post(self, request: Request) -> Response:
        data = validated(s.RevokeIn, request.data or {})
        revocation = consents.consent_revoke(workspace=self.workspace(request), phone=data["phone"], channel="api",
                                             note=data.get("note") or "", revoked_at=data.get("revoked_at"),
                                             actor=request.auth)
        return Response({"data": s.revocation_body(revocation)}, status=201)
