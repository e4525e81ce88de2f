"""The calling loop: dialers claim due calls, report what happened, and campaigns queue their members.

DNC and calling hours are checked again at the moment a number is handed out (`calls_claim`), whatever
was true when the call was queued. A claim is one conditional UPDATE (`status = 'queued'` in its WHERE), so
two dialers can never receive the same call: on PostgreSQL the candidates are also locked with
`FOR UPDATE SKIP LOCKED` so concurrent claimers pass each other instead of queueing; on SQLite the UPDATE takes
the database's write lock first (an immediate write), and a call another claimer took in between simply no
longer matches.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, transaction
from django.db.models import Case, Count, Exists, F, JSONField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from contacts.campaigns import scripts
from contacts.campaigns.models import (
    ACTIVE_CALL_STATUSES,
    FINAL_CALL_STATUSES,
    OUTCOME_DNC_REQUESTED,
    OUTCOME_REVOKED_CONSENT,
    RETRYABLE_CALL_STATUSES,
    Call,
    CallDirection,
    CallStatus,
    Campaign,
    CampaignMembership,
    CampaignStatus,
)
from contacts.compliance import services as dnc_service
from contacts.compliance.audit import Actor, record_event
from contacts.compliance.consents import consent_revoke
from contacts.compliance.decision import Target, decide_many
from contacts.compliance.models import DncEntry, DncSource
from contacts.compliance.startcheck import exclude_refused
from contacts.contacts.models import Contact, ContactPhone, ContactStatus
from contacts.contacts.numbers import dial_numbers
from contacts.errors import NotFound, ValidationFailed
from contacts.webhooks import events as webhook_events
from contacts.workspaces.models import Workspace
from contacts.workspaces.permissions import Perm, require

MAX_CLAIM = 50
CLAIM_ROUNDS = 4  # rounds when candidates turn out to be DNC or outside their hours
LEASE_RETURNS = 1  # an expired claim goes back to the queue this many times, then the call fails
CHUNK = 2000
DNC_CANCEL_REASON = "The number is on the Do-Not-Call list."
CALL_UPDATE_FIELDS = ("status", "duration", "outcome", "sentiment", "recording_url", "transcript", "ended_at")
TRANSITIONS = {
    CallStatus.QUEUED: {CallStatus.CANCELED},
    CallStatus.DIALING: {CallStatus.IN_PROGRESS, *FINAL_CALL_STATUSES},
    CallStatus.IN_PROGRESS: set(FINAL_CALL_STATUSES),
}


@dataclass
class Claimed:
    call: Call
    script: str


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _due(workspace: Workspace, now: datetime, campaign: Campaign | None) -> QuerySet[Call]:
    due = Call.objects.filter(
        workspace=workspace, status=CallStatus.QUEUED, direction=CallDirection.OUTBOUND
    ).filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
    if campaign is not None:
        due = due.filter(campaign=campaign)
    return due


def _expired(workspace: Workspace | None, now: datetime) -> QuerySet[Call]:
    expired = Call.objects.filter(status__in=(CallStatus.DIALING, CallStatus.IN_PROGRESS), lease_expires_at__lt=now)
    return expired if workspace is None else expired.filter(workspace=workspace)


def calls_expire_leases(*, workspace: Workspace | None = None, now: datetime | None = None) -> dict[str, int]:
    """Claims nobody reported on in time: back to the queue once, then failed. No call is lost or doubled."""
    now = _now(now)
    expired = _expired(workspace, now)
    with transaction.atomic():
        returned = expired.filter(claim_count__lte=LEASE_RETURNS).update(
            status=CallStatus.QUEUED, claim_token="", lease_expires_at=None, agent="", updated_at=now
        )
        failed = expired.update(
            status=CallStatus.FAILED, outcome="lease_expired", ended_at=now, lease_expires_at=None, updated_at=now,
            cancel_reason="No result was reported before the claim expired, twice.",
        )
    return {"returned": returned, "failed": failed}


def calls_claim(
    *, workspace: Workspace, limit: int = 1, campaign: Campaign | None = None, agent: str = "", actor: Actor = None,
    now: datetime | None = None,
) -> list[Claimed]:
    """Hand out up to `limit` due calls, each allowed by the compliance decision at `now` (stored on the call).

    Refused for good (DNC, registry, consent): canceled with the reasons. Refused for now (hours, holiday,
    frequency cap): back in the queue until the decision's next allowed time."""
    require(actor, workspace, Perm.EDIT)
    if not 1 <= limit <= MAX_CLAIM:
        raise ValidationFailed(f"limit must be between 1 and {MAX_CLAIM}.", details={"limit": ["Out of range."]})
    now = _now(now)
    if _expired(workspace, now).exists():  # a read, no commit: most claims find nothing to return
        calls_expire_leases(workspace=workspace, now=now)
    token = secrets.token_hex(16)
    lease = timedelta(minutes=workspace.call_lease_minutes or 10)
    got = 0
    pg = connections[Call.objects.db].vendor == "postgresql"
    # One transaction for every round and the audit record: one commit per claim, the slowest step of a claim.
    with transaction.atomic():
        for _ in range(CLAIM_ROUNDS):
            wanted = limit - got
            if wanted <= 0:
                break
            # Oldest first: a call that waited for its calling hours is older than what was queued since.
            candidates = _due(workspace, now, campaign).order_by("created_at", "id")
            if pg:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            rows = list(candidates.select_related("contact", "campaign")[: wanted * 2])
            if not rows:
                break
            got += _claim_round(workspace, rows, wanted, now=now, token=token, lease=lease, agent=agent)
        claimed = list(Call.objects.filter(claim_token=token).select_related("contact", "campaign")
                       .order_by("claimed_at", "id"))
        if claimed:
            record_event(workspace=workspace, actor=actor, action="calls.claim", count=len(claimed),
                         details={"agent": agent, "calls": [c.public_id for c in claimed[:50]]})
    return [Claimed(c, scripts.render(c.campaign.script, c.contact) if c.campaign_id and c.contact_id else "")
            for c in claimed]


