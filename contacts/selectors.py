"""Reads shared by the dashboard, API and commands, re-exported from their domain packages."""
from contacts.campaigns.selectors import (
    ANSWERED_STATUSES,
    call_get,
    campaign_add_get,
    campaign_add_preview,
    campaign_get,
    campaign_recent_adds,
    overview_stats,
)
from contacts.compliance.consents import consent_history, consent_state, consent_states_among
from contacts.compliance.registry import registry_is_listed, registry_numbers_among
from contacts.compliance.selectors import dnc_entry_for, dnc_is_listed, dnc_numbers_among
from contacts.contacts.selectors import contact_get, contact_search
from contacts.counting import COUNT_CAP, Total, bounded_count
from contacts.imports.selectors import import_batch_get
from contacts.lists.selectors import attach_list_ids, list_get, list_ids_by_contact, list_members, lists_with_counts
from contacts.tags.selectors import attach_tags, tag_get, tag_names_by_contact, tags_with_counts
from contacts.workspaces.rules import plan_room
from contacts.workspaces.selectors import plan_usage, user_workspaces

__all__ = [
    "consent_history", "consent_state", "consent_states_among", "registry_is_listed", "registry_numbers_among",
    "ANSWERED_STATUSES", "COUNT_CAP", "Total", "bounded_count", "call_get", "campaign_add_get", "campaign_add_preview",
    "campaign_get", "campaign_recent_adds", "contact_get", "contact_search", "dnc_entry_for", "dnc_is_listed",
    "dnc_numbers_among", "import_batch_get", "overview_stats", "plan_room", "plan_usage",
    "user_workspaces",
]
__all__ += ["attach_list_ids", "list_get", "list_ids_by_contact", "list_members", "lists_with_counts"]
__all__ += ["attach_tags", "tag_get", "tag_names_by_contact", "tags_with_counts"]
