"""Every write that has rules. Dashboard, admin, API and commands call these and nothing else."""
from ._common import normalize_for_workspace
from .accounts import api_key_authenticate, api_key_create, api_key_revoke, workspace_create
from .calls import CallingWindow, call_log, call_queue_outbound, calling_window
from .campaigns import (
    MembershipChange,
    campaign_add_contacts,
    campaign_create,
    campaign_remove_contacts,
    campaign_update,
)
from .contacts import EDITABLE_FIELDS, contact_create, contact_delete, contact_limit_check, contact_update
from .dnc import (
    contact_mark_dnc,
    contact_reactivate,
    contacts_mark_dnc,
    dnc_add_number,
    dnc_numbers_among,
    dnc_remove_number,
)
from .errors import (
    ContactDnc,
    ContactLimitReached,
    ContactNotFound,
    DuplicatePhone,
    ImportTooLarge,
    InvalidPhone,
    NotFound,
    OutsideCallingHours,
    ServiceError,
    ValidationFailed,
)

__all__ = [
    "EDITABLE_FIELDS", "CallingWindow", "ContactDnc", "ContactLimitReached", "ContactNotFound", "DuplicatePhone",
    "ImportTooLarge", "InvalidPhone", "MembershipChange", "NotFound", "OutsideCallingHours", "ServiceError",
    "ValidationFailed", "api_key_authenticate", "api_key_create", "api_key_revoke", "call_log",
    "call_queue_outbound", "calling_window", "campaign_add_contacts", "campaign_create", "campaign_remove_contacts",
    "campaign_update", "contact_create", "contact_delete", "contact_limit_check", "contact_mark_dnc",
    "contact_reactivate", "contact_update", "contacts_mark_dnc", "dnc_add_number", "dnc_numbers_among",
    "dnc_remove_number", "normalize_for_workspace", "workspace_create",
]

# --- dashboard: bulk actions ---
from .bulk import contacts_delete, contacts_export_record  # noqa: E402

__all__ += ["contacts_delete", "contacts_export_record"]

# --- integrations: merge ---
from .merge import MergePlan, contact_merge, merge_plan  # noqa: E402

__all__ += ["MergePlan", "contact_merge", "merge_plan"]
