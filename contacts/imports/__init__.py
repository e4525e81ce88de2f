"""Contact imports: one pipeline for the wizard, the API's bulk import, the admin and `import_contacts`.

`reader` turns CSV/XLSX files into rows, `mapping` maps columns to contact fields, `pipeline`
decides every row's verdict and writes in chunks, `batches` runs file imports as batches
(preview, background run, resume, error report, revert).
"""
from .batches import (
    Preview,
    RevertRefused,
    batch_can_resume,
    batch_configure,
    batch_is_stale,
    batch_mapping,
    batch_options,
    batch_revert,
    batch_run,
    batch_table,
    error_report_csv,
    error_report_rows,
    import_file,
    max_upload_bytes,
    preview_file,
    read_source,
    remember_mapping,
    suggest_mapping,
    upload_create,
)
from .mapping import TARGETS, ColumnMapping, header_signature
from .pipeline import VERDICT_LABELS, ImportResult, Options, RowError, RowVerdict, import_records
from .reader import FileProblem, OpenedTable, TableSource

__all__ = [
    "TARGETS", "VERDICT_LABELS", "ColumnMapping", "FileProblem", "ImportResult", "OpenedTable", "Options",
    "Preview", "RevertRefused", "RowError", "RowVerdict", "TableSource", "batch_can_resume", "batch_configure",
    "batch_is_stale", "batch_mapping", "batch_options", "batch_revert", "batch_run", "batch_table",
    "error_report_csv", "error_report_rows", "header_signature", "import_file", "import_records",
    "max_upload_bytes", "preview_file", "read_source", "remember_mapping", "suggest_mapping", "upload_create",
]
