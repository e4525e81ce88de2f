"""The Do-Not-Call workspace at /dnc/: the list (search, contacts, paging), add, upload, remove and the audit log.

Views parse and render; the compliance services decide and check permissions (`require`), `@needs` stops
a role early with the same 403 page, and templates hide what `can` says the role may not do.
"""
from __future__ import annotations

import os
import re
import secrets

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from contacts import services
from contacts.compliance import dnc_files
from contacts.compliance.dnc_files import PASTE_MAX, VERDICTS, read_dnc_rows
from contacts.compliance.exports import dnc_audit_export
from contacts.compliance.filters import DncAuditFilter
from contacts.compliance.models import DncAuditLog, DncEntry, DncSource
from contacts.compliance.selectors import dnc_audit_actor_labels, dnc_contacts_by_phone, dnc_search
from contacts.compliance.services import dnc_add_numbers, dnc_upload_apply
from contacts.forms_dnc import DncAddForm, DncDefaultReasonForm, DncRemoveForm, DncUploadForm
from contacts.imports import FileProblem, TableSource
from contacts.views.access import needs
from contacts.workspaces.permissions import Perm

LIST_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
UPLOADS_KEY = "dnc_uploads"
UPLOADS_KEPT = 10  # per session; an older upload that was never applied is deleted from storage
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
COUNT_CARDS = (  # verdict, heading, colour
    ("add", "Will be added", "green"), ("listed", "Already listed", "secondary"),
    ("duplicate", "Repeated in the file", "yellow"), ("invalid", "Invalid numbers", "orange"),
    ("no_reason", "Without a reason", "red"),
)


# --- the list ----------------------------------------------------------------------------------------------