def _claim_round(workspace: Workspace, rows: list[Call], wanted: int, *, now: datetime, token: str,
                 lease: timedelta, agent: str) -> int:
    """Decide every candidate at `now` and write the outcome in three set-based UPDATEs (canceled, waiting,
    handed out), each still conditional on `status = 'queued'`. Returns the calls handed out."""
    # A contact's first number not on the DNC list (all listed: the primary, which the decision refuses).
    numbers = dial_numbers(workspace, [c.contact_id for c in rows if c.contact_id])
    dial = {c.pk: ((numbers.get(c.contact_id) or c.contact.phone) if c.contact_id else c.phone) for c in rows}
    verdicts = dict(zip((c.pk for c in rows), decide_many(workspace=workspace, at=now, targets=[
        Target(phone=dial[c.pk], metadata=c.contact.metadata if c.contact_id else None, campaign=c.campaign,
               contact_dnc=bool(c.contact_id and c.contact.is_dnc), contact_id=c.contact_id)
        for c in rows]), strict=True))
    canceled: list[Call] = []
    waiting: list[Call] = []
    chosen: list[Call] = []
    people_taken: set[Any] = set()
    for call in rows:
        verdict = verdicts[call.pk]
        call.updated_at = now
        if verdict.permanent:
            # Refused whatever the time: DNC, a registry file, no or revoked consent.
            outcome = "dnc" if "dnc_internal" in verdict.codes else verdict.codes[0]
            reason = DNC_CANCEL_REASON if outcome == "dnc" else verdict.summary()
            call.status, call.cancel_reason, call.outcome, call.ended_at = CallStatus.CANCELED, reason[:300], \
                outcome, now
            call.decision, call.rules_version = verdict.as_dict(), verdict.rules_version
            canceled.append(call)
        elif not verdict.allowed:
            # Wait for the hours, holiday or cap to allow it (a day, when the zones never share a window).
            call.not_before = verdict.next_allowed_at or now + timedelta(days=1)
            waiting.append(call)
        elif len(chosen) < wanted:  # one call per person (and number) per round: caps count the one handed out
            person = {("contact", call.contact_id), ("phone", dial[call.pk])} - {("contact", None)}
            if not person & people_taken:
                people_taken |= person
                chosen.append(call)
    still_queued = Call.objects.filter(status=CallStatus.QUEUED)
    if canceled:  # rare: each row its own reason
        still_queued.bulk_update(canceled, ["status", "cancel_reason", "outcome", "ended_at", "decision",
                                            "rules_version", "updated_at"])
    if waiting:
        still_queued.bulk_update(waiting, ["not_before", "updated_at"])
    if not chosen:
        return 0
    # One UPDATE hands them out: the same values for all but the decision (and the number, when it changed).
    decisions = [When(pk=c.pk, then=Value(verdicts[c.pk].as_dict(), output_field=JSONField())) for c in chosen]
    phones = [When(pk=c.pk, then=Value(dial[c.pk])) for c in chosen if c.phone != dial[c.pk]]
    return still_queued.filter(pk__in=[c.pk for c in chosen]).update(
        status=CallStatus.DIALING, claim_token=token, claimed_at=now, lease_expires_at=now + lease,
        agent=(agent or "")[:100], claim_count=F("claim_count") + 1, updated_at=now,
        decision=Case(*decisions, output_field=JSONField()), rules_version=verdicts[chosen[0].pk].rules_version,
        **({"phone": Case(*phones, default=F("phone"))} if phones else {}))


