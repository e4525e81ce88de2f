"""Property: no claim ever hands out a call that the decision function refuses at the claim time."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contacts import services
from contacts.campaigns import dialer
from contacts.compliance import manage
from contacts.compliance.consents import consent_revoke
from contacts.compliance.decision import Target, decide_many, subject_key
from contacts.compliance.ruleset import shipped_rules
from contacts.models import Call, CallDirection, CallStatus
from tests.factories import give_consent, make_workspace

pytestmark = pytest.mark.django_db

AREAS = ("305", "405", "205", "504", "601", "801", "415", "212")  # FL OK AL LA MS UT CA NY
START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # a week around Thanksgiving (26 Nov) and two Sundays
_serial = itertools.count()

person = st.fixed_dictionaries({
    "area": st.sampled_from(AREAS),
    "state": st.sampled_from(["", "", "FL", "OK", "Utah"]),
    "consent": st.sampled_from(["none", "express", "express_written", "express_written"]),
    "revoked": st.booleans(),
    "dnc": st.integers(0, 9).map(lambda n: n == 0),
    "registry": st.integers(0, 5).map(lambda n: n == 0),
    "recent_calls": st.integers(0, 4),
    "campaign": st.integers(0, 2),
    "queued": st.integers(1, 2),  # a second queued call for the same person (another campaign, maybe one subject)
})
CAPS = {r.id: r.params for r in shipped_rules().of_kind("frequency_cap")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(people=st.lists(person, min_size=1, max_size=12),
       minutes=st.integers(0, 7 * 24 * 60 - 1),
       types=st.lists(st.sampled_from(["telemarketing", "informational"]), min_size=3, max_size=3),
       limit=st.integers(1, 10))
# Always tried: a Floridian with 2 calls on the subject today and 2 more queued on it (the claim may hand out one).
@example(people=[{"area": "305", "state": "", "consent": "express_written", "revoked": False, "dnc": False,
                  "registry": False, "recent_calls": 2, "campaign": 0, "queued": 2}],
         minutes=14 * 60, types=["telemarketing"] * 3, limit=5)
def test_no_claim_hands_out_a_refused_call(people, minutes, types, limit):
    now = START + timedelta(minutes=minutes)
    with transaction.atomic():
        workspace = make_workspace(f"prop-{next(_serial)}")
        campaigns = [services.campaign_create(workspace=workspace, name=f"c{i}", type=t, subject="solar" if i < 2
                                              else "roofs") for i, t in enumerate(types)]
        registry_lines = []
        for i, p in enumerate(people):
            phone = f"+1{p['area']}555{i:04d}"
            contact = services.contact_create(workspace=workspace, phone=phone,
                                              metadata={"state": p["state"]} if p["state"] else {})
            if p["consent"] != "none":
                give_consent(workspace, phone, p["consent"], now - timedelta(days=30))
            if p["revoked"]:
                consent_revoke(workspace=workspace, phone=phone, channel="api", stored=True,
                               revoked_at=now - timedelta(days=1), now=now)
            if p["registry"]:
                registry_lines.append(phone[2:])
            for h in range(p["recent_calls"]):
                services.call_log(workspace=workspace, contact=contact, campaign=campaigns[p["campaign"]],
                                  created_at=now - timedelta(hours=3 * h + 1))
            if p["dnc"]:
                services.contact_mark_dnc(contact=contact, reason="asked")
            for n in range(p["queued"]):
                Call.objects.create(workspace=workspace, contact=contact, campaign=campaigns[(p["campaign"] + n) % 3],
                                    phone=phone, direction=CallDirection.OUTBOUND, status=CallStatus.QUEUED)
        if registry_lines:
            manage.registry_import(workspace=workspace, lines=registry_lines, name="r", downloaded_on=date(2026, 11, 1))

        queued = list(Call.objects.filter(workspace=workspace, status=CallStatus.QUEUED)
                      .select_related("contact", "campaign"))
        before = decide_many(workspace=workspace, at=now, targets=[
            Target(c.phone, c.contact.metadata, c.campaign, c.contact.is_dnc, c.contact_id) for c in queued])
        allowed_before = {c.pk for c, d in zip(queued, before, strict=True) if d.allowed}

        claimed = dialer.calls_claim(workspace=workspace, limit=limit, now=now)
        for item in claimed:
            assert item.call.pk in allowed_before, item.call.decision
            assert item.call.decision["allowed"] is True
        # Handing out several calls at one instant never takes a person past a cap: the calls placed before the
        # claim to a claimed call's person on its subject, plus the capped calls this claim handed out to them.
        verdicts = dict(zip((c.pk for c in queued), before, strict=True))
        now_ids = {item.call.pk for item in claimed}
        for item in claimed:
            call, subject = item.call, verdicts[item.call.pk].subject
            for rule_id in set(verdicts[call.pk].rules_applied) & set(CAPS):
                cap = CAPS[rule_id]
                placed = [c for c in Call.objects.filter(contact_id=call.contact_id).exclude(
                    status__in=(CallStatus.QUEUED, CallStatus.CANCELED)).select_related("campaign")
                    if subject_key(c.campaign.subject if c.campaign else "") == subject
                    and now - timedelta(hours=cap["hours"]) < (c.claimed_at or c.created_at) <= now]
                earlier = [c for c in placed if c.pk not in now_ids]
                capped_now = [c for c in placed if c.pk in now_ids and rule_id in verdicts[c.pk].rules_applied]
                assert len(earlier) + len(capped_now) <= cap["max_calls"], (rule_id, len(earlier), len(capped_now))
        # nothing the decision allows was canceled; a refusal for now waits (the claim may stop before a row),
        # unless a call to the same person was just handed out and the cap now counts it
        handed_to = {item.call.contact_id for item in claimed}
        for call, verdict in zip(queued, before, strict=True):
            call.refresh_from_db()
            if call.status == CallStatus.CANCELED:
                assert verdict.permanent and call.decision["reasons"]
            elif call.status == CallStatus.QUEUED and call.not_before is not None:
                assert call.not_before > now
                assert not verdict.allowed or call.contact_id in handed_to
        transaction.set_rollback(True)
