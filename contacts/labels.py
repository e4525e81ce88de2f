"""The words people read for codes: statuses, call outcomes, import reasons, sources and the like.

One map for every page, chart and report column written for people. The API and the data columns of CSV files
keep the codes (integrations and re-imports depend on them); what a person reads comes from here. A code with no
entry (a call outcome an agent made up, say `appointment_booked`) is spelled out: "Appointment booked".
"""
from __future__ import annotations

import re

from contacts.campaigns.models import CallDirection, CallStatus, CampaignStatus, Sentiment
from contacts.compliance.models import DncAction, DncSource
from contacts.contacts.models import ContactStatus
from contacts.imports.models import ImportStatus

LABELS: dict[str, dict[str, str]] = {
    "contact_status": dict(ContactStatus.choices),
    "campaign_status": dict(CampaignStatus.choices),
    "call_status": dict(CallStatus.choices),
    "sentiment": dict(Sentiment.choices),
    "direction": dict(CallDirection.choices),
    "import_status": {**dict(ImportStatus.choices), "processing": "Importing", "draft": "Not started",
                      "queued": "Queued", "stalled": "Stalled", "no_worker": "Waiting for a worker"},
    "dnc_action": dict(DncAction.choices),
    # Where a DNC number or an import came from.
    "source": {**dict(DncSource.choices), "upload": "Upload", "command": "Command line", "wizard": "Upload"},
    # Call outcomes agents report (free text codes; these are the common ones).
    "outcome": {
        "dnc_requested": "Asked not to be called", "callback": "Call back", "call_back": "Call back",
        "voicemail_left": "Voicemail left", "not_interested": "Not interested", "wrong_number": "Wrong number",
        "appointment_booked": "Appointment booked", "booked": "Booked", "interested": "Interested",
    },
    # Why an import row was not imported (verdicts and the reason codes stored with skipped rows).
    "reason": {
        "invalid_phone": "Invalid phone number", "no_phone": "No phone number", "duplicate_phone": "Duplicate number",
        "duplicate_in_file": "Duplicate in this file", "exists": "Already exists",
        "unchanged": "Already exists, unchanged", "validation_error": "Invalid data",
        "contact_limit_reached": "Past the plan limit", "over_limit": "Past the plan limit",
        "new": "New", "update": "Update", "dnc": "DNC number",
    },
}
# Column headers of the CSV files people download. Each spells its code in words that the import mapper reads back
# as the same column (it ignores case, spaces and punctuation), so an export still re-imports cleanly.
COLUMNS: dict[str, str] = {
    "phone": "Phone", "first_name": "First name", "last_name": "Last name", "email": "Email", "company": "Company",
    "title": "Title", "notes": "Notes", "tags": "Tags", "contact_lists": "Contact lists",
    "contact_id": "Contact ID", "contact_status": "Contact status",
    "dnc_since": "DNC since", "created_at": "Created at", "calls_count": "Calls count",
    "last_called_at": "Last called at", "last_call_outcome": "Last call outcome",
    "last_call_sentiment": "Last call sentiment", "action": "Action", "reason": "Reason", "source": "Source",
    "actor": "By", "contacts_affected": "Contacts affected", "call_id": "Call ID", "claimed_at": "Claimed at",
    "campaign_id": "Campaign ID", "campaign_type": "Campaign type", "subject": "Subject", "status": "Status",
    "outcome": "Outcome", "allowed": "Allowed", "rules_version": "Rules version", "jurisdiction": "Jurisdiction",
    "reasons": "Reasons", "decided_at": "Decided at",
}
_WORDS = re.compile(r"[_\-\s]+")


def column_headers(codes: tuple[str, ...] | list[str]) -> list[str]:
    """Headers for a CSV people read: a known column in words; any other (a custom field key) as it is."""
    return [COLUMNS.get(code, code) for code in codes]


def label(code: object, kind: str = "") -> str:
    """The words for a code of this kind; an unknown code spelled out ("appointment_booked" -> "Appointment
    booked"). Empty stays empty."""
    text = "" if code is None else str(code)
    if not text:
        return ""
    known = LABELS.get(kind, {}).get(text)
    if known is not None:
        return known
    for table in LABELS.values() if not kind else ():
        if text in table:
            return table[text]
    words = _WORDS.sub(" ", text).strip()
    return words[:1].upper() + words[1:] if words.islower() or "_" in text else words