def _final_bookkeeping(call: Call, now: datetime) -> None:
    """A finished call counts on the contact (calls, last called)."""
    if call.contact_id is None or call.status == CallStatus.CANCELED:
        return
    called_at = call.claimed_at or call.created_at
    Contact.objects.filter(pk=call.contact_id).update(calls_count=F("calls_count") + 1)
    later = Q(last_called_at__isnull=True) | Q(last_called_at__lt=called_at)
    Contact.objects.filter(pk=call.contact_id).filter(later).update(last_called_at=called_at)


def _schedule_next(call: Call, *, at: datetime, reason: str) -> Call | None:
    """Queue the campaign's next attempt at this contact, unless its attempts are used up or it is DNC."""
    campaign = call.campaign
    if campaign is None or call.contact_id is None or campaign.status != CampaignStatus.ACTIVE:
        return None
    attempts = Call.objects.filter(campaign=campaign, contact_id=call.contact_id).exclude(
        status=CallStatus.CANCELED).count()
    if attempts >= campaign.max_attempts:
        return None
    contact = call.contact
    if contact.status == ContactStatus.DNC or Call.objects.filter(
            contact_id=call.contact_id, status__in=ACTIVE_CALL_STATUSES).exclude(pk=call.pk).exists():
        return None
    return Call.objects.create(
        workspace=call.workspace, contact=contact, campaign=campaign, phone=contact.phone,
        direction=CallDirection.OUTBOUND, status=CallStatus.QUEUED, not_before=at, attempt=attempts + 1,
        cancel_reason="", outcome="",
    )


@transaction.atomic
def call_update(*, call: Call, data: dict[str, Any], actor: Actor = None, now: datetime | None = None) -> Call:
    """A dialer reports progress or a result. Final statuses count on the contact; `dnc_requested` lists the
    number at once, `revoked_consent` revokes its consent at once (no retry either way); a retryable result
    (no answer, busy, voicemail) or `callback` with `callback_at` queues the
    next attempt."""
    workspace = call.workspace
    require(actor, workspace, Perm.EDIT)
    now = _now(now)
    call = Call.objects.select_for_update(of=("self",)).select_related("contact", "campaign").get(pk=call.pk)
    unknown = set(data) - {*CALL_UPDATE_FIELDS, "callback_at"}
    if unknown:
        raise ValidationFailed(f"Unknown field(s): {', '.join(sorted(unknown))}.",
                               details={k: ["Unknown field."] for k in sorted(unknown)})
    status = data.get("status")
    was_final = call.status in FINAL_CALL_STATUSES
    if status and status != call.status:
        if status not in TRANSITIONS.get(call.status, set()):
            raise ValidationFailed(
                f"A {call.get_status_display().lower()} call cannot become {status}.",
                details={"status": [f"Not allowed from {call.status}."]}, code="invalid_transition",
            )
        call.status = status
    elif was_final and any(k in data for k in ("duration", "recording_url", "transcript", "sentiment")):
        pass  # late details (recording, transcript) may still arrive for a finished call
    for name in ("duration", "outcome", "sentiment", "recording_url", "transcript", "ended_at"):
        if name in data and data[name] is not None:
            setattr(call, name, data[name])
    if call.status in FINAL_CALL_STATUSES and call.ended_at is None:
        call.ended_at = now
    if call.status == CallStatus.IN_PROGRESS and call.lease_expires_at is not None:
        call.lease_expires_at = now + timedelta(minutes=workspace.call_lease_minutes or 10)
    if call.status in FINAL_CALL_STATUSES:
        call.lease_expires_at = None
    call.save()
    became_final = call.status in FINAL_CALL_STATUSES and not was_final
    if became_final:
        _final_bookkeeping(call, now)
        webhook_events.call_finished(call)
    if (call.outcome or "").strip() == OUTCOME_DNC_REQUESTED and call.contact_id:
        dnc_service.dnc_add_number(
            workspace=workspace, phone=call.phone or call.contact.phone, stored=True, source=DncSource.CALL,
            reason=f"Requested during call {call.public_id}", actor=actor or "call",
        )
    elif (call.outcome or "").strip() == OUTCOME_REVOKED_CONSENT:
        consent_revoke(workspace=workspace, phone=call.phone or call.contact.phone, channel="call", stored=True,
                       note=f"Revoked during call {call.public_id}", actor=actor or "call", now=now)
    elif became_final:
        callback_at = data.get("callback_at")
        if (call.outcome or "") == "callback" and callback_at:
            _schedule_next(call, at=callback_at, reason="callback")
        elif call.status in RETRYABLE_CALL_STATUSES and call.campaign_id:
            _schedule_next(call, at=(call.ended_at or now) + call.campaign.retry_after, reason="retry")
    record_event(workspace=workspace, actor=actor, action="call.update", count=1,
                 details={"call": call.public_id, "status": call.status, "outcome": call.outcome})
    if call.contact_id:
        call.contact.refresh_from_db()
    return call


