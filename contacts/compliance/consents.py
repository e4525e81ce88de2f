"""The consent ledger: record consent with its proof, revoke it by any channel, and read a number's state."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from contacts.compliance.audit import Actor, actor_fields, record_event
from contacts.compliance.models import (
    ConsentKind,
    ConsentRecord,
    ConsentRevocation,
    ConsentSource,
    RevocationChannel,
)
from contacts.errors import ValidationFailed
from contacts.workspaces.models import Workspace
from contacts.workspaces.permissions import Perm, require
from contacts.workspaces.rules import normalize_for_workspace

CHUNK = 2000
FUTURE_SLACK = timedelta(minutes=5)  # clocks differ a little; a consent from next week is a mistake


@dataclass(frozen=True)
class ConsentState:
    """A number's consent at an instant: the newest consent of each kind and the newest revocation."""

    express_at: datetime | None = None
    written_at: datetime | None = None
    revoked_at: datetime | None = None

    def active(self, required: str) -> bool:
        """Whether a consent strong enough for `required` was given after the newest revocation."""
        candidates = [self.written_at] if required == ConsentKind.EXPRESS_WRITTEN else [self.written_at,
                                                                                        self.express_at]
        return any(c is not None and (self.revoked_at is None or c > self.revoked_at) for c in candidates)

    @property
    def revoked(self) -> bool:
        """Revoked and not given again since."""
        newest = max((c for c in (self.express_at, self.written_at) if c is not None), default=None)
        return self.revoked_at is not None and (newest is None or newest <= self.revoked_at)


def consent_states_among(workspace: Workspace, phones: Iterable[str], at: datetime | None = None
                         ) -> dict[str, ConsentState]:
    """Each number's consent state at `at` (events after it are ignored): two grouped queries per 2,000 numbers."""
    at = at or timezone.now()
    numbers = list(dict.fromkeys(phones))
    raw: dict[str, dict[str, Any]] = {}
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start:start + CHUNK]
        consents = (ConsentRecord.objects.filter(workspace=workspace, phone__in=chunk, captured_at__lte=at)
                    .order_by().values_list("phone", "kind").annotate(latest=Max("captured_at")))
        for phone, kind, latest in consents:
            raw.setdefault(phone, {})["written_at" if kind == ConsentKind.EXPRESS_WRITTEN else "express_at"] = latest
        revocations = (ConsentRevocation.objects.filter(workspace=workspace, phone__in=chunk, revoked_at__lte=at)
                       .order_by().values_list("phone").annotate(latest=Max("revoked_at")))
        for phone, latest in revocations:
            raw.setdefault(phone, {})["revoked_at"] = latest
    return {phone: ConsentState(**values) for phone, values in raw.items()}


def consent_state(workspace: Workspace, phone: str, at: datetime | None = None) -> ConsentState:
    return consent_states_among(workspace, [phone], at).get(phone, ConsentState())


def _when(value: datetime | None, name: str, now: datetime) -> datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        raise ValidationFailed(f"{name} needs a time zone (e.g. 2026-05-01T14:30:00Z).", details={name: ["No zone."]})
    if value > now + FUTURE_SLACK:
        raise ValidationFailed(f"{name} cannot be in the future.", details={name: ["In the future."]})
    return value


@transaction.atomic
def consent_record(
    *, workspace: Workspace, phone: str, kind: str, source: str, captured_at: datetime | None = None,
    proof_url: str = "", proof_ip: str | None = None, proof_text: str = "", recording_id: str = "",
    contact: Any = None, actor: Actor = None, stored: bool = False, now: datetime | None = None,
) -> ConsentRecord:
    """Record a consent for a number (parsed for the workspace unless `stored`), with its proof."""
    require(actor, workspace, Perm.EDIT)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if kind not in ConsentKind.values:
        errors["kind"] = [f"Use one of {', '.join(ConsentKind.values)}."]
    if source not in ConsentSource.values:
        errors["source"] = [f"Use one of {', '.join(ConsentSource.values)}."]
    if not any((proof_url, proof_ip, (proof_text or "").strip(), recording_id)):
        errors["proof"] = ["Keep some proof: the form URL, the IP address, the text shown or a recording id."]
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(f"{first[0]}: {first[1][0]}", details=errors)
    captured_at = _when(captured_at, "captured_at", now)
    e164 = phone if stored else normalize_for_workspace(workspace, phone)
    if contact is None:
        from contacts.contacts.models import Contact

        contact = Contact.objects.filter(workspace=workspace, phone=e164).first()
    record = ConsentRecord.objects.create(
        workspace=workspace, phone=e164, contact=contact, kind=kind, source=source, captured_at=captured_at,
        proof_url=proof_url or "", proof_ip=proof_ip or None, proof_text=(proof_text or "")[:20000],
        recording_id=(recording_id or "")[:200], actor_label=actor_fields(actor)["actor_label"],
    )
    record_event(workspace=workspace, actor=actor, action="consent.record", count=1,
                 details={"consent": record.public_id, "phone": e164, "kind": kind, "source": source})
    return record


@transaction.atomic
def consent_revoke(
    *, workspace: Workspace, phone: str, channel: str, note: str = "", revoked_at: datetime | None = None,
    actor: Actor = None, stored: bool = False, now: datetime | None = None,
) -> ConsentRevocation:
    """Revoke every consent for a number, effective at once (or at `revoked_at`, never later than now)."""
    require(actor, workspace, Perm.DNC_ADD)
    now = now or timezone.now()
    if channel not in RevocationChannel.values:
        raise ValidationFailed(f"channel: use one of {', '.join(RevocationChannel.values)}.",
                               details={"channel": ["Unknown channel."]})
    revoked_at = _when(revoked_at, "revoked_at", now)
    e164 = phone if stored else normalize_for_workspace(workspace, phone)
    revocation = ConsentRevocation.objects.create(
        workspace=workspace, phone=e164, channel=channel, note=(note or "")[:500], revoked_at=revoked_at,
        actor_label=actor_fields(actor)["actor_label"],
    )
    record_event(workspace=workspace, actor=actor, action="consent.revoke", count=1,
                 details={"revocation": revocation.public_id, "phone": e164, "channel": channel})
    return revocation


def consent_history(workspace: Workspace, phone: str) -> list[dict[str, Any]]:
    """A number's consents and revocations, newest first (API and contact page)."""
    events: list[dict[str, Any]] = []
    for record in ConsentRecord.objects.filter(workspace=workspace, phone=phone):
        events.append({"type": "consent", "at": record.captured_at, "record": record})
    for revocation in ConsentRevocation.objects.filter(workspace=workspace, phone=phone):
        events.append({"type": "revocation", "at": revocation.revoked_at, "record": revocation})
    return sorted(events, key=lambda e: e["at"], reverse=True)
