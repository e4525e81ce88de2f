"""Compliance writes a compliance officer makes: registry files in and out, workspace rules, and the calls report."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.compliance import registry
from contacts.compliance.audit import Actor, actor_fields, record_event
from contacts.compliance.jurisdiction import normalize_state
from contacts.compliance.models import RegistryKind, RegistrySource, WorkspaceRule
from contacts.compliance.ruleset import RulesFileError, parse_workspace_rule
from contacts.csvsafe import escape_cell
from contacts.errors import NotFound, ValidationFailed
from contacts.labels import column_headers
from contacts.workspaces.models import Workspace
from contacts.workspaces.permissions import Perm, require

REPORT_HEADER = ("call_id", "claimed_at", "phone", "contact_id", "campaign_id", "campaign_type", "subject", "status",
                 "outcome", "allowed", "rules_version", "jurisdiction", "reasons", "decided_at")


@transaction.atomic
def registry_import(
    *, workspace: Workspace, lines: Iterable[str], name: str, downloaded_on: date, kind: str = RegistryKind.NATIONAL,
    state: str = "", actor: Actor = None,
) -> tuple[RegistrySource, registry.ParsedRegistry]:
    """Store a registry file (one 10-digit number per line) as bit sets per exchange, with its download date."""
    require(actor, workspace, Perm.DNC_MANAGE)
    errors: dict[str, list[str]] = {}
    if kind not in RegistryKind.values:
        errors["kind"] = [f"Use {' or '.join(RegistryKind.values)}."]
    if downloaded_on > timezone.now().date():
        errors["downloaded_on"] = ["The download date cannot be in the future."]
    state_code = normalize_state(state) if state else ""
    if state and not state_code:
        errors["state"] = [f"{state!r} is not a US state."]
    if kind == RegistryKind.STATE and not state_code:
        errors.setdefault("state", ["A state list needs its state."])
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(f"{first[0]}: {first[1][0]}", details=errors)
    parsed = registry.parse_lines(lines)
    if parsed.numbers == 0:
        raise ValidationFailed("No 10-digit US numbers were found in this file (one number per line, e.g. "
                               "3055550100).", details={"file": [f"{parsed.rejected} lines could not be read."]})
    source = RegistrySource.objects.create(
        workspace=workspace, name=(name or "Registry file").strip()[:200], kind=kind, state=state_code,
        downloaded_on=downloaded_on, numbers=parsed.numbers, area_codes=parsed.area_codes,
        lines_rejected=parsed.rejected, actor_label=actor_fields(actor)["actor_label"])
    registry.store(source, parsed)
    record_event(workspace=workspace, actor=actor, action="registry.import", count=parsed.numbers,
                 details={"registry": source.public_id, "area_codes": parsed.area_codes[:50],
                          "downloaded_on": downloaded_on.isoformat(), "rejected": parsed.rejected})
    return source, parsed


@transaction.atomic
def registry_delete(*, workspace: Workspace, public_id: str, actor: Actor = None) -> int:
    require(actor, workspace, Perm.DNC_MANAGE)
    source = RegistrySource.objects.filter(workspace=workspace, public_id=public_id).first()
    if source is None:
        raise NotFound(f"Registry file {public_id} doesn't exist.", code="registry_not_found")
    numbers = source.numbers
    source.delete()
    record_event(workspace=workspace, actor=actor, action="registry.delete", count=numbers,
                 details={"registry": public_id, "name": source.name})
    return numbers


@transaction.atomic
def workspace_rule_add(*, workspace: Workspace, data: Any, actor: Actor = None) -> WorkspaceRule:
    """Add a workspace's own calling rule: the rules file's format, only restricting, never looser."""
    require(actor, workspace, Perm.DNC_MANAGE)
    try:
        rule = parse_workspace_rule(data)
    except RulesFileError as exc:
        raise ValidationFailed(str(exc), details={"rule": [str(exc)]}) from exc
    try:
        with transaction.atomic():
            stored = WorkspaceRule.objects.create(workspace=workspace, rule_id=rule.id, rule=data,
                                                  actor_label=actor_fields(actor)["actor_label"])
    except IntegrityError as exc:
        raise ValidationFailed(f"This workspace already has a rule {rule.id!r}.",
                               details={"rule": ["Duplicate id."]}) from exc
    record_event(workspace=workspace, actor=actor, action="compliance.rule_add", count=1,
                 details={"rule": data})
    return stored


@transaction.atomic
def workspace_rule_delete(*, workspace: Workspace, rule_id: str, actor: Actor = None) -> None:
    require(actor, workspace, Perm.DNC_MANAGE)
    stored = WorkspaceRule.objects.filter(workspace=workspace, rule_id=rule_id).first()
    if stored is None:
        raise NotFound(f"Rule {rule_id} doesn't exist.", code="rule_not_found")
    stored.delete()
    record_event(workspace=workspace, actor=actor, action="compliance.rule_delete", count=1,
                 details={"rule": stored.rule})


def compliance_report(*, workspace: Workspace, actor: Actor = None) -> Iterator[str]:
    """Every call a dialer claimed, with the decision and rule set version that allowed it: formula-safe CSV."""
    require(actor, workspace, Perm.DNC_MANAGE)
    from contacts.campaigns.models import Call

    calls = (Call.objects.filter(workspace=workspace, decision__isnull=False, claimed_at__isnull=False)
             .select_related("contact", "campaign").order_by("claimed_at", "id"))

    def line(writer, buffer: io.StringIO, values) -> str:
        writer.writerow([escape_cell(v) for v in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    def stream() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        yield "\ufeff" + line(writer, buffer, column_headers(REPORT_HEADER))
        count = 0
        try:
            for call in calls.iterator(chunk_size=2000):
                decision = call.decision or {}
                where = decision.get("jurisdiction") or {}
                yield line(writer, buffer, (
                    call.public_id, call.claimed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), call.phone,
                    call.contact.public_id if call.contact_id else "", call.campaign.public_id if call.campaign_id
                    else "", decision.get("campaign_type", ""), decision.get("subject", ""), call.status,
                    call.outcome, "yes" if decision.get("allowed") else "no", call.rules_version,
                    " ".join([where.get("country") or "", *where.get("states", [])]).strip(),
                    " ".join(r.get("code", "") for r in decision.get("reasons", [])), decision.get("at", "")))
                count += 1
        finally:
            record_event(workspace=workspace, actor=actor, action="compliance.report_export", count=count)

    return stream()
