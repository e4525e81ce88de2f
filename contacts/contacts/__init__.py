"""Contacts: create, edit, merge, delete, search and the saved views of the list."""