@needs(Perm.VIEW)
def dnc_list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    term = request.GET.get("q", "").strip()
    page = Paginator(dnc_search(workspace, term), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    contacts = dnc_contacts_by_phone(workspace, [entry.phone for entry in entries])  # one query for the page
    context = {
        "page": page,
        "rows": [(entry, contacts.get(entry.phone)) for entry in entries],
        "q": term,
        "sources": dict(DncSource.choices),
    }
    return render(request, "contacts/dnc/list.html", context)


# --- add ------------------------------------------------------------------------------------------------------

@needs(Perm.DNC_ADD)
def dnc_add(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    form = DncAddForm(request.POST or None, initial={"numbers": request.GET.get("numbers", "")[:200]})
    summary = None
    if request.method == "POST" and form.is_valid():
        try:
            summary = dnc_add_numbers(workspace=workspace, numbers=form.cleaned_data["numbers"],
                                      reason=form.cleaned_data["reason"], actor=request.user)
        except services.ValidationFailed as exc:
            form.add_error("reason" if "reason" in exc.details else "numbers", exc.message)
        else:
            added = summary.counts.get("add", 0)
            message = _summary_sentence(summary.counts)
            (messages.success if added else messages.warning)(request, message)
            form = DncAddForm(initial={"reason": form.cleaned_data["reason"]})
    return render(request, "contacts/dnc/add.html", {"form": form, "summary": summary, "paste_max": PASTE_MAX})


SENTENCE = {  # verdict -> (one, many) as a summary sentence says it
    "add": ("added", "added"), "listed": ("already listed", "already listed"),
    "duplicate": ("repeated in the file", "repeated in the file"), "invalid": ("invalid number", "invalid numbers"),
    "no_reason": ("without a reason", "without a reason"),
}


def _summary_sentence(counts) -> str:
    parts = [f"{counts[v]:,} {SENTENCE[v][0] if counts[v] == 1 else SENTENCE[v][1]}" for v in SENTENCE if counts.get(v)]
    return "Done: " + (", ".join(parts) if parts else "nothing to do") + "."


# --- upload: file -> preview -> apply -> report ---------------------------------------------------------------

def _uploads(request: HttpRequest) -> dict:
    return request.session.setdefault(UPLOADS_KEY, {})


def _upload(request: HttpRequest, token: str) -> dict:
    """This session's upload for the current workspace, or 404."""
    upload = _uploads(request).get(token) if _TOKEN.fullmatch(token or "") else None
    if upload is None or upload.get("workspace") != request.workspace.pk:
        raise Http404("This upload is not available any more; upload the file again.")
    return upload


def _source(upload: dict) -> TableSource:
    return TableSource.from_storage(default_storage, upload["path"], upload["name"])


@needs(Perm.DNC_MANAGE)
def dnc_upload(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    form = DncUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = os.path.basename(upload.name or "dnc.csv").replace("\x00", "")[:200] or "dnc.csv"
        token = secrets.token_urlsafe(18)
        path = default_storage.save(f"dnc-uploads/{workspace.pk}/{timezone.now():%Y/%m}/{token}.upload", upload)
        try:
            next(iter(read_dnc_rows(TableSource.from_storage(default_storage, path, name))), None)
        except FileProblem as exc:
            default_storage.delete(path)
            form.add_error("file", exc.message)
        else:
            uploads = _uploads(request)
            uploads[token] = {"path": path, "name": name, "workspace": workspace.pk,
                              "default_reason": form.cleaned_data["default_reason"].strip()}
            for old in list(uploads)[:-UPLOADS_KEPT]:
                if "report" not in uploads[old]:
                    default_storage.delete(uploads[old]["path"])
                del uploads[old]
            request.session.modified = True
            return redirect("dnc_upload_preview", token=token)
    return render(request, "contacts/dnc/upload.html", {"form": form})


@needs(Perm.DNC_MANAGE)
def dnc_upload_preview(request: HttpRequest, token: str) -> HttpResponse:
    workspace = request.workspace
    upload = _upload(request, token)
    if "report" in upload:
        return redirect("dnc_upload_report", token=token)
    form = DncDefaultReasonForm(request.POST or None, initial={"default_reason": upload["default_reason"]})
    if request.method == "POST" and form.is_valid():
        upload["default_reason"] = form.cleaned_data["default_reason"].strip()
        request.session.modified = True
        if request.POST.get("action") == "apply":
            return _apply_upload(request, token, upload)
        return redirect("dnc_upload_preview", token=token)
    try:
        summary = _preview(workspace, upload)
    except FileProblem as exc:
        messages.error(request, exc.message)
        return redirect("dnc_upload")
    context = {"upload": upload, "token": token, "form": form, "summary": summary,
               "cards": [(v, title, colour, summary.counts.get(v, 0)) for v, title, colour in COUNT_CARDS]}
    return render(request, "contacts/dnc/upload_preview.html", context)


def _preview(workspace, upload: dict):
    return dnc_files.dnc_upload_preview(workspace, _source(upload), default_reason=upload["default_reason"])


def _apply_upload(request: HttpRequest, token: str, upload: dict) -> HttpResponse:
    try:
        summary = dnc_upload_apply(workspace=request.workspace, rows=read_dnc_rows(_source(upload)),
                                   default_reason=upload["default_reason"], actor=request.user,
                                   file_name=upload["name"])
    except FileProblem as exc:
        messages.error(request, exc.message)
        return redirect("dnc_upload")
    default_storage.delete(upload["path"])
    upload["report"] = summary.as_session()
    request.session.modified = True
    (messages.success if summary.added else messages.warning)(
        request, f"{upload['name']}: {_summary_sentence(summary.counts)}")
    return redirect("dnc_upload_report", token=token)


@needs(Perm.DNC_MANAGE)
@require_GET
def dnc_upload_report(request: HttpRequest, token: str) -> HttpResponse:
    upload = _upload(request, token)
    report = upload.get("report")
    if report is None:
        return redirect("dnc_upload_preview", token=token)
    counts = report["counts"]
    cards = [("add", "Added", "green", counts.get("add", 0)),
             ("listed", "Already listed", "secondary", counts.get("listed", 0)),
             ("duplicate", "Repeated in the file", "yellow", counts.get("duplicate", 0)),
             ("skipped", "Skipped (fix and upload again)", "red", report["problems_total"])]
    problems = [{**row, "label": VERDICTS[row["verdict"]][1], "badge": VERDICTS[row["verdict"]][2]}
                for row in report["problems"]]
    return render(request, "contacts/dnc/upload_report.html",
                  {"upload": upload, "report": report, "cards": cards, "problems": problems})


# --- remove -----------------------------------------------------------------------------------------------------

@needs(Perm.DNC_MANAGE)
def dnc_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    workspace = request.workspace
    entry = get_object_or_404(DncEntry.objects.for_workspace(workspace), pk=entry_id)
    contact = dnc_contacts_by_phone(workspace, [entry.phone]).get(entry.phone)
    form = DncRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reactivated = services.dnc_remove_number(workspace=workspace, phone=entry.phone,
                                                     reason=form.cleaned_data["reason"], actor=request.user)
        except services.NotFound:
            messages.info(request, f"{entry.phone} was already off the list.")
            return redirect("dnc_list")
        except services.ValidationFailed as exc:
            form.add_error("reason", exc.message)
        else:
            again = f" {reactivated} contact{'s' if reactivated != 1 else ''} can be called again." * bool(reactivated)
            messages.success(request, f"{entry.phone} is off the Do-Not-Call list.{again}")
            return redirect("dnc_list")
    history = DncAuditLog.objects.for_workspace(workspace).filter(phone=entry.phone)[:10]
    return render(request, "contacts/dnc/remove.html",
                  {"entry": entry, "contact": contact, "form": form, "history": history})


# --- the audit log ----------------------------------------------------------------------------------------------

@needs(Perm.VIEW)
def dnc_audit(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    audit_filter = DncAuditFilter(request.GET, workspace=workspace)
    page = Paginator(audit_filter.qs, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": audit_filter,
        "page": page,
        "query": query.urlencode(),
        "has_filters": any(v for k, v in request.GET.items() if k != "page"),
        "actor_labels": dnc_audit_actor_labels(workspace),
    }
    return render(request, "contacts/dnc/audit.html", context)


@needs(Perm.DNC_MANAGE)
@require_GET
def dnc_audit_csv(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    audit_filter = DncAuditFilter(request.GET, workspace=workspace)
    chunks = dnc_audit_export(workspace=workspace, actor=request.user, queryset=audit_filter.qs,
                              query=request.GET.urlencode())
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="dnc-audit-{workspace.slug}-{stamp}.csv"'
    return response
