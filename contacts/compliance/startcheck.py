"""The set-based part of the decision, as SQL for campaign start: registry files, consent and revocations.

A start queues thousands of members in one INSERT ... SELECT, so it applies only what SQL can say about every
member at once (the workspace's DNC list is excluded by the start itself). Time rules (hours, holidays, caps) and
anything that needs the contact's own state are decided per call at claim time, which refuses what the start
let through.
"""
from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, Length, Substr

from contacts.compliance.jurisdiction import us_area_codes
from contacts.compliance.models import ConsentRecord, ConsentRevocation, RegistryBlock
from contacts.compliance.ruleset import CONSENT_STRENGTH

PHONE = "contact__phone"


class GetBit(Func):
    """get_bit(bytea, n): PostgreSQL's own; SQLite gets the same function from contacts.apps."""

    function = "get_bit"
    output_field = IntegerField()


def _active_consent(kinds: list[str], now: datetime) -> Exists:
    """A consent of one of `kinds`, captured by `now`, with no revocation after it (up to `now`)."""
    later_revocation = ConsentRevocation.objects.filter(
        workspace_id=OuterRef("workspace_id"), phone=OuterRef("phone"), revoked_at__gte=OuterRef("captured_at"),
        revoked_at__lte=now)
    return Exists(ConsentRecord.objects.filter(
        workspace_id=OuterRef("campaign__workspace_id"), phone=OuterRef(PHONE), kind__in=kinds, captured_at__lte=now,
    ).exclude(Exists(later_revocation)))


def _revoked(now: datetime) -> Exists:
    """A revocation by `now` with no consent of any kind given after it."""
    consent_after = ConsentRecord.objects.filter(
        workspace_id=OuterRef("workspace_id"), phone=OuterRef("phone"), captured_at__gt=OuterRef("revoked_at"),
        captured_at__lte=now)
    return Exists(ConsentRevocation.objects.filter(
        workspace_id=OuterRef("campaign__workspace_id"), phone=OuterRef(PHONE), revoked_at__lte=now,
    ).exclude(Exists(consent_after)))


def _on_registry() -> Exists:
    return Exists(RegistryBlock.objects.filter(
        workspace_id=OuterRef("campaign__workspace_id"), prefix=Substr(OuterRef(PHONE), 3, 6),
    ).annotate(bit=GetBit(F("bits"), Cast(Substr(OuterRef(PHONE), 9, 4), IntegerField()))).filter(bit=1))


def exclude_refused(members: QuerySet, campaign, now: datetime) -> QuerySet:
    """CampaignMembership rows less those the decision refuses for good for this campaign at `now`."""
    from contacts.compliance.decision import workspace_rule_set

    rules, _ = workspace_rule_set(campaign.workspace)
    today = now.astimezone(UTC).date()  # the decision's effective-date test
    kind = campaign.type
    live = [r for r in rules.rules if kind in r.applies_to and r.effective <= today]
    members = members.alias(npa=Substr(PHONE, 3, 3))
    # The decision's own test of a US number (jurisdiction.us_area_codes), so start and claim agree.
    members = members.alias(phone_length=Length(PHONE))
    us = Q(contact__phone__startswith="+1", phone_length=12, npa__in=sorted(us_area_codes()))
    exclusions: list[Q] = []
    for jurisdiction, scope in (("*", Q()), ("US", us)):
        here = [r for r in live if r.jurisdiction == jurisdiction]
        if any(r.kind == "registry" for r in here):
            exclusions.append(scope & Q(_on_registry()))
        required = [r.params["requires"] for r in here if r.kind == "consent"]
        if required:
            strongest = max(required, key=CONSENT_STRENGTH.__getitem__)
            kinds = [k for k, strength in CONSENT_STRENGTH.items() if strength >= CONSENT_STRENGTH[strongest]]
            exclusions.append(scope & ~Q(_active_consent(kinds, now)))
        if any(r.kind == "revocation" for r in here):
            exclusions.append(scope & Q(_revoked(now)))
    for exclusion in exclusions:
        members = members.exclude(exclusion)
    return members
