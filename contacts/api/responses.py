"""The shapes of API v1 response bodies, for the OpenAPI document only.

The views build their bodies with the plain functions in serializers.py (the wire format); these serializers
describe those bodies field for field so a generated client gets typed models. They are never used to render.
tests/test_openapi_schema.py checks real responses against them, so a field added to the wire must be added here.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers

from contacts.fields.models import FieldType
from contacts.models import (
    CallDirection,
    CallStatus,
    CampaignStatus,
    CampaignType,
    ConsentKind,
    ConsentSource,
    ContactStatus,
    DncSource,
    PhoneLabel,
    RevocationChannel,
    Sentiment,
)
from contacts.webhooks.models import DeliveryStatus

Nullable = {"allow_null": True}


def _when(help_text: str = "", **kwargs) -> serializers.DateTimeField:
    """A UTC timestamp as the wire writes it ("2024-01-15T14:30:00Z")."""
    return serializers.DateTimeField(help_text=help_text, **kwargs)


def _ids(help_text: str = "") -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), help_text=help_text)


# --- envelopes ------------------------------------------------------------------------------------------------

class PageMetaSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Matching items; an estimate when total_exact is false")
    total_exact = serializers.BooleanField(help_text="False when the total is estimated (very large results)")
    page = serializers.IntegerField(help_text="Page number, from 1")
    per_page = serializers.IntegerField()
    limit = serializers.IntegerField(help_text="Same as per_page (limit/offset paging)")
    offset = serializers.IntegerField(help_text="Items skipped before this page")
    has_more = serializers.BooleanField(help_text="Another page follows")
    hasMore = serializers.BooleanField(help_text="Same as has_more (reference 001's spelling)")


def one(item: type[serializers.Serializer], name: str, description: str = "") -> type[serializers.Serializer]:
    """`{"data": item}`: a component named `name`."""
    return type(name + "Serializer", (serializers.Serializer,), {
        "__module__": __name__, "__doc__": description or f"`data` holds one {item.__name__[:-10]}.",
        "data": item()})


def many(item: type[serializers.Serializer], name: str, meta: type[serializers.Serializer] | None = PageMetaSerializer,
         description: str = "") -> type[serializers.Serializer]:
    """`{"data": [item], "meta": {...}}` (no `meta` when `meta` is None): a component named `name`."""
    fields: dict = {"data": item(many=True)}
    if meta is not None:
        fields["meta"] = meta()
    return type(name + "Serializer", (serializers.Serializer,), {
        "__module__": __name__, "__doc__": description or f"A page of {item.__name__[:-10]} objects.", **fields})


# --- contacts -------------------------------------------------------------------------------------------------

class ContactPhoneSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="E.164")
    label = serializers.ChoiceField(choices=PhoneLabel.choices)


class ContactSummarySerializer(serializers.Serializer):
    """A contact as list and search results show it."""

    id = serializers.CharField()
    phone = serializers.CharField(help_text="The primary number, E.164")
    phones = ContactPhoneSerializer(many=True, help_text="Additional numbers")
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    company = serializers.CharField(allow_blank=True)
    title = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=ContactStatus.choices)
    calls_count = serializers.IntegerField()
    last_called_at = _when(**Nullable)
    lists = _ids("Ids of the lists the contact is in")
    tags = serializers.ListField(child=serializers.CharField(), help_text="Tag names")
    created_at = _when()
    updated_at = _when()


class CallSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    direction = serializers.ChoiceField(choices=CallDirection.choices)
    status = serializers.ChoiceField(choices=CallStatus.choices)
    duration = serializers.IntegerField(help_text="Seconds")
    sentiment = serializers.ChoiceField(choices=Sentiment.choices, **Nullable)
    created_at = _when()


class CampaignBriefSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=CampaignStatus.choices)


class ContactSerializer(ContactSummarySerializer):
    """A contact with its notes, metadata, recent calls and campaigns."""

    notes = serializers.CharField(allow_blank=True)
    metadata = serializers.DictField(help_text="Custom fields and other key-value data")
    dnc_at = _when("When the contact was marked DNC", **Nullable)
    calls = CallSummarySerializer(many=True, help_text="The latest calls, newest first (at most 100)")
    campaigns = CampaignBriefSerializer(many=True)


class MergedContactSerializer(ContactSerializer):
    merged_id = serializers.CharField(help_text="The id of the contact merged in (now deleted)")


class ContactDncStateSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=ContactStatus.choices)
    dnc_at = _when(required=False, **Nullable, help_text="Sent when marking DNC")


class DeletedSerializer(serializers.Serializer):
    id = serializers.CharField()
    deleted = serializers.BooleanField()


class ImportRowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the row in `contacts`, from 0")
    code = serializers.CharField(help_text="invalid_phone, duplicate_phone, ...")
    message = serializers.CharField()
    phone = serializers.CharField(required=False)
    field = serializers.CharField(required=False)


class ImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    duplicates_skipped = serializers.IntegerField()
    invalid_skipped = serializers.IntegerField()
    limit_skipped = serializers.IntegerField(help_text="Rows over the plan's contact limit")
    dnc = serializers.IntegerField(help_text="Rows whose number is on the DNC list")
    errors = ImportRowErrorSerializer(many=True)
    batch_id = serializers.CharField(**Nullable)


class PhoneInfoSerializer(serializers.Serializer):
    original = serializers.CharField(allow_blank=True)
    normalized = serializers.CharField(**Nullable, help_text="E.164, null when the number is not valid")
    is_valid = serializers.BooleanField()
    country_code = serializers.CharField(**Nullable, help_text="ISO 3166 region, e.g. US")
    calling_code = serializers.IntegerField(**Nullable)
    area_code = serializers.CharField(**Nullable)
    national = serializers.CharField(**Nullable)
    international = serializers.CharField(**Nullable)
    type = serializers.CharField(**Nullable, help_text="mobile, fixed_line, ...")
    timezones = serializers.ListField(child=serializers.CharField())
    error = serializers.CharField(**Nullable)


class SearchMetaSerializer(serializers.Serializer):
    query = serializers.CharField(allow_blank=True, help_text="The keyword(s) searched (`term` or `query`)")
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Items on this page")
    has_more = serializers.BooleanField()
    hasMore = serializers.BooleanField(help_text="Same as has_more")


class ContactEventSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Always contact.event")
    name = serializers.CharField()
    contact_id = serializers.CharField()
    deliveries = serializers.IntegerField(help_text="Webhook deliveries queued")


# --- calls and campaigns --------------------------------------------------------------------------------------

class CallSerializer(CallSummarySerializer):
    contact_id = serializers.CharField(**Nullable)
    campaign_id = serializers.CharField(**Nullable)
    phone = serializers.CharField(allow_blank=True)
    outcome = serializers.CharField(allow_blank=True)
    recording_url = serializers.CharField(**Nullable)
    transcript = serializers.CharField(allow_blank=True)
    ended_at = _when(**Nullable)


class DialerCallSerializer(CallSerializer):
    """A call as a dialer sees it: attempts, lease and the compliance decision taken when it was queued."""

    attempt = serializers.IntegerField()
    agent = serializers.CharField(**Nullable)
    not_before = _when(**Nullable)
    lease_expires_at = _when(**Nullable)
    cancel_reason = serializers.CharField(**Nullable)
    updated_at = _when()
    decision = serializers.DictField(**Nullable, help_text="The compliance decision recorded for the call")
    rules_version = serializers.CharField(**Nullable)


class ClaimedCallSerializer(CallSerializer):
    dial = serializers.CharField(help_text="The number to dial, E.164")
    script = serializers.CharField(allow_blank=True, help_text="The campaign script, rendered for the contact")
    attempt = serializers.IntegerField()
    agent = serializers.CharField(**Nullable)
    lease_expires_at = _when(**Nullable)
    decision = serializers.DictField(**Nullable)
    rules_version = serializers.CharField(**Nullable)
    contact = ContactSerializer(**Nullable)


class ClaimMetaSerializer(serializers.Serializer):
    claimed = serializers.IntegerField()


class CampaignSerializer(CampaignBriefSerializer):
    type = serializers.ChoiceField(choices=CampaignType.choices)
    subject = serializers.CharField(allow_blank=True)
    contacts_count = serializers.IntegerField()
    created_at = _when()


class CampaignQueueSerializer(serializers.Serializer):
    queued = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    done = serializers.IntegerField()
    excluded_dnc = serializers.IntegerField()
    members = serializers.IntegerField()


class CampaignDetailSerializer(CampaignSerializer):
    script = serializers.CharField(allow_blank=True)
    max_attempts = serializers.IntegerField()
    retry_after = serializers.IntegerField(help_text="Seconds between attempts at one member")
    started_at = _when(**Nullable)
    queue = CampaignQueueSerializer()


class CampaignStartedSerializer(CampaignDetailSerializer):
    queued = serializers.IntegerField(help_text="Calls queued by this start")


class CampaignHaltedSerializer(CampaignDetailSerializer):
    canceled = serializers.IntegerField(help_text="Queued calls canceled")


class ScriptSampleSerializer(serializers.Serializer):
    contact_id = serializers.CharField()
    text = serializers.CharField(allow_blank=True)


class ScriptPreviewSerializer(serializers.Serializer):
    script = serializers.CharField(allow_blank=True)
    variables = serializers.ListField(child=serializers.CharField())
    missing = serializers.IntegerField(help_text="Members who would hear a gap (a variable without a value)")
    samples = ScriptSampleSerializer(many=True)




# --- DNC ------------------------------------------------------------------------------------------------------

class DncEntrySerializer(serializers.Serializer):
    phone = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(choices=DncSource.choices)
    created_at = _when()


class DncEntryCreatedSerializer(DncEntrySerializer):
    contact_ids = _ids("Contacts with this number (now DNC)")


class DncRemovedSerializer(serializers.Serializer):
    phone = serializers.CharField()
    removed = serializers.BooleanField()
    contacts_reactivated = serializers.IntegerField()


# --- lists and custom fields ----------------------------------------------------------------------------------

class ContactListSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    contacts_count = serializers.IntegerField()
    created_at = _when()
    updated_at = _when()


class ListDeletedSerializer(DeletedSerializer):
    contacts_kept = serializers.IntegerField(help_text="Members of the list; they stay in the workspace")


class ListContactsAddedSerializer(serializers.Serializer):
    id = serializers.CharField()
    added = serializers.IntegerField()
    already_members = serializers.IntegerField()
    not_found = _ids()


class CampaignContactsAddedSerializer(ListContactsAddedSerializer):
    dnc_skipped = serializers.IntegerField()


class ListContactsRemovedSerializer(serializers.Serializer):
    id = serializers.CharField()
    removed = serializers.IntegerField()
    not_found = _ids()


class CustomFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(allow_blank=True)
    type = serializers.ChoiceField(choices=FieldType.choices)
    choices = serializers.ListField(child=serializers.CharField())
    created_at = _when()


class CustomFieldsMetaSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    has_more = serializers.BooleanField(help_text="Always false: every field is listed")
    hasMore = serializers.BooleanField()


class CustomFieldDeletedSerializer(serializers.Serializer):
    key = serializers.CharField()
    deleted = serializers.BooleanField()


# --- compliance -----------------------------------------------------------------------------------------------

class DecisionReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="dnc, outside_window, holiday, frequency_cap, ...")
    message = serializers.CharField()
    rule = serializers.CharField(**Nullable)
    source = serializers.CharField(**Nullable)
    jurisdiction = serializers.CharField(**Nullable)
    opens_at = _when(required=False, **Nullable, help_text="outside_window and holiday: when calls open again")
    next_allowed_at = _when(required=False, **Nullable, help_text="frequency_cap: the next allowed time")


class JurisdictionSerializer(serializers.Serializer):
    country = serializers.CharField(**Nullable)
    states = serializers.ListField(child=serializers.CharField())
    timezones = serializers.ListField(child=serializers.CharField())
    area_code_state = serializers.CharField(**Nullable)
    contact_state = serializers.CharField(**Nullable)


class ComplianceDecisionSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reasons = DecisionReasonSerializer(many=True)
    rules_version = serializers.CharField()
    phone = serializers.CharField()
    at = _when()
    campaign_type = serializers.CharField()
    subject = serializers.CharField(allow_blank=True)
    jurisdiction = JurisdictionSerializer()
    next_allowed_at = _when(**Nullable)
    rules_applied = serializers.ListField(child=serializers.CharField())
    campaign_id = serializers.CharField(**Nullable)
    contact_id = serializers.CharField(**Nullable)


class ConsentRecordSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField(help_text="Always consent")
    phone = serializers.CharField()
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    source = serializers.ChoiceField(choices=ConsentSource.choices)
    captured_at = _when()
    proof_url = serializers.CharField(**Nullable)
    proof_ip = serializers.CharField(**Nullable)
    proof_text = serializers.CharField(**Nullable)
    recording_id = serializers.CharField(**Nullable)
    recorded_by = serializers.CharField(**Nullable)
    created_at = _when()


class ConsentRevocationSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField(help_text="Always revocation")
    phone = serializers.CharField()
    channel = serializers.ChoiceField(choices=RevocationChannel.choices)
    note = serializers.CharField(**Nullable)
    revoked_at = _when()
    recorded_by = serializers.CharField(**Nullable)
    created_at = _when()


ConsentEntry = PolymorphicProxySerializer(
    component_name="ConsentEntry", serializers=[ConsentRecordSerializer, ConsentRevocationSerializer],
    resource_type_field_name=None, many=True)


class ConsentStateSerializer(serializers.Serializer):
    phone = serializers.CharField()
    express = serializers.BooleanField()
    express_written = serializers.BooleanField()
    revoked = serializers.BooleanField()
    revoked_at = _when(**Nullable)


class ConsentHistorySerializer(serializers.Serializer):
    """`data`: consents and revocations, oldest first; `meta`: the number's consent state now."""

    data = ConsentEntry
    meta = ConsentStateSerializer()


