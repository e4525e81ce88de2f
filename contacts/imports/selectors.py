"""Reads about imports: fetch one batch in a workspace."""
from __future__ import annotations

from contacts.errors import NotFound
from contacts.imports.models import ImportBatch
from contacts.workspaces.models import Workspace


def import_batch_get(workspace: Workspace, public_id: str) -> ImportBatch:
    batch = ImportBatch.objects.for_workspace(workspace).filter(public_id=public_id).first()
    if batch is None:
        raise NotFound(f"Import {public_id} doesn't exist.", code="import_not_found", details={"id": public_id})
    return batch
