"""Named static lists per workspace and their members (deleting a list never deletes a contact)."""
from __future__ import annotations

from django.db import models

from contacts.contacts.models import Contact
from contacts.workspaces.models import Workspace, WorkspaceQuerySet, new_public_id


def new_list_id() -> str:
    return new_public_id("list")


class ContactList(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contact_lists")
    public_id = models.CharField(max_length=40, unique=True, default=new_list_id, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    contacts = models.ManyToManyField(Contact, through="ListMembership", related_name="lists")

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="contactlist_unique_name")]

    def __str__(self) -> str:
        return self.name


class ListMembership(models.Model):
    # The unique (list, contact) index serves the contacts-list filter; (contact, list) serves `lists` on a contact.
    contact_list = models.ForeignKey(ContactList, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="list_memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact_list", "contact"], name="listmember_unique_list_contact"),
        ]
        indexes = [models.Index(fields=["contact", "contact_list"], name="listmember_contact_list")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.contact_list_id}"