@transaction.atomic
def call_cancel(*, call: Call, reason: str = "Canceled from the dashboard.", actor: Actor = None) -> Call:
    """Cancel a queued call, or one a dialer holds (the dialer's later report is refused)."""
    require(actor, call.workspace, Perm.EDIT)
    now = timezone.now()
    changed = Call.objects.filter(pk=call.pk, status__in=ACTIVE_CALL_STATUSES).update(
        status=CallStatus.CANCELED, cancel_reason=reason[:300], ended_at=now, lease_expires_at=None, updated_at=now)
    call.refresh_from_db()
    if changed:
        record_event(workspace=call.workspace, actor=actor, action="call.cancel", count=1,
                     details={"call": call.public_id})
        webhook_events.call_finished(call)
    return call


# --- campaign queues ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueCounts:
    queued: int
    in_progress: int
    done: int
    excluded_dnc: int
    members: int

    def as_dict(self) -> dict[str, int]:
        return {"queued": self.queued, "in_progress": self.in_progress, "done": self.done,
                "excluded_dnc": self.excluded_dnc, "members": self.members}


def campaign_queue_counts(campaign: Campaign) -> QueueCounts:
    """Queued / in progress / done / excluded (DNC) for a campaign page: two aggregate queries."""
    by_status = dict(Call.objects.filter(campaign=campaign).order_by().values_list("status")
                     .annotate(n=Count("*")))
    members = CampaignMembership.objects.filter(campaign=campaign).aggregate(
        total=Count("*"), dnc=Count("pk", filter=Q(contact__status=ContactStatus.DNC)))
    return QueueCounts(
        queued=by_status.get(CallStatus.QUEUED, 0),
        in_progress=by_status.get(CallStatus.DIALING, 0) + by_status.get(CallStatus.IN_PROGRESS, 0),
        done=sum(n for s, n in by_status.items() if s in FINAL_CALL_STATUSES and s != CallStatus.CANCELED),
        excluded_dnc=members["dnc"], members=members["total"],
    )


def _eligible_members(campaign: Campaign, now: datetime) -> QuerySet[CampaignMembership]:
    """Members a start may queue: not DNC (nor on a registry file, nor without consent, when the campaign's rules
    say so), attempts left, none within retry_after, no call open in any campaign."""
    calls = Call.objects.filter(campaign=campaign, contact_id=OuterRef("contact_id"))
    attempted = (Call.objects.filter(campaign=campaign).exclude(status=CallStatus.CANCELED).order_by()
                 .values("contact_id").annotate(n=Count("*")).filter(n__gte=campaign.max_attempts)
                 .values("contact_id"))
    # Checked against the list itself, not only the status: a member needs one number that is not listed (the
    # claim dials the first such number).
    listed = DncEntry.objects.filter(workspace_id=campaign.workspace_id, phone=OuterRef("e164"))
    callable_number = ContactPhone.objects.filter(contact_id=OuterRef("contact_id")).exclude(Exists(listed))
    members = exclude_refused(
        CampaignMembership.objects.filter(campaign=campaign, contact__status=ContactStatus.ACTIVE), campaign, now)
    return (members
            .filter(Exists(callable_number))
            .exclude(contact_id__in=attempted)
            .exclude(Exists(Call.objects.filter(contact_id=OuterRef("contact_id"), status__in=ACTIVE_CALL_STATUSES)))
            .exclude(Exists(calls.exclude(status=CallStatus.CANCELED)
                            .filter(created_at__gte=now - campaign.retry_after))))


