"""The compliance page at /compliance/: rules in force with their sources, registry files, workspace rules,
consent revocation and the calls report. Views parse and render; contacts.compliance decides and checks roles."""
from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from contacts import services
from contacts.compliance import holidays, manage, registry
from contacts.compliance.consents import consent_revoke
from contacts.compliance.decision import workspace_rule_set
from contacts.compliance.jurisdiction import STATE_NAMES
from contacts.compliance.models import ConsentRevocation, RegistryKind, RegistrySource, WorkspaceRule
from contacts.compliance.ruleset import shipped_rules
from contacts.views.access import needs
from contacts.workspaces.permissions import Perm

RULE_EXAMPLE = json.dumps({
    "id": "no-saturdays", "jurisdiction": "US", "kind": "closed_days", "weekdays": ["sat"],
    "applies_to": ["telemarketing"], "source": "Our own policy", "effective": "2026-01-01"}, indent=2)


def _where(code: str) -> str:
    if code == "*":
        return "every number"
    if code == "US":
        return "United States"
    return STATE_NAMES.get(code[3:], code) if code.startswith("US-") else code


def _closed_this_year(rule, year: int) -> list[tuple[date, str]]:
    """The holidays a closed-days rule closes this year, computed from the rules file (shown under the rule)."""
    p = rule.params
    if rule.kind != "closed_days" or not (p.get("holidays") or p.get("annual")):
        return []
    closed = holidays.closed_dates(year, tuple(p.get("holidays", ())), tuple(p.get("annual", ())),
                                   bool(p.get("observed")))
    return sorted(closed.items())


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("compliance_home")


@needs(Perm.DNC_MANAGE)
def compliance_home(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    ruleset, own = workspace_rule_set(workspace)
    stored = dict(WorkspaceRule.objects.filter(workspace=workspace).values_list("rule_id", "pk"))
    today = timezone.now().date()
    sources = list(RegistrySource.objects.filter(workspace=workspace).order_by("-downloaded_on", "-id"))
    newest = sources[0].downloaded_on if sources else None
    max_age = max((r.params["max_age_days"] for r in shipped_rules().of_kind("registry")), default=31)
    context = {
        "ruleset": ruleset,
        "shipped": shipped_rules(),
        "shipped_rules": [r for r in ruleset.rules if r.origin == "shipped"],
        "own_rules": own,
        "rule_rows": [(rule, stored.get(rule.id) if rule.origin == "workspace" else None, _where(rule.jurisdiction),
                       _closed_this_year(rule, today.year)) for rule in ruleset.rules],
        "sources": [(s, (today - s.downloaded_on).days) for s in sources],
        "registry_age": (today - newest).days if newest else None,
        "max_age": max_age,
        "stale": newest is None or (today - newest).days > max_age,
        "revocations": ConsentRevocation.objects.filter(workspace=workspace).order_by("-revoked_at", "-id")[:20],
        "rule_example": request.POST.get("rule") or RULE_EXAMPLE,
        "registry_kinds": RegistryKind.choices,
        "states": sorted(STATE_NAMES.items(), key=lambda kv: kv[1]),
        "today": today,
    }
    return render(request, "contacts/compliance/home.html", context)


@needs(Perm.DNC_MANAGE)
@require_POST
def compliance_registry_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        downloaded_on = date.fromisoformat(request.POST.get("downloaded_on", ""))
    except ValueError:
        messages.error(request, "Registry file not imported: give the date the file was downloaded.")
        return redirect("compliance_home")
    if upload is None:
        messages.error(request, "Registry file not imported: choose a file (one 10-digit number per line).")
        return redirect("compliance_home")
    try:
        source, parsed = manage.registry_import(
            workspace=request.workspace, lines=registry.text_lines(upload), name=request.POST.get("name") or
            upload.name, downloaded_on=downloaded_on, kind=request.POST.get("kind") or RegistryKind.NATIONAL,
            state=request.POST.get("state", ""), actor=request.user)
    except services.ValidationFailed as exc:
        messages.error(request, f"Registry file not imported. {exc.message}")
        return redirect("compliance_home")
    skipped = f" {parsed.rejected:,} lines were not numbers and were skipped." if parsed.rejected else ""
    messages.success(request, f"{source.name}: {parsed.numbers:,} numbers in {len(parsed.area_codes)} area "
                              f"code{'s' if len(parsed.area_codes) != 1 else ''} are now refused for telemarketing."
                              f"{skipped}")
    return redirect("compliance_home")


@needs(Perm.DNC_MANAGE)
@require_POST
def compliance_registry_delete(request: HttpRequest, source_id: str) -> HttpResponse:
    get_object_or_404(RegistrySource, workspace=request.workspace, public_id=source_id)
    try:
        numbers = manage.registry_delete(workspace=request.workspace, public_id=source_id, actor=request.user)
    except services.NotFound as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Registry file removed ({numbers:,} numbers).")
    return redirect("compliance_home")


@needs(Perm.DNC_MANAGE)
@require_POST
def compliance_rule_add(request: HttpRequest) -> HttpResponse:
    text = request.POST.get("rule", "")
    try:
        data = json.loads(text)
        stored = manage.workspace_rule_add(workspace=request.workspace, data=data, actor=request.user)
    except json.JSONDecodeError as exc:
        messages.error(request, f"Rule not added: it is not JSON ({exc.msg} at line {exc.lineno}).")
        return compliance_home(request)
    except services.ValidationFailed as exc:
        messages.error(request, f"Rule not added. {exc.message}")
        return compliance_home(request)
    messages.success(request, f"Rule {stored.rule_id} is in force for this workspace.")
    return redirect(reverse("compliance_home") + "#rules")


@needs(Perm.DNC_MANAGE)
@require_POST
def compliance_rule_delete(request: HttpRequest, rule_pk: int) -> HttpResponse:
    rule_id = get_object_or_404(WorkspaceRule, workspace=request.workspace, pk=rule_pk).rule_id
    try:
        manage.workspace_rule_delete(workspace=request.workspace, rule_id=rule_id, actor=request.user)
    except services.NotFound as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Rule {rule_id} removed.")
    return redirect(reverse("compliance_home") + "#rules")


@needs(Perm.DNC_ADD)
@require_POST
def compliance_revoke(request: HttpRequest) -> HttpResponse:
    phone = request.POST.get("phone", "")
    try:
        revocation = consent_revoke(workspace=request.workspace, phone=phone, channel="dashboard",
                                    note=request.POST.get("note", ""), actor=request.user)
    except services.ServiceError as exc:
        messages.error(request, f"Consent not revoked. {exc.message}")
    else:
        messages.success(request, f"Consent for {revocation.phone} is revoked: it is not called again until "
                                  "new consent is recorded.")
    return _back(request)


@needs(Perm.DNC_MANAGE)
def compliance_report_csv(request: HttpRequest) -> StreamingHttpResponse:
    stream = manage.compliance_report(workspace=request.workspace, actor=request.user)
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="compliance-report-{stamp}.csv"'
    return response
