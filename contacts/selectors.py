"""Reads: workspace-scoped lookups and searches shared by the dashboard, API and commands."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from contacts import phone as phone_rules
from contacts.models import Call, Campaign, Contact, ImportBatch, Workspace
from contacts.services.errors import ContactNotFound, NotFound


def user_workspaces(user: AbstractBaseUser) -> QuerySet[Workspace]:
    if not getattr(user, "is_authenticated", False):
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user=user).order_by("name")


def contact_get(workspace: Workspace, public_id: str) -> Contact:
    contact = Contact.objects.for_workspace(workspace).filter(public_id=public_id).select_related("workspace").first()
    if contact is None:
        raise ContactNotFound(f"Contact {public_id} doesn't exist.", details={"id": public_id})
    return contact


def campaign_get(workspace: Workspace, public_id: str) -> Campaign:
    campaign = Campaign.objects.for_workspace(workspace).filter(public_id=public_id).first()
    if campaign is None:
        raise NotFound(f"Campaign {public_id} doesn't exist.", code="campaign_not_found", details={"id": public_id})
    return campaign


def call_get(workspace: Workspace, public_id: str) -> Call:
    call = Call.objects.for_workspace(workspace).filter(public_id=public_id).first()
    if call is None:
        raise NotFound(f"Call {public_id} doesn't exist.", code="call_not_found", details={"id": public_id})
    return call


def import_batch_get(workspace: Workspace, public_id: str) -> ImportBatch:
    batch = ImportBatch.objects.for_workspace(workspace).filter(public_id=public_id).first()
    if batch is None:
        raise NotFound(f"Import {public_id} doesn't exist.", code="import_not_found", details={"id": public_id})
    return batch


def contact_search(queryset: QuerySet[Contact], term: str, *, workspace: Workspace | None = None) -> QuerySet[Contact]:
    """Match name, email, company and phone typed any way ("(415) 555", "415555", "+1415…")."""
    term = (term or "").strip()
    if not term:
        return queryset
    condition = Q()
    for word in term.split():
        condition &= (
            Q(first_name__icontains=word) | Q(last_name__icontains=word)
            | Q(email__icontains=word) | Q(company__icontains=word)
        )
    digits = phone_rules.digits(term)
    looks_like_phone = len(digits) >= 3 and len(digits) >= len(term.replace(" ", "")) // 2
    if looks_like_phone:
        condition |= Q(phone__contains=digits)
        if workspace is not None:
            info = phone_rules.parse_phone(term, default_country=workspace.default_country, mode="lenient")
            if info.e164:
                condition |= Q(phone=info.e164)
    return queryset.filter(condition)
