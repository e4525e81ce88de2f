"""Django admin for platform operators: each domain registers its own models; every write calls the services."""
from contacts.campaigns import admin as campaigns_admin
from contacts.compliance import admin as compliance_admin
from contacts.contacts import admin as contacts_admin
from contacts.imports import admin as imports_admin
from contacts.lists import admin as lists_admin
from contacts.tags import admin as tags_admin
from contacts.webhooks import admin as webhooks_admin
from contacts.workspaces import admin as workspaces_admin

__all__ = ["campaigns_admin", "compliance_admin", "contacts_admin", "imports_admin", "workspaces_admin"]
__all__ += ["webhooks_admin"]
__all__ += ["lists_admin"]
__all__ += ["tags_admin"]
