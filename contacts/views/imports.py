"""The import wizard (upload -> map columns -> preview + options -> background import) and batch pages.

Views stay thin: reading, mapping, previewing, running, reverting and the error report all live in
contacts.imports; the run itself is a django-tasks task (contacts.tasks).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from contacts import labels, selectors, services, tasks
from contacts import phone as phone_rules
from contacts.imports import (
    TARGETS,
    VERDICT_LABELS,
    ColumnMapping,
    FileProblem,
    ImportResult,
    Options,
    RevertRefused,
    batch_can_resume,
    batch_configure,
    batch_is_stale,
    batch_mapping,
    batch_options,
    batch_revert,
    batch_table,
    draft_expires_at,
    drafts_expire,
    error_report_csv,
    mapping_targets,
    max_upload_bytes,
    preview_counts_request,
    preview_sample,
    preview_state,
    stored_rows,
    upload_create,
)
from contacts.imports.mapping import (
    COUNTRY,
    FIELD_PREFIX,
    IGNORE,
    METADATA,
    PHONE,
    field_key,
    is_field_target,
)
from contacts.models import Campaign, ImportBatch, ImportRow, ImportRowOutcome, ImportStatus, Workspace
from contacts.views.access import needs
from contacts.worker.health import backend_kind, worker_alive
from contacts.workspaces.permissions import Perm
from contacts.workspaces.rules import workspace_country

SAMPLE_VALUES = 3
ERRORS_SHOWN = 100
VERDICT_BADGES = {
    "new": "bg-green-lt", "update": "bg-blue-lt", "dnc": "bg-red-lt", "duplicate_in_file": "bg-yellow-lt",
    "exists": "bg-yellow-lt", "unchanged": "bg-secondary-lt", "invalid_phone": "bg-orange-lt",
    "no_phone": "bg-secondary-lt", "validation_error": "bg-orange-lt", "over_limit": "bg-purple-lt",
}
QUEUED_GRACE = timedelta(seconds=60)  # a queued batch nobody picked up this long is flagged when no worker lives
# The preview's filter chips: (key, label) in the order shown; PREVIEW_GROUPS says which verdicts each holds.
PREVIEW_CHIPS = (("invalid", "Invalid"), ("duplicate", "Duplicates in this file"), ("exists", "Already exist"))


# --- helpers ------------------------------------------------------------------------------------

def _workspace(request: HttpRequest) -> Workspace:
    if getattr(request, "workspace", None) is None:
        raise Http404("You are not a member of any workspace.")
    return request.workspace


def _batch(request: HttpRequest, batch_id: str) -> ImportBatch:
    try:
        return selectors.import_batch_get(_workspace(request), batch_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc


def _queued(batch: ImportBatch) -> bool:
    return bool((batch.options or {}).get("queued_at"))


def _waiting_too_long(batch: ImportBatch) -> bool:
    queued_at = parse_datetime(str((batch.options or {}).get("queued_at") or ""))
    return queued_at is not None and queued_at < timezone.now() - QUEUED_GRACE


def display_status(batch: ImportBatch, worker_ok: Callable[[], bool] = worker_alive) -> str:
    """The status a person should see: a pending batch is a draft until confirmed, then queued; a queued batch
    that no live worker picked up within a minute is waiting for a worker (`no_worker`)."""
    if batch.status == ImportStatus.PENDING:
        if not _queued(batch):
            return "draft"
        return "no_worker" if _waiting_too_long(batch) and not worker_ok() else "queued"
    if batch_is_stale(batch):
        return "stalled"
    return batch.status


def _once(check: Callable[[], bool]) -> Callable[[], bool]:
    """`check`, asked at most once (a list page asks about the worker for many batches)."""
    answer: list[bool] = []

    def ask() -> bool:
        if not answer:
            answer.append(check())
        return answer[0]

    return ask


def progress_data(batch: ImportBatch, worker_ok: Callable[[], bool] = worker_alive) -> dict:
    """Rows done of total, rows per second and time left, as the progress bar shows them."""
    total = max(batch.rows, batch.rows_processed)
    done = batch.rows_processed
    rate = 0.0
    taken = None
    if batch.started_at and batch.finished_at and batch.status != ImportStatus.PROCESSING:
        taken = round(max((batch.finished_at - batch.started_at).total_seconds(), 0), 1)
    if batch.started_at and done:
        end = batch.finished_at if batch.status != ImportStatus.PROCESSING else (batch.heartbeat_at or timezone.now())
        seconds = max((end - batch.started_at).total_seconds(), 0.001)
        rate = done / seconds
    left = (total - done) / rate if rate and total > done else None
    status = display_status(batch, worker_ok)
    return {
        "id": batch.public_id, "status": status, "status_label": labels.label(status, "import_status"),
        "done": status in ("completed", "failed", "reverted"),
        "rows": total, "rows_processed": done, "percent": round(100 * done / total) if total else 0,
        "rate": round(rate), "seconds_left": round(left) if left is not None else None,
        "imported": batch.imported, "updated": batch.updated, "duplicates_skipped": batch.duplicates_skipped,
        "invalid_skipped": batch.invalid_skipped, "limit_skipped": batch.limit_skipped, "dnc": batch.dnc,
        "no_phone": batch.no_phone, "invalid_phone": batch.invalid_skipped - batch.no_phone,
        "error": batch.error_message, "seconds_taken": taken,
    }


def _wizard_step(batch: ImportBatch) -> str:
    """Where a batch that has not started yet continues."""
    return reverse("import_mapping", args=[batch.public_id])


def _campaigns(workspace: Workspace):
    return Campaign.objects.for_workspace(workspace).order_by("name").values_list("public_id", "name")


def _countries() -> list[tuple[str, str]]:
    return phone_rules.country_choices()


# --- list and upload ----------------------------------------------------------------------------

@needs(Perm.VIEW)
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    workspace = _workspace(request)
    batches = ImportBatch.objects.for_workspace(workspace).select_related("uploaded_by").order_by("-created_at", "-id")
    drafts_expire(workspace=workspace)  # also the worker's housekeeping; here so an expired draft is never listed
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    alive = _once(worker_alive)
    for batch in page.object_list:
        batch.progress = progress_data(batch, alive)
        batch.expires_at = draft_expires_at(batch) if batch.progress["status"] == "draft" else None
    return render(request, "contacts/imports/list.html", {"page": page})


@needs(Perm.EDIT)
def import_new(request: HttpRequest) -> HttpResponse:
    workspace = _workspace(request)
    context = {"max_bytes": max_upload_bytes(), "max_mb": max_upload_bytes() // 1_048_576}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "Choose a CSV, Excel (.xlsx) or vCard (.vcf) file to upload."
            return render(request, "contacts/imports/upload.html", context, status=400)
        try:
            batch, _ = upload_create(workspace=workspace, upload=upload, actor=request.user)
        except FileProblem as exc:
            context.update(error=exc.message, error_code=exc.code, file_name=upload.name)
            return render(request, "contacts/imports/upload.html", context, status=400)
        return redirect("import_mapping", batch_id=batch.public_id)
    return render(request, "contacts/imports/upload.html", context)


# --- mapping ------------------------------------------------------------------------------------

def _open(request: HttpRequest, batch: ImportBatch):
    """The stored file, read again; a file that vanished or broke sends the user back to upload."""
    try:
        return batch_table(batch)
    except (FileProblem, OSError) as exc:
        message = getattr(exc, "message", None) or "The uploaded file is no longer available."
        messages.error(request, f"{message} Upload the file again.")
        return None


def _editable(request: HttpRequest, batch: ImportBatch) -> bool:
    if batch.status == ImportStatus.PENDING and not _queued(batch):
        return True
    messages.info(request, "This import has already started; its mapping and options can no longer change.")
    return False


def mapping_from_post(post, base: ColumnMapping,
                      targets: dict[str, str] | None = None) -> tuple[ColumnMapping, list[str]]:
    """The user's column choices: a target per column and an order for the phone columns.

    `targets` are the choices offered (mapping_targets: the contact fields and the workspace's custom fields).
    """
    targets = TARGETS if targets is None else targets
    fields = [post.get(f"field_{i}", base.fields[i]) for i in range(len(base.headers))]
    errors = [f"“{base.headers[i]}” is mapped to the custom field “{field_key(f)}”, which this workspace does not "
              "have; choose another target." for i, f in enumerate(fields)
              if str(f).startswith(FIELD_PREFIX) and f not in targets]
    fields = [f if f in targets else METADATA for f in fields]
    if post.get("unmapped") in (METADATA, IGNORE):
        fields = [post["unmapped"] if f in (METADATA, IGNORE) else f for f in fields]

    def rank(i: int) -> tuple[int, int]:
        try:
            return int(post.get(f"order_{i}", "")), i
        except ValueError:
            return 10_000, i

    phones = [i for i, f in enumerate(fields) if f == PHONE]
    order = sorted(phones, key=rank)
    mapping = base.with_fields(fields, order)
    if not mapping.has_phone:
        errors.append("Map at least one column to Phone number.")
    singles = ("first_name", "last_name", "full_name", "email", "company", "title", "notes")
    for target in (*singles, *(t for t in targets if is_field_target(t))):
        columns = mapping.columns_for(target)
        if len(columns) > 1:
            names = ", ".join(f"“{mapping.headers[i]}”" for i in columns)
            errors.append(f"{targets[target]} is chosen for several columns ({names}); pick one.")
    return mapping, errors


def _mapping_rows(mapping: ColumnMapping, opened) -> list[dict]:
    samples: list[list[str]] = [[] for _ in mapping.headers]
    for number, cells in opened.data_rows():
        for i, value in enumerate(cells):
            value = value.strip()
            if value and len(samples[i]) < SAMPLE_VALUES and value not in samples[i]:
                samples[i].append(value[:60])
        if number >= 50 or all(len(s) >= SAMPLE_VALUES for s in samples):
            break
    rows = []
    for column in mapping.describe():
        column["samples"] = samples[column["index"]]
        rows.append(column)
    return rows


@needs(Perm.EDIT)
def import_mapping(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(request, batch_id)
    if not _editable(request, batch):
        return redirect("import_detail", batch_id=batch.public_id)
    opened = _open(request, batch)
    if opened is None:
        return redirect("import_new")
    mapping = batch_mapping(batch, opened.table.headers)
    targets = mapping_targets(_workspace(request))
    errors: list[str] = []
    if request.method == "POST":
        mapping, errors = mapping_from_post(request.POST, mapping, targets)
        if not errors:
            batch_configure(batch, mapping=mapping, options=batch_options(batch), actor=request.user)
            return redirect("import_preview", batch_id=batch.public_id)
    context = {
        "batch": batch, "table": opened.table, "columns": _mapping_rows(mapping, opened), "errors": errors,
        "targets": list(targets.items()), "phone_count": len(mapping.phone_order),
        "remembered": bool(batch.column_mapping) and request.method == "GET",
    }
    return render(request, "contacts/imports/mapping.html", context, status=400 if errors else 200)


# --- preview, options, confirm ------------------------------------------------------------------

def options_from_post(post, workspace: Workspace) -> tuple[Options, list[str]]:
    errors = []
    country = workspace_country(workspace, post.get("default_country"))
    if not phone_rules.is_supported_region(country):
        errors.append(f"{country!r} is not a country code.")
        country = workspace_country(workspace)
    campaign = None
    if post.get("campaign_id"):
        campaign = Campaign.objects.for_workspace(workspace).filter(public_id=post["campaign_id"]).first()
        if campaign is None:
            errors.append("That campaign does not exist.")
    update = post.get("existing") == "update"
    return Options(skip_duplicates=not update, update_existing=update, default_country=country,
                   campaign=campaign), errors


def _preview_rows(verdicts, mapping: ColumnMapping, country: str) -> list[dict]:
    build = mapping.compile()
    rows = []
    for row in verdicts:
        record = build(row.raw) if isinstance(row.raw, list) else dict(row.raw or {})
        name = " ".join(str(record.get(k) or "") for k in ("first_name", "last_name")).strip()
        raw_phones = [c for c in record.get("phone", []) if c]
        rows.append({
            "index": row.index, "name": name or "—", "company": record.get("company") or "",
            "raw_phone": row.raw_phone or (raw_phones[0] if raw_phones else ""),
            "phone": row.phone, "display": phone_rules.display(row.phone, country) if row.phone else "",
            "verdict": row.verdict, "label": VERDICT_LABELS.get(row.verdict, row.verdict),
            "badge": VERDICT_BADGES.get(row.verdict, "bg-secondary-lt"), "message": row.message,
        })
    return rows


@dataclass
class _Counts:
    """Whole-file counts from the worker's preview_state, shaped as the template reads them."""

    counts: Counter
    total: int
    result: ImportResult
    group_counts: Counter
    samples: dict[str, list]


def _counts_from_state(state: dict | None) -> _Counts | None:
    if not state or state.get("status") != "done":
        return None
    result = ImportResult(**{k: v for k, v in (state.get("result") or {}).items()
                             if k in ImportResult.__dataclass_fields__})
    return _Counts(counts=Counter(state.get("counts") or {}), total=int(state.get("total") or 0), result=result,
                   group_counts=Counter(state.get("group_counts") or {}),
                   samples={k: stored_rows(v) for k, v in (state.get("samples") or {}).items()})


def _counting(batch: ImportBatch, state: dict | None) -> dict:
    """Where the worker's count is: rows done, the total when known, waiting for a worker."""
    state = state or {}
    total = state.get("total") or None
    done = int(state.get("rows_done") or 0)
    return {"status": state.get("status") or "queued", "rows_done": done, "total": total,
            "percent": min(99, round(100 * done / total)) if total else None, "error": state.get("error", ""),
            "no_worker": state.get("status") == "queued" and not worker_alive()}


@needs(Perm.EDIT)
def import_preview(request: HttpRequest, batch_id: str) -> HttpResponse:
    """Verdicts of the first rows at once (the only part of the file this request reads); the whole-file counts
    come from the task worker and appear when it has them (htmx polls import_preview_counts)."""
    batch = _batch(request, batch_id)
    workspace = batch.workspace
    if not _editable(request, batch):
        return redirect("import_detail", batch_id=batch.public_id)
    opened = _open(request, batch)
    if opened is None:
        return redirect("import_new")
    mapping = batch_mapping(batch, opened.table.headers)
    if not mapping.has_phone:
        messages.error(request, "Map a column to Phone number first.")
        return redirect("import_mapping", batch_id=batch.public_id)
    options = batch_options(batch)
    errors: list[str] = []
    if request.method == "POST":
        options, errors = options_from_post(request.POST, workspace)
        if not errors:
            batch_configure(batch, mapping=mapping, options=options, actor=request.user)
            if request.POST.get("action") == "start":
                return _start(request, batch)
            return redirect("import_preview", batch_id=batch.public_id)
    try:
        first_rows = preview_sample(workspace, opened, mapping, options)
    except FileProblem as exc:
        messages.error(request, f"{exc.message} Upload a corrected file.")
        return redirect("import_new")
    state = preview_counts_request(batch, tasks.enqueue_preview_counts) if not errors else preview_state(batch)
    whole = _counts_from_state(state)
    country = workspace_country(workspace, options.default_country)
    show = request.GET.get("show", "")
    if whole is None or show not in whole.samples:
        show = ""
    shown = whole.samples[show] if show else first_rows
    context = {
        "batch": batch, "whole": whole, "counting": _counting(batch, state),
        "rows": _preview_rows(shown, mapping, country), "show": show, "options": options, "errors": errors,
        "countries": _countries(), "country": country, "campaigns": _campaigns(workspace), "workspace": workspace,
        "phone_headers": [mapping.headers[i] for i in mapping.phone_order],
        "country_headers": [mapping.headers[i] for i in mapping.columns_for(COUNTRY)],
    }
    if whole is not None:
        context.update(
            result=whole.result, shown_total=whole.group_counts[show] if show else whole.total,
            summary=[(key, VERDICT_LABELS[key], whole.counts[key], VERDICT_BADGES[key]) for key in VERDICT_LABELS
                     if whole.counts[key]],
            chips=[(key, name, whole.group_counts[key]) for key, name in PREVIEW_CHIPS],
            to_write=whole.result.imported + whole.result.updated,
        )
    return render(request, "contacts/imports/preview.html", context, status=400 if errors else 200)


@needs(Perm.EDIT)
@require_GET
def import_preview_counts(request: HttpRequest, batch_id: str) -> HttpResponse:
    """The counting progress (polled by htmx); once the counts are in, the page reloads to show them."""
    batch = _batch(request, batch_id)
    state = preview_state(batch)
    if batch.status != ImportStatus.PENDING or (state or {}).get("status") in ("done", "failed"):
        url = reverse("import_preview", args=[batch.public_id])
        response = HttpResponse(f'<a href="{url}">The counts are ready: show them</a>')
        response["HX-Refresh"] = "true"  # htmx reloads the page, which then shows the counts
        return response
    response = render(request, "contacts/imports/_preview_counting.html",
                      {"batch": batch, "counting": _counting(batch, state)})
    response["Cache-Control"] = "no-store"
    return response


def _start(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    """Queue the batch exactly once (a double click or a second tab does not queue it twice)."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportStatus.PENDING or _queued(locked):
            return redirect("import_detail", batch_id=batch.public_id)
        locked.options = {**(locked.options or {}), "queued_at": timezone.now().isoformat()}
        locked.save(update_fields=["options"])
        tasks.enqueue_import(locked)
    return redirect("import_detail", batch_id=batch.public_id)


# --- progress, result, report, revert, resume ---------------------------------------------------

@needs(Perm.VIEW)
@require_GET
def import_detail(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(request, batch_id)
    if batch.status == ImportStatus.PENDING and not _queued(batch):
        return redirect(_wizard_step(batch))
    progress = progress_data(batch)
    errors = list(ImportRow.objects.filter(batch=batch, outcome=ImportRowOutcome.SKIPPED)
                  .order_by("index")[:ERRORS_SHOWN])
    skipped_total = batch.duplicates_skipped + batch.invalid_skipped + batch.limit_skipped
    context = {
        "batch": batch, "progress": progress, "errors": errors, "skipped_total": skipped_total,
        "can_resume": batch_can_resume(batch), "stale": batch_is_stale(batch),
        "can_revert": batch.status in (ImportStatus.COMPLETED, ImportStatus.FAILED) or batch_is_stale(batch),
        "options": batch.options or {}, "campaign": batch_options(batch).campaign,
        "rq": backend_kind() == "RQBackend",
    }
    return render(request, "contacts/imports/detail.html", context)


@needs(Perm.VIEW)
@require_GET
def import_progress(request: HttpRequest, batch_id: str) -> JsonResponse:
    batch = _batch(request, batch_id)
    response = JsonResponse(progress_data(batch))
    response["Cache-Control"] = "no-store"
    return response


@needs(Perm.VIEW)
@require_GET
def import_errors_csv(request: HttpRequest, batch_id: str) -> StreamingHttpResponse:
    batch = _batch(request, batch_id)
    stem = (batch.file_name.rsplit(".", 1)[0] or batch.public_id)[:80]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)
    response = StreamingHttpResponse(error_report_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe}-errors.csv"'
    return response


@needs(Perm.DESTROY)
def import_revert(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(request, batch_id)
    created = batch.created_contacts.count()
    restored = ImportRow.objects.filter(batch=batch, outcome=ImportRowOutcome.UPDATED).count()
    if request.method == "POST":
        try:
            outcome = batch_revert(batch=batch, actor=request.user)
        except RevertRefused as exc:
            messages.error(request, exc.message)
            return redirect("import_detail", batch_id=batch.public_id)
        messages.success(request, f"Import reverted: {outcome['deleted']:,} contacts deleted, "
                                  f"{outcome['restored']:,} restored to their previous values.")
        return redirect("import_detail", batch_id=batch.public_id)
    if batch.status == ImportStatus.REVERTED:
        messages.info(request, "This import has already been reverted.")
        return redirect("import_detail", batch_id=batch.public_id)
    return render(request, "contacts/imports/revert.html",
                  {"batch": batch, "created": created, "restored": restored})


@needs(Perm.EDIT)
@require_POST
def import_resume(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(request, batch_id)
    if not batch_can_resume(batch):
        messages.info(request, "This import is not stalled or failed, so there is nothing to resume.")
        return redirect("import_detail", batch_id=batch.public_id)
    # Heartbeat now, so a second click within the stale window does not queue a second run.
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())
    tasks.enqueue_import(batch)
    messages.success(request, "Resuming the import after its last saved checkpoint.")
    return redirect("import_detail", batch_id=batch.public_id)


@needs(Perm.EDIT)
@require_POST
def import_discard(request: HttpRequest, batch_id: str) -> HttpResponse:
    """Throw away an upload that was never started (its stored file too)."""
    batch = _batch(request, batch_id)
    if batch.status != ImportStatus.PENDING or _queued(batch):
        messages.error(request, "Only an import that has not started can be discarded; revert it instead.")
        return redirect("import_detail", batch_id=batch.public_id)
    if batch.file:
        batch.file.delete(save=False)
    batch.delete()
    messages.success(request, f"Discarded {batch.file_name or 'the upload'}.")
    return redirect("import_list")

