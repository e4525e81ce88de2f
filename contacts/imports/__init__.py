"""Contact imports: one pipeline for the wizard, the API's bulk import, the admin and `import_contacts`.

`reader` turns CSV/XLSX files into rows, `mapping` maps columns to contact fields, `pipeline`
decides every row's verdict and writes in chunks, `batches` runs file imports as batches
(preview, background run, resume, error report, revert).
"""
from __future__ import annotations

import importlib
from typing import Any

# Lazy re-exports: `contacts.models` imports `contacts.imports.models` while the app loads, before the
# pipeline (which needs every model) can be imported.
_PUBLIC = {
    "ColumnMapping": "mapping",
    "FileProblem": "reader",
    "ImportResult": "pipeline",
    "OpenedTable": "reader",
    "Options": "pipeline",
    "PREVIEW_GROUPS": "batches",
    "Preview": "batches",
    "RevertRefused": "batches",
    "RowError": "pipeline",
    "RowVerdict": "pipeline",
    "TARGETS": "mapping",
    "TableSource": "reader",
    "VERDICT_LABELS": "pipeline",
    "batch_can_resume": "batches",
    "batch_configure": "batches",
    "batch_is_stale": "batches",
    "batch_mapping": "batches",
    "batch_options": "batches",
    "batch_revert": "batches",
    "batch_run": "batches",
    "batch_table": "batches",
    "batch_worker_lost": "batches",
    "draft_expires_at": "batches",
    "drafts_expire": "batches",
    "error_report_csv": "batches",
    "error_report_rows": "batches",
    "header_signature": "mapping",
    "import_file": "batches",
    "import_records": "pipeline",
    "mapping_targets": "batches",
    "max_upload_bytes": "batches",
    "preview_counts_request": "batches",
    "preview_counts_run": "batches",
    "preview_file": "batches",
    "preview_sample": "batches",
    "preview_signature": "batches",
    "preview_state": "batches",
    "read_source": "batches",
    "remember_mapping": "batches",
    "stored_rows": "batches",
    "suggest_mapping": "batches",
    "upload_create": "batches",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    globals()[name] = value
    return value
