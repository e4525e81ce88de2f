"""Concurrent claimers never receive the same call (PostgreSQL's SKIP LOCKED path and SQLite's write lock)."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db import connection, connections
from django.utils import timezone

from contacts.campaigns import dialer
from contacts.models import Call, CallStatus, ConsentRecord, Contact
from tests.factories import make_workspace

pytestmark = [
    pytest.mark.postgres,
    # The SQLite test database is in memory with a shared cache, where concurrent writers get "table is locked"
    # at once instead of waiting; SQLite's claim relies on the conditional UPDATE alone (tests/test_dialer.py).
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent claimers run on PostgreSQL (CI)"),
    pytest.mark.django_db(transaction=True),
]
NOON_PACIFIC = datetime(2026, 6, 15, 19, 0, tzinfo=UTC)


def test_concurrent_claimers_never_get_the_same_call(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOON_PACIFIC)
    workspace = make_workspace("claims")
    total = 300
    Contact.objects.bulk_create([Contact(workspace=workspace, phone=f"+1415{2_000_000 + n:07d}") for n in range(total)])
    Call.objects.bulk_create([Call(workspace=workspace, contact=c, phone=c.phone, status=CallStatus.QUEUED)
                              for c in Contact.objects.filter(workspace=workspace)])
    # They consented in writing (AI-voice telemarketing needs it), so every call may be handed out.
    ConsentRecord.objects.bulk_create([
        ConsentRecord(workspace=workspace, phone=c.phone, kind="express_written", source="web_form",
                      captured_at=datetime(2026, 1, 1, tzinfo=UTC), proof_url="https://example.com/form")
        for c in Contact.objects.filter(workspace=workspace)])
    claimers = 8
    got: list[list[str]] = [[] for _ in range(claimers)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(claimers)

    def run(slot: int) -> None:
        try:
            barrier.wait()
            for _ in range(200):
                claimed = dialer.calls_claim(workspace=workspace, limit=7, agent=f"a{slot}")
                if not claimed:
                    break
                got[slot].extend(c.call.public_id for c in claimed)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(claimers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    handed = Counter(pid for ids in got for pid in ids)
    assert handed and max(handed.values()) == 1  # nobody got a call twice
    assert sum(handed.values()) == total  # and none was lost
    assert Call.objects.filter(status=CallStatus.DIALING).count() == total
