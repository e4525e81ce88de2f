"""The one import pipeline: every row gets a verdict, then chunked set-based writes with a checkpoint.

Wizard, API bulk import, admin and the `import_contacts` command all end here, so they can never
disagree about a row. Per chunk of rows: phone numbers are parsed once per distinct cell, one
query finds existing contacts, one finds DNC numbers, then bulk_create / bulk_update and the
batch's counters and checkpoint are written in the same transaction. A worker killed mid-import
leaves counts that match the database, and running the batch again continues after the
checkpoint instead of duplicating anything.

`verdicts` classifies rows (shared with the preview), `writer` writes a chunk, `run` drives a batch.
"""
from .run import (
    CHUNK_SIZE,
    DNC,
    DUPLICATE_IN_FILE,
    ERROR_CODES,
    EXISTS,
    INVALID_DATA,
    INVALID_PHONE,
    NEW,
    NO_PHONE,
    OVER_LIMIT,
    UNCHANGED,
    UPDATE,
    VERDICT_LABELS,
    ConcurrentRun,
    Evaluator,
    ImportResult,
    Options,
    RowError,
    RowVerdict,
    Writer,
    batch_fail,
    batch_finish,
    batch_start,
    chunked,
    import_records,
    new_batch,
    options_json,
    progress_chunk_size,
    run_rows,
)

__all__ = [
    "CHUNK_SIZE", "DNC", "DUPLICATE_IN_FILE", "ERROR_CODES", "EXISTS", "INVALID_DATA", "INVALID_PHONE", "NEW",
    "NO_PHONE", "OVER_LIMIT", "UNCHANGED", "UPDATE", "VERDICT_LABELS", "ConcurrentRun", "Evaluator", "ImportResult",
    "Options", "RowError", "RowVerdict", "Writer", "batch_fail", "batch_finish", "batch_start", "chunked",
    "import_records", "new_batch", "options_json", "progress_chunk_size", "run_rows",
]
