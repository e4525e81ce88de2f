"""Every model of the app, re-exported from its domain package (Django loads models from here)."""
from contacts.workspaces.models import (  # noqa: I001 - dependency order
    API_KEY_PREFIX,
    PLAN_CONTACT_LIMITS,
    ApiKey,
    Membership,
    PhoneValidation,
    Plan,
    Role,
    Workspace,
    WorkspaceQuerySet,
    hash_api_key,
    new_call_id,
    new_campaign_id,
    new_contact_id,
    new_import_id,
    new_public_id,
)
from contacts.contacts.models import (
    Contact,
    ContactPhone,
    ContactQuerySet,
    ContactStatus,
    DuplicateScan,
    PhoneLabel,
    SavedView,
)
from contacts.campaigns.models import (
    OUTCOME_DNC_REQUESTED,
    OUTCOME_REVOKED_CONSENT,
    Call,
    CallDirection,
    CallStatus,
    Campaign,
    CampaignAdd,
    CampaignMembership,
    CampaignStatus,
    CampaignType,
    Sentiment,
)
from contacts.lists.models import ContactList, ListMembership
from contacts.tags.models import ContactTag, Tag, TagColour
from contacts.fields.models import CustomField, FieldType
from contacts.imports.models import ImportBatch, ImportMappingMemory, ImportRow, ImportRowOutcome, ImportStatus
from contacts.compliance.models import (
    AppendOnlyModel,
    AppendOnlyQuerySet,
    AuditEvent,
    ConsentKind,
    ConsentRecord,
    ConsentRevocation,
    ConsentSource,
    DncAction,
    DncAuditLog,
    DncEntry,
    DncSource,
    RegistryBlock,
    RegistryKind,
    RegistrySource,
    RevocationChannel,
    WorkspaceRule,
)
from contacts.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from contacts.worker.models import WorkerHeartbeat

__all__ = [
    "API_KEY_PREFIX", "OUTCOME_DNC_REQUESTED", "OUTCOME_REVOKED_CONSENT", "CampaignType", "ConsentKind",
    "ConsentRecord", "ConsentRevocation", "ConsentSource", "RegistryBlock", "RegistryKind", "RegistrySource",
    "RevocationChannel", "WorkspaceRule", "PLAN_CONTACT_LIMITS", "ApiKey", "AppendOnlyModel",
    "AppendOnlyQuerySet", "AuditEvent", "Call", "CallDirection", "CallStatus", "Campaign", "CampaignAdd",
    "CampaignMembership", "CampaignStatus", "Contact", "ContactPhone", "ContactQuerySet", "ContactStatus", "DncAction",
    "DncAuditLog", "DncEntry", "DncSource", "ImportBatch", "ImportMappingMemory", "ImportRow", "ImportRowOutcome",
    "ImportStatus", "Membership", "PhoneLabel", "PhoneValidation", "Plan", "Role", "SavedView", "Sentiment",
    "Workspace", "WorkerHeartbeat", "WorkspaceQuerySet", "hash_api_key", "new_call_id", "new_campaign_id",
    "new_contact_id", "new_import_id", "new_public_id",
]
__all__ += ["DeliveryStatus", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint", "WebhookEvent"]
__all__ += ["ContactList", "DuplicateScan", "ListMembership"]
__all__ += ["ContactTag", "Tag", "TagColour"]
__all__ += ["CustomField", "FieldType"]