@transaction.atomic
def campaign_start(*, campaign: Campaign, actor: Actor = None, now: datetime | None = None) -> int:
    """Activate a campaign and queue every eligible member in one set-based pass. Returns calls queued.

    Only the set-based checks run here (DNC list, registry files for telemarketing, consent and revocations,
    as SQL); calling hours, holidays and frequency caps are decided at claim time, where a call waits for its
    next allowed time, so a 50,000-member start is a few bulk inserts.
    """
    require(actor, campaign.workspace, Perm.EDIT)
    now = _now(now)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == CampaignStatus.COMPLETED:
        raise ValidationFailed("This campaign was stopped; create a new one to call its members again.",
                               details={"status": ["completed"]}, code="campaign_completed")
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.ACTIVE, started_at=campaign.started_at or now)
    campaign.status = CampaignStatus.ACTIVE
    queued = _insert_calls_for(campaign, _eligible_members(campaign, now), now)
    campaign.started_at = campaign.started_at or now
    webhook_events.campaign_started(campaign, queued)
    record_event(workspace=campaign.workspace, actor=actor, action="campaign.start", count=queued,
                 details={"campaign": campaign.public_id})
    return queued


def _public_id_sql(vendor: str) -> str:
    """SQL for a fresh `call_<16 hex>` id per row, shaped like `new_public_id`'s."""
    if vendor == "postgresql":
        return "'call_' || substr(md5(random()::text || clock_timestamp()::text || m.member_contact::text), 1, 16)"
    return "'call_' || lower(hex(randomblob(8)))"


def _insert_calls_for(campaign: Campaign, members: QuerySet[CampaignMembership], now: datetime) -> int:
    """One INSERT ... SELECT: a queued call per eligible member, numbered after its earlier attempts.

    Building 50,000 model objects for bulk_create costs seconds of Python; the database does this in one pass.
    """
    connection = connections[Call.objects.db]
    table = Call._meta.db_table
    aliased = members.values(member_contact=F("contact_id"), member_phone=F("contact__phone"))
    select_sql, select_params = aliased.query.sql_with_params()
    sql = (
        f"INSERT INTO {table} (workspace_id, public_id, contact_id, campaign_id, phone, direction, status, "  # noqa: S608 - constant names
        "duration, sentiment, outcome, recording_url, transcript, created_at, updated_at, attempt, claim_token, "
        "claim_count, agent, cancel_reason, rules_version) "
        f"SELECT %s, {_public_id_sql(connection.vendor)}, m.member_contact, %s, m.member_phone, %s, %s, "
        "0, '', '', '', '', "
        f"%s, %s, (SELECT COUNT(*) FROM {table} p WHERE p.campaign_id = %s AND p.contact_id = m.member_contact "
        "AND p.status <> %s) + 1, '', 0, '', '', '' "
        f"FROM ({select_sql}) m"
    )
    params = [campaign.workspace_id, campaign.pk, CallDirection.OUTBOUND, CallStatus.QUEUED, now, now, campaign.pk,
              CallStatus.CANCELED, *select_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _cancel_queued(campaign: Campaign, reason: str) -> int:
    now = timezone.now()
    return Call.objects.filter(campaign=campaign, status=CallStatus.QUEUED).update(
        status=CallStatus.CANCELED, cancel_reason=reason, ended_at=now, updated_at=now)


def _halt(campaign: Campaign, *, status: str, verb: str, actor: Actor) -> int:
    require(actor, campaign.workspace, Perm.EDIT)
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.status = status
    canceled = _cancel_queued(campaign, f"The campaign was {verb}.")
    record_event(workspace=campaign.workspace, actor=actor, action=f"campaign.{verb}", count=canceled,
                 details={"campaign": campaign.public_id})
    return canceled


@transaction.atomic
def campaign_pause(*, campaign: Campaign, actor: Actor = None) -> int:
    """Pause: queued calls are canceled (calls under way finish); start again to re-queue. Returns canceled."""
    return _halt(campaign, status=CampaignStatus.PAUSED, verb="paused", actor=actor)


@transaction.atomic
def campaign_stop(*, campaign: Campaign, actor: Actor = None) -> int:
    """Stop for good: queued calls are canceled and no retry is queued again. Returns canceled."""
    return _halt(campaign, status=CampaignStatus.COMPLETED, verb="stopped", actor=actor)


def call_get_for_contact(contact: Contact) -> Call | None:
    """The contact's call that is queued or under way, if any (the contact page shows it live)."""
    return (Call.objects.filter(contact=contact, status__in=ACTIVE_CALL_STATUSES).select_related("campaign")
            .order_by("-created_at", "-id").first())


def call_for_dialer(workspace: Workspace, public_id: str) -> Call:
    call = Call.objects.filter(workspace=workspace, public_id=public_id).select_related("contact", "campaign").first()
    if call is None:
        raise NotFound(f"Call {public_id} doesn't exist.", code="call_not_found", details={"id": public_id})
    return call