# --- webhooks -------------------------------------------------------------------------------------------------

class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    events = serializers.ListField(child=serializers.CharField(), help_text="Event types; empty means all")
    enabled = serializers.BooleanField()
    failing_since = _when(**Nullable)
    disabled_reason = serializers.CharField(**Nullable)
    created_at = _when()
    updated_at = _when()


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret (whsec_...), shown only here")


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.CharField()
    webhook_id = serializers.CharField(help_text="The event's id, sent as the `webhook-id` header")
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = _when(**Nullable)
    last_status_code = serializers.IntegerField(**Nullable)
    last_latency_ms = serializers.IntegerField(**Nullable)
    response_excerpt = serializers.CharField(allow_blank=True)
    last_error = serializers.CharField(**Nullable)
    created_at = _when()
    updated_at = _when()


# --- the response bodies, by operation ------------------------------------------------------------------------

ContactResponse = one(ContactSerializer, "ContactResponse")
ContactPage = many(ContactSummarySerializer, "ContactPage")
ContactSearchPage = many(ContactSummarySerializer, "ContactSearchPage", SearchMetaSerializer)
DeletedResponse = one(DeletedSerializer, "DeletedResponse")
ContactDncResponse = one(ContactDncStateSerializer, "ContactDncStateResponse")
MergedContactResponse = one(MergedContactSerializer, "MergedContactResponse")
ImportResultResponse = one(ImportResultSerializer, "ImportResultResponse")
PhoneInfoResponse = one(PhoneInfoSerializer, "PhoneInfoResponse")
ContactEventResponse = one(ContactEventSerializer, "ContactEventResponse")
CallResponse = one(CallSerializer, "CallResponse")
CallPage = many(CallSerializer, "CallPage")
DialerCallResponse = one(DialerCallSerializer, "DialerCallResponse")
ClaimedCalls = many(ClaimedCallSerializer, "ClaimedCallsResponse", ClaimMetaSerializer)
CampaignResponse = one(CampaignSerializer, "CampaignResponse")
CampaignPage = many(CampaignSerializer, "CampaignPage")
CampaignDetailResponse = one(CampaignDetailSerializer, "CampaignDetailResponse")
CampaignStartedResponse = one(CampaignStartedSerializer, "CampaignStartedResponse")
CampaignHaltedResponse = one(CampaignHaltedSerializer, "CampaignHaltedResponse")
ScriptPreviewResponse = one(ScriptPreviewSerializer, "ScriptPreviewResponse")
CampaignContactsAddedResponse = one(CampaignContactsAddedSerializer, "CampaignContactsAddedResponse")
DncEntryPage = many(DncEntrySerializer, "DncEntryPage")
DncEntryCreatedResponse = one(DncEntryCreatedSerializer, "DncEntryCreatedResponse")
DncRemovedResponse = one(DncRemovedSerializer, "DncRemovedResponse")
ContactListResponse = one(ContactListSerializer, "ContactListResponse")
ContactListPage = many(ContactListSerializer, "ContactListPage")
ListDeletedResponse = one(ListDeletedSerializer, "ListDeletedResponse")
ListContactsAddedResponse = one(ListContactsAddedSerializer, "ListContactsAddedResponse")
ListContactsRemovedResponse = one(ListContactsRemovedSerializer, "ListContactsRemovedResponse")
CustomFieldResponse = one(CustomFieldSerializer, "CustomFieldResponse")
CustomFieldPage = many(CustomFieldSerializer, "CustomFieldPage", CustomFieldsMetaSerializer)
CustomFieldDeletedResponse = one(CustomFieldDeletedSerializer, "CustomFieldDeletedResponse")
ConsentHistory = ConsentHistorySerializer
ComplianceDecisionResponse = one(ComplianceDecisionSerializer, "ComplianceDecisionResponse")
ConsentRecordResponse = one(ConsentRecordSerializer, "ConsentRecordResponse")
ConsentRevocationResponse = one(ConsentRevocationSerializer, "ConsentRevocationResponse")
WebhookEndpointResponse = one(WebhookEndpointSerializer, "WebhookEndpointResponse")
WebhookEndpointWithSecretResponse = one(WebhookEndpointWithSecretSerializer, "WebhookEndpointWithSecretResponse")
WebhookEndpointList = many(WebhookEndpointSerializer, "WebhookEndpointList", None,
                           "Every endpoint of the workspace (not paged).")
WebhookDeliveryResponse = one(WebhookDeliverySerializer, "WebhookDeliveryResponse")
WebhookDeliveryPage = many(WebhookDeliverySerializer, "WebhookDeliveryPage")

QueuedCallResponses = {
    201: OpenApiResponse(CallResponse, description="A call was queued"),
    200: OpenApiResponse(CallResponse, description="The contact's call already queued or under way"),
}
