"""Wire format of API v1 (the reference's fields, snake_case) and input validation."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from contacts import phone as phone_rules
from contacts.contacts.numbers import additional_numbers
from contacts.models import (
    Call,
    CallDirection,
    CallStatus,
    Campaign,
    CampaignStatus,
    CampaignType,
    ConsentKind,
    ConsentSource,
    Contact,
    ContactPhone,
    ContactStatus,
    DncEntry,
    PhoneLabel,
    Sentiment,
)


def ts(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as the reference shows ("2024-01-15T14:30:00Z")."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def contact_summary(c: Contact) -> dict[str, Any]:
    """A contact on the wire; `phones` lists its additional numbers (prefetch `numbers` for a list)."""
    return {"id": c.public_id, "phone": c.phone, "phones": [n.as_dict() for n in additional_numbers(c)],
            "first_name": c.first_name, "last_name": c.last_name,
            "email": c.email, "company": c.company, "title": c.title, "status": c.status,
            "calls_count": c.calls_count, "last_called_at": ts(c.last_called_at), "created_at": ts(c.created_at)}


CONTACT_SUMMARY_FIELDS = ("id", "public_id", "phone", "first_name", "last_name", "email", "company", "title",
                          "status", "calls_count", "last_called_at", "created_at")


def additional_numbers_of(contact_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """Each contact's additional numbers on the wire, in order (one query for a page of contacts)."""
    found: dict[int, list[dict[str, str]]] = {}
    if not contact_ids:
        return found
    rows = (ContactPhone.objects.filter(contact_id__in=contact_ids, is_primary=False)
            .order_by("contact_id", "position", "id").values_list("contact_id", "e164", "label"))
    for contact_id, e164, label in rows:
        found.setdefault(contact_id, []).append({"number": e164, "label": label or PhoneLabel.OTHER})
    return found


def contact_summary_row(row: dict[str, Any], phones: list[dict[str, str]]) -> dict[str, Any]:
    """contact_summary from a values() row (CONTACT_SUMMARY_FIELDS): the list endpoint builds no model instances."""
    return {"id": row["public_id"], "phone": row["phone"], "phones": phones, "first_name": row["first_name"],
            "last_name": row["last_name"], "email": row["email"], "company": row["company"], "title": row["title"],
            "status": row["status"], "calls_count": row["calls_count"], "last_called_at": ts(row["last_called_at"]),
            "created_at": ts(row["created_at"])}


def call_summary(call: Call) -> dict[str, Any]:
    return {"id": call.public_id, "direction": call.direction, "status": call.status, "duration": call.duration,
            "sentiment": call.sentiment or None, "created_at": ts(call.created_at)}


def call_full(call: Call) -> dict[str, Any]:
    return {**call_summary(call), "contact_id": call.contact.public_id if call.contact_id else None,
            "campaign_id": call.campaign.public_id if call.campaign_id else None, "phone": call.phone,
            "outcome": call.outcome, "recording_url": call.recording_url or None, "transcript": call.transcript,
            "ended_at": ts(call.ended_at)}


def campaign_brief(c: Campaign) -> dict[str, Any]:
    return {"id": c.public_id, "name": c.name, "status": c.status}


def contact_detail(c: Contact, calls: list[Call], campaigns: list[Campaign]) -> dict[str, Any]:
    data = contact_summary(c)
    data.update({"notes": c.notes, "metadata": c.metadata or {}, "dnc_at": ts(c.dnc_at),
                 "calls": [call_summary(x) for x in calls], "campaigns": [campaign_brief(x) for x in campaigns],
                 "updated_at": ts(c.updated_at)})
    return data


def dnc_entry(e: DncEntry) -> dict[str, Any]:
    return {"phone": e.phone, "reason": e.reason, "source": e.source, "created_at": ts(e.created_at)}


def phone_info(info: phone_rules.PhoneInfo) -> dict[str, Any]:
    return {"original": info.original, "normalized": info.e164, "is_valid": info.is_valid,
            "country_code": info.region or None, "calling_code": info.country_code,
            "area_code": info.area_code or None, "national": info.national or None,
            "international": info.international or None, "type": info.number_type or None,
            "timezones": list(info.timezones), "error": info.error or None}


