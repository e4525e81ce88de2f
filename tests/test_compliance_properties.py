"""Property: no claim ever hands out a call that the decision function refuses at the claim time."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts import services
from contacts.campaigns import dialer
from contacts.compliance import manage
from contacts.compliance.consents import consent_revoke
from contacts.compliance.decision import Target, decide_many
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
})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(people=st.lists(person, min_size=1, max_size=12),
       minutes=st.integers(0, 7 * 24 * 60 - 1),
       types=st.lists(st.sampled_from(["telemarketing", "informational"]), min_size=3, max_size=3),
       limit=st.integers(1, 10))
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
            Call.objects.create(workspace=workspace, contact=contact, campaign=campaigns[p["campaign"]], phone=phone,
                                direction=CallDirection.OUTBOUND, status=CallStatus.QUEUED)
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
        # nothing the decision allows was canceled; a refusal for now waits (the claim may stop before a row)
        for call, verdict in zip(queued, before, strict=True):
            call.refresh_from_db()
            if call.status == CallStatus.CANCELED:
                assert verdict.permanent and call.decision["reasons"]
            elif call.status == CallStatus.QUEUED and call.not_before is not None:
                assert not verdict.allowed and call.not_before > now
        transaction.set_rollback(True)
