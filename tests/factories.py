"""Small factories for tests: plain functions over the services, so tests build data the real way."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime

from django.contrib.auth import get_user_model

from contacts import services
from contacts.compliance.consents import consent_record
from contacts.models import Contact, Membership, Plan, Role, Workspace

_seq = itertools.count(1)
# Valid NANP numbers in real area codes: +1 415 2xx xxxx.
_phones = itertools.count(2_000_000)


def next_phone(area: str = "415") -> str:
    return f"+1{area}{next(_phones):07d}"


def make_workspace(slug: str | None = None, *, plan: str = Plan.UNLIMITED, **fields) -> Workspace:
    n = next(_seq)
    slug = slug or f"ws-{n}"
    return Workspace.objects.create(name=fields.pop("name", slug.title()), slug=slug, plan=plan, **fields)


def make_user(username: str | None = None, *, workspace: Workspace | None = None, role: str = Role.OWNER, **extra):
    user = get_user_model().objects.create_user(username or f"user{next(_seq)}", password="pw-Secret-123", **extra)
    if workspace is not None:
        Membership.objects.create(user=user, workspace=workspace, role=role)
    return user


CONSENTED_AT = datetime(2020, 1, 1, tzinfo=UTC)


def make_contact(workspace: Workspace, phone: str | None = None, *, consent: str | None = "express_written",
                 **fields) -> Contact:
    """A contact; by default one who gave written consent in 2020 (AI-voice calls need it), `consent=None` for none."""
    contact = services.contact_create(workspace=workspace, phone=phone or next_phone(), **fields)
    if consent:
        give_consent(workspace, contact.phone, consent)
    return contact


def give_consent(workspace: Workspace, phone: str, kind: str = "express_written", at: datetime = CONSENTED_AT):
    return consent_record(workspace=workspace, phone=phone, kind=kind, source="web_form", captured_at=at,
                          proof_url="https://example.com/consent-form", proof_text="I agree to be called.",
                          stored=True, actor="test factory")
