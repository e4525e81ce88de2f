"""Realistic fake data for the demo workspace and benchmarks (no external faker needed)."""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from contacts.models import (
    Call,
    CallDirection,
    CallStatus,
    Campaign,
    CampaignMembership,
    CampaignStatus,
    ConsentRecord,
    Contact,
    Sentiment,
    Workspace,
)

FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas", "Mia", "Mateo",
         "Amelia", "Ethan", "Harper", "Aiden", "Evelyn", "Jackson", "Abigail", "Sebastian", "Priya", "Wei", "Fatima",
         "José", "Zoë", "Jürgen", "Siobhán", "Kwame", "Aaliyah", "Dmitri"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Chen", "Patel", "Nguyen", "Kim", "O'Brien", "Müller", "Okafor", "Haddad", "Kowalski"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Dental", "Stark Realty", "Wayne Enterprises", "Hooli",
             "Vandelay Industries", "Bluth Homes", "Pied Piper", "Sterling Cooper", "Dunder Mifflin", ""]
TITLES = ["Manager", "Owner", "Office Manager", "Broker", "Dentist", "VP Sales", "Director", "Agent", ""]
# Real US area codes with NANP-valid exchanges, so phonenumbers accepts the numbers.
AREA_CODES = ["212", "213", "305", "312", "404", "415", "469", "512", "617", "646", "702", "713", "718", "801",
              "206", "303", "503", "602", "615", "619", "704", "720", "786", "818", "917", "972"]
OUTCOMES = ["interested", "not_interested", "callback", "voicemail_left", "appointment_booked", "wrong_number"]


def fake_phone(rng: random.Random, index: int) -> str:
    area = AREA_CODES[index % len(AREA_CODES)]
    rest = index // len(AREA_CODES)
    exchange = 201 + (rest // 10_000) % 798
    if exchange in (211, 311, 411, 511, 611, 711, 811, 911, 555):
        exchange += 1
    return f"+1{area}{exchange:03d}{rest % 10_000:04d}"


def fake_contacts(workspace: Workspace, count: int, *, start: int = 0, seed: int = 7) -> Iterator[Contact]:
    rng = random.Random(seed + start)
    now = timezone.now()
    for i in range(start, start + count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        yield Contact(
            workspace=workspace,
            phone=fake_phone(rng, i),
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower().replace(' ', '')}{i}@example.com".replace("'", ""),
            company=rng.choice(COMPANIES),
            title=rng.choice(TITLES),
            metadata={"source": rng.choice(["website", "referral", "import", "event"])},
            created_at=now - timedelta(days=rng.randint(0, 180), minutes=rng.randint(0, 1440)),
        )


@transaction.atomic
def _demo_consents(workspace: Workspace, rng: random.Random) -> None:
    """Most demo contacts consented in writing (so Call now works), some only verbally, some never."""
    have = set(ConsentRecord.objects.filter(workspace=workspace).values_list("phone", flat=True))
    when = timezone.now() - timedelta(days=90)
    records = []
    for contact_id, number in Contact.objects.filter(workspace=workspace).values_list("id", "phone"):
        roll = rng.random()
        if number in have or roll > 0.9:
            continue
        records.append(ConsentRecord(
            workspace=workspace, phone=number, contact_id=contact_id,
            kind="express_written" if roll < 0.8 else "express", source="web_form", captured_at=when,
            proof_url="https://demo.example.com/consent-form", proof_text="Demo data: agreed to AI-voice calls.",
            actor_label="bootstrap_demo"))
    ConsentRecord.objects.bulk_create(records, batch_size=5000)


def populate(workspace: Workspace, contacts: int, *, with_calls: bool = True, seed: int = 7) -> int:
    """Add `contacts` fake contacts (skipping numbers already present), campaigns and call history."""
    rng = random.Random(seed)
    start = Contact.objects.filter(workspace=workspace).count()
    batch: list[Contact] = []
    for contact in fake_contacts(workspace, contacts, start=start, seed=seed):
        batch.append(contact)
        if len(batch) >= 5000:
            Contact.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Contact.objects.bulk_create(batch, ignore_conflicts=True)
    _demo_consents(workspace, random.Random(seed + 1))  # its own stream: the rest of the demo stays as it was
    if not with_calls:
        return contacts
    campaigns = list(Campaign.objects.filter(workspace=workspace))
    if not campaigns:
        campaigns = [
            Campaign.objects.create(workspace=workspace, name=name, status=status)
            for name, status in [("January Outreach", CampaignStatus.COMPLETED),
                                 ("Spring Reactivation", CampaignStatus.ACTIVE),
                                 ("Dental Recall Q3", CampaignStatus.PAUSED)]
        ]
    sample_ids = list(
        Contact.objects.filter(workspace=workspace).order_by("-id").values_list("id", "phone")[: min(contacts, 3000)]
    )
    memberships, calls = [], []
    now = timezone.now()
    for contact_id, number in sample_ids:
        campaign = rng.choice(campaigns)
        memberships.append(CampaignMembership(campaign=campaign, contact_id=contact_id))
        for _ in range(rng.randint(0, 3)):
            status = rng.choices([CallStatus.COMPLETED, CallStatus.NO_ANSWER, CallStatus.VOICEMAIL, CallStatus.BUSY],
                                 weights=[6, 2, 2, 1])[0]
            answered = status == CallStatus.COMPLETED
            calls.append(Call(
                workspace=workspace, contact_id=contact_id, campaign=campaign, phone=number,
                direction=rng.choice([CallDirection.OUTBOUND] * 4 + [CallDirection.INBOUND]), status=status,
                duration=rng.randint(20, 600) if answered else 0,
                sentiment=rng.choice(Sentiment.values) if answered else "",
                outcome=rng.choice(OUTCOMES) if answered else "",
                transcript="Agent: Hi, this is Alex from SmartAlex…\nContact: Sure, tell me more." if answered else "",
                recording_url=f"https://recordings.example.com/{contact_id}.mp3" if answered else "",
            ))
    CampaignMembership.objects.bulk_create(memberships, ignore_conflicts=True)
    created = Call.objects.bulk_create(calls)
    for call in created:  # spread call times over the last 30 days
        call.created_at = now - timedelta(days=rng.randint(0, 29), hours=rng.randint(0, 23))
    Call.objects.bulk_update(created, ["created_at"], batch_size=2000)
    refresh_call_stats(workspace)
    return contacts


def refresh_call_stats(workspace: Workspace) -> None:
    """Recompute calls_count / last_called_at from the call table (used after bulk-loading history)."""
    stats = (
        Call.objects.filter(workspace=workspace, contact__isnull=False)
        .values("contact_id").annotate(n=Count("id"), last=Max("created_at"))
    )
    updates = [Contact(pk=row["contact_id"], calls_count=row["n"], last_called_at=row["last"]) for row in stats]
    Contact.objects.bulk_update(updates, ["calls_count", "last_called_at"], batch_size=2000)