class StrictSerializer(serializers.Serializer):
    """Unknown fields are an error rather than silently ignored."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class ContactIn(StrictSerializer):
    phone = serializers.CharField(max_length=40)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, allow_null=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, allow_null=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, allow_null=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=10000)
    metadata = serializers.DictField(required=False, allow_null=True)
    phones = serializers.ListField(
        child=serializers.JSONField(), required=False, allow_null=True, max_length=20,
        help_text='Additional numbers: [{"number": "+14155550100", "label": "mobile|work|home|other"}]. '
                  "On update the list replaces the contact's additional numbers.")
    country = serializers.CharField(required=False, max_length=60, allow_blank=True, allow_null=True,
                                    help_text="Country hint for numbers without a country code.")


class ContactUpdateIn(ContactIn):
    phone = serializers.CharField(max_length=40, required=False)
    status = serializers.ChoiceField(choices=ContactStatus.choices, required=False)
    dnc_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    country = None


class ImportIn(StrictSerializer):
    contacts = serializers.ListField(child=serializers.JSONField(), allow_empty=True)
    skip_duplicates = serializers.BooleanField(required=False, default=True)
    update_existing = serializers.BooleanField(required=False, default=False)
    campaign_id = serializers.CharField(required=False, allow_blank=True)
    default_country = serializers.CharField(required=False, max_length=2, allow_blank=True)


class ReasonIn(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class NormalizeIn(StrictSerializer):
    phone = serializers.CharField(max_length=60, allow_blank=True)
    country = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)


class SearchFiltersIn(StrictSerializer):
    status = serializers.ChoiceField(choices=ContactStatus.choices, required=False)
    company = serializers.CharField(required=False, allow_blank=True)
    campaign_id = serializers.CharField(required=False, allow_blank=True)
    last_called_after = serializers.DateField(required=False)
    last_called_before = serializers.DateField(required=False)
    created_after = serializers.DateField(required=False)
    created_before = serializers.DateField(required=False)


class SearchIn(StrictSerializer):
    query = serializers.CharField(required=False, allow_blank=True, max_length=200)
    filters = SearchFiltersIn(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)


class DncIn(StrictSerializer):
    phone = serializers.CharField(max_length=60)
    reason = serializers.CharField(max_length=500)


class MergeIn(StrictSerializer):
    source_id = serializers.CharField(max_length=60)
    keep = serializers.DictField(
        child=serializers.CharField(), required=False, allow_null=True,
        help_text='Field by field, whose value stays: {"email": "source", "phone": "target", ...} for phone, '
                  "first_name, last_name, email, company, title. Default: this contact's non-empty values.")


class CampaignIn(StrictSerializer):
    name = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=CampaignStatus.choices, required=False)
    type = serializers.ChoiceField(choices=CampaignType.choices, required=False,
                                   help_text="telemarketing (default) or informational")
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                    help_text="What the calls are about; frequency caps count per person per subject")


class CampaignContactsIn(StrictSerializer):
    contact_ids = serializers.ListField(child=serializers.CharField(max_length=60), max_length=10000)


class CallIn(StrictSerializer):
    contact_id = serializers.CharField(max_length=60)
    campaign_id = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)
    direction = serializers.ChoiceField(choices=CallDirection.choices, required=False, default="outbound")
    status = serializers.ChoiceField(choices=CallStatus.choices, required=False, default="completed")
    duration = serializers.IntegerField(min_value=0, max_value=7 * 24 * 3600, required=False, default=0)
    sentiment = serializers.ChoiceField(choices=Sentiment.choices, required=False, allow_blank=True,
                                        allow_null=True)
    outcome = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    recording_url = serializers.URLField(max_length=500, required=False, allow_blank=True, allow_null=True)
    transcript = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=200000)
    created_at = serializers.DateTimeField(required=False, allow_null=True,
                                           help_text="When the call happened (history from another dialer); "
                                                     "never in the future. Counts toward frequency caps.")


class QueueCallIn(StrictSerializer):
    campaign_id = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)


class ComplianceCheckIn(StrictSerializer):
    phone = serializers.CharField(max_length=60)
    campaign_id = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now (2000 to 2100)")

    def validate_at(self, value: datetime | None) -> datetime | None:
        if value is not None and not datetime(2000, 1, 1, tzinfo=UTC) <= value <= datetime(2100, 1, 1, tzinfo=UTC):
            raise serializers.ValidationError("Ask about a time between 2000 and 2100.")
        return value


class ConsentIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    source = serializers.ChoiceField(choices=ConsentSource.choices)
    captured_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now; never later")
    proof_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    proof_ip = serializers.IPAddressField(required=False, allow_null=True)
    proof_text = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    recording_id = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RevokeIn(StrictSerializer):
    phone = serializers.CharField(max_length=60)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    revoked_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now; never later")


def consent_body(record) -> dict[str, Any]:
    return {"id": record.public_id, "type": "consent", "phone": record.phone, "kind": record.kind,
            "source": record.source, "captured_at": ts(record.captured_at), "proof_url": record.proof_url or None,
            "proof_ip": record.proof_ip, "proof_text": record.proof_text or None,
            "recording_id": record.recording_id or None, "recorded_by": record.actor_label or None,
            "created_at": ts(record.created_at)}


def revocation_body(revocation) -> dict[str, Any]:
    return {"id": revocation.public_id, "type": "revocation", "phone": revocation.phone,
            "channel": revocation.channel, "note": revocation.note or None, "revoked_at": ts(revocation.revoked_at),
            "recorded_by": revocation.actor_label or None, "created_at": ts(revocation.created_at)}
