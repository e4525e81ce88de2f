"""Wire format of API v1 (the reference's fields, snake_case) and input validation."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from contacts import phone as phone_rules
from contacts.contacts.numbers import additional_numbers
from contacts.fields.models import FieldType
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
    ContactList,
    ContactStatus,
    DncEntry,
    ListMembership,
    Sentiment,
)
from contacts.tags.models import ContactTag


def ts(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as the reference shows ("2024-01-15T14:30:00Z")."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def contact_list_ids(c: Contact) -> list[str]:
    """The ids of the lists the contact is in: set on a page by selectors.attach_list_ids, else one query."""
    ids = getattr(c, "list_ids", None)
    if ids is None:
        ids = list(ListMembership.objects.filter(contact=c).order_by("contact_list__name", "contact_list_id")
                   .values_list("contact_list__public_id", flat=True))
    return ids


def contact_tag_names(c: Contact) -> list[str]:
    """The names of the contact's tags: set on a page by selectors.attach_tags, else one query."""
    names = getattr(c, "tag_names", None)
    if names is None:
        names = list(ContactTag.objects.filter(contact=c).order_by("tag__name").values_list("tag__name", flat=True))
    return names


def contact_summary(c: Contact) -> dict[str, Any]:
    """A contact on the wire; `phones` lists its additional numbers (prefetch `numbers` for a list)."""
    return {"id": c.public_id, "phone": c.phone, "phones": [n.as_dict() for n in additional_numbers(c)],
            "first_name": c.first_name, "last_name": c.last_name,
            "email": c.email, "company": c.company, "title": c.title, "status": c.status,
            "calls_count": c.calls_count, "last_called_at": ts(c.last_called_at), "lists": contact_list_ids(c),
            "tags": contact_tag_names(c),
            "created_at": ts(c.created_at), "updated_at": ts(c.updated_at)}


def list_body(contact_list: ContactList, contacts_count: int | None = None) -> dict[str, Any]:
    if contacts_count is None:
        contacts_count = getattr(contact_list, "contacts_count", None)
    if contacts_count is None:
        contacts_count = contact_list.memberships.count()
    return {"id": contact_list.public_id, "name": contact_list.name, "contacts_count": contacts_count,
            "created_at": ts(contact_list.created_at), "updated_at": ts(contact_list.updated_at)}


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
    phone = serializers.CharField(max_length=40, required=False)
    phone_number = serializers.CharField(max_length=40, required=False,
                                         help_text="Alias of phone (the SMS reference's name); send one of them.")
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
    tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False, max_length=100,
                                 help_text="Tag names; the contact carries exactly these (missing tags are created).")
    group_id = serializers.CharField(max_length=60, required=False, allow_null=True,
                                     help_text="A list id (the SMS reference's address book): on create the contact "
                                               "joins it; on update it moves there (leaving its other lists).")

    custom_1 = serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                     help_text="The SMS reference's custom field: stored as metadata.custom_1")
    custom_2 = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    custom_3 = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    custom_4 = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        customs = {k: attrs.pop(k) for k in ("custom_1", "custom_2", "custom_3", "custom_4") if k in attrs}
        if customs:
            attrs["metadata"] = {**(attrs.get("metadata") or {}), **customs}
        alias = attrs.pop("phone_number", None)
        if alias is not None:
            if attrs.get("phone") not in (None, alias):
                raise serializers.ValidationError({"phone_number": ["Send phone or phone_number, not both."]})
            attrs["phone"] = alias
        if not self.partial and not attrs.get("phone"):
            raise serializers.ValidationError({"phone": ["This field is required."]})
        return attrs


class ContactUpdateIn(ContactIn):
    status = serializers.ChoiceField(choices=ContactStatus.choices, required=False)
    dnc_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    country = None


class ImportIn(StrictSerializer):
    contacts = serializers.ListField(child=serializers.JSONField(), allow_empty=True)
    skip_duplicates = serializers.BooleanField(
        required=False, default=True,
        help_text="Rows whose number already exists are skipped (default); false updates that contact instead.")
    update_existing = serializers.BooleanField(required=False, default=False,
                                               help_text="Update the existing contact of a duplicate number.")
    campaign_id = serializers.CharField(required=False, allow_blank=True)
    default_country = serializers.CharField(required=False, max_length=2, allow_blank=True)


class ReasonIn(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class NormalizeIn(StrictSerializer):
    phone = serializers.CharField(max_length=60, allow_blank=True)
    country = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)


class SearchFiltersIn(StrictSerializer):
    list_id = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.CharField(required=False, allow_blank=True, help_text="Tag names separated by commas")
    tags_mode = serializers.ChoiceField(choices=["any", "all"], required=False)
    status = serializers.ChoiceField(choices=ContactStatus.choices, required=False)
    company = serializers.CharField(required=False, allow_blank=True)
    campaign_id = serializers.CharField(required=False, allow_blank=True)
    last_called_after = serializers.DateField(required=False)
    last_called_before = serializers.DateField(required=False)
    created_after = serializers.DateField(required=False)
    created_before = serializers.DateField(required=False)


class SearchIn(StrictSerializer):
    query = serializers.CharField(required=False, allow_blank=False, max_length=200,
                                  help_text="Keyword(s); not empty when sent.")
    term = serializers.CharField(required=False, allow_blank=False, max_length=200,
                                 help_text="Alias of query (the SmartSender reference's name); not empty when sent.")
    filters = SearchFiltersIn(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)
    offset = serializers.IntegerField(required=False, min_value=0, default=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        term = attrs.pop("term", None)
        if term is not None:
            if attrs.get("query") not in (None, term):
                raise serializers.ValidationError({"term": ["Send query or term, not both."]})
            attrs["query"] = term
        return attrs


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


class CustomFieldIn(StrictSerializer):
    key = serializers.CharField(max_length=40, help_text="The metadata key: lowercase letters, digits and _")
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=FieldType.choices, required=False, default="text")
    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=200)


class CustomFieldUpdateIn(StrictSerializer):
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=200)


def custom_field_body(field) -> dict[str, Any]:
    return {"key": field.key, "label": field.label, "type": field.type, "choices": list(field.choices or []),
            "created_at": ts(field.created_at)}


class ListIn(StrictSerializer):
    name = serializers.CharField(max_length=200)


class ListContactsIn(StrictSerializer):
    contact_ids = serializers.ListField(child=serializers.CharField(max_length=60), max_length=10000)


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
