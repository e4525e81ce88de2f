"""Every write that has rules, re-exported from its domain package.

Dashboard, admin, API and commands call these and nothing else. Each domain keeps its own:
`workspaces.services` (workspaces, members, API keys), `contacts.services` and `contacts.merge`,
`compliance.services` (the DNC list), `compliance.calling` (calling hours), `compliance.decision` (the one
decision every dial path asks), `compliance.consents` (consent ledger), `compliance.manage` (registry files,
workspace rules, report), `campaigns.services` (campaigns and calls), `workspaces.rules` (a workspace's phone
rules and plan room), `webhooks.services` (webhook endpoints and `webhook_emit`).
"""
from contacts.campaigns.services import (
    MembershipChange,
    call_log,
    call_queue_outbound,
    campaign_add_contacts,
    campaign_create,
    campaign_remove_all_contacts,
    campaign_remove_contacts,
    campaign_undo_add,
    campaign_update,
)
from contacts.compliance.calling import CallingWindow, calling_window
from contacts.compliance.consents import consent_record, consent_revoke
from contacts.compliance.decision import Decision, Target, decide, decide_many
from contacts.compliance.manage import (
    compliance_report,
    registry_delete,
    registry_import,
    workspace_rule_add,
    workspace_rule_delete,
)
from contacts.compliance.selectors import dnc_numbers_among
from contacts.compliance.services import (
    contact_mark_dnc,
    contact_reactivate,
    contacts_mark_dnc,
    dnc_add_number,
    dnc_add_numbers,
    dnc_remove_number,
    dnc_upload_apply,
)
from contacts.contacts.merge import MergePlan, contact_merge, merge_plan
from contacts.contacts.services import (
    EDITABLE_FIELDS,
    contact_create,
    contact_delete,
    contact_update,
    contacts_delete,
    contacts_export_record,
)
from contacts.errors import (
    CallNotAllowed,
    ContactDnc,
    ContactLimitReached,
    ContactNotFound,
    DuplicatePhone,
    Forbidden,
    ImportTooLarge,
    InvalidPhone,
    NotFound,
    OutsideCallingHours,
    ServiceError,
    ValidationFailed,
)
from contacts.fields.services import contacts_set_field, field_create, field_delete, field_update, validate_metadata
from contacts.lists.services import (
    ListChange,
    contact_move_to_list,
    list_add_contacts,
    list_create,
    list_create_from,
    list_delete,
    list_remove_contacts,
    list_rename,
)
from contacts.tags.services import (
    contact_set_tags,
    contacts_tag,
    contacts_untag,
    split_tags,
    tag_create,
    tag_delete,
    tag_update,
    tags_ensure,
)
from contacts.webhooks.services import (
    EVENT_TYPES,
    EndpointDisabled,
    contact_event_emit,
    webhook_delivery_resend,
    webhook_emit,
    webhook_emit_many,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from contacts.workspaces.rules import contact_limit_check, normalize_for_workspace
from contacts.workspaces.services import (
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    member_add,
    member_invite,
    member_remove,
    member_set_role,
    set_password_path,
    workspace_archive,
    workspace_create,
)

__all__ = [
    "CallNotAllowed", "Decision", "Target", "compliance_report", "consent_record", "consent_revoke", "decide",
    "decide_many", "registry_delete", "registry_import", "workspace_rule_add", "workspace_rule_delete",
    "EDITABLE_FIELDS", "CallingWindow", "ContactDnc", "ContactLimitReached", "ContactNotFound", "DuplicatePhone",
    "Forbidden", "ImportTooLarge", "InvalidPhone", "MembershipChange", "MergePlan", "NotFound", "OutsideCallingHours",
    "ServiceError", "ValidationFailed", "api_key_authenticate", "api_key_create", "api_key_revoke", "call_log",
    "call_queue_outbound", "calling_window", "campaign_add_contacts", "campaign_create",
    "campaign_remove_all_contacts", "campaign_remove_contacts", "campaign_undo_add", "campaign_update",
    "contact_create", "contact_delete", "contact_limit_check", "contact_mark_dnc", "contact_merge",
    "contact_reactivate", "contact_update", "contacts_delete", "contacts_export_record", "contacts_mark_dnc",
    "dnc_add_number", "dnc_add_numbers", "dnc_numbers_among", "dnc_remove_number", "dnc_upload_apply", "member_add",
    "member_invite", "member_remove", "member_set_role", "merge_plan", "normalize_for_workspace",
    "set_password_path", "workspace_archive", "workspace_create",
]
__all__ += [
    "EVENT_TYPES", "EndpointDisabled", "contact_event_emit", "webhook_delivery_resend", "webhook_emit",
    "webhook_emit_many", "webhook_endpoint_create", "webhook_endpoint_delete", "webhook_endpoint_rotate_secret",
    "webhook_endpoint_update",
]
__all__ += [
    "ListChange", "contact_move_to_list", "list_add_contacts", "list_create", "list_create_from", "list_delete",
    "list_remove_contacts", "list_rename",
]
__all__ += [
    "contact_set_tags", "contacts_tag", "contacts_untag", "split_tags", "tag_create", "tag_delete", "tag_update",
    "tags_ensure",
]
__all__ += ["contacts_set_field", "field_create", "field_delete", "field_update", "validate_metadata"]
