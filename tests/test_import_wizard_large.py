"""Issue 14 item 4: the wizard does no whole-file work in a request.

Upload stores the file, mapping reads the header and a sample, the preview request checks the first rows only;
the whole-file counts come from the task worker (here: the task run by hand, as `db_worker` would) and appear on
the page once it has them. XLSX zip bombs and files past the row limit are refused with a clear message.
"""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from contacts import tasks
from contacts.imports import preview_signature, reader
from contacts.models import Contact, ImportBatch

pytestmark = pytest.mark.django_db

ROWS = 20_000


@pytest.fixture
def queued(monkeypatch, settings) -> list[tuple[str, str]]:
    """No worker: count requests are recorded, and run only when a test says so (even a small file's)."""
    settings.IMPORT_PREVIEW_INLINE_BYTES = 0
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(tasks, "enqueue_preview_counts", lambda batch, sig: calls.append((batch.public_id, sig)))
    return calls


@pytest.fixture
def records_read(monkeypatch) -> list[int]:
    """How many records (lines) the file reader yields, over every read of the file."""
    seen = [0]
    original = reader._Reader.records

    def counting(self):
        for item in original(self):
            seen[0] += 1
            yield item

    monkeypatch.setattr(reader._Reader, "records", counting)
    return seen


def big_csv(rows: int = ROWS) -> bytes:
    lines = ["First Name,Phone,Company"] + [f"P{n},+1 415 2{n:06d},Acme" for n in range(rows)]
    lines += ["Bad,12,Acme", "Dup,+1 415 2000000,Acme"]
    return "\n".join(lines).encode()


def upload(client, name: str, data: bytes):
    return client.post("/imports/new/", {"file": SimpleUploadedFile(name, data)})


def batch_of(response) -> ImportBatch:
    assert response.status_code == 302, response.content[:300]
    return ImportBatch.objects.get(public_id=response["Location"].split("/")[2])


def counts_on(html: str) -> dict[str, int]:
    return {k: int(v.replace(",", "")) for k, v in re.findall(r'data-count="(\w+)">([\d,]+)<', html)}


def run_worker(calls: list[tuple[str, str]]) -> None:
    while calls:
        tasks.count_import_preview.call(*calls.pop(0))


def test_upload_mapping_and_preview_read_only_a_sample_and_the_worker_adds_the_counts(
        client_logged_in, workspace, queued, records_read):
    response = upload(client_logged_in, "big.csv", big_csv())
    assert records_read[0] <= 40  # header search and the first data row, not 20,000 rows
    batch = batch_of(response)

    records_read[0] = 0
    assert client_logged_in.get(f"/imports/{batch.public_id}/mapping/").status_code == 200
    assert records_read[0] <= 100

    records_read[0] = 0
    page = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert records_read[0] <= 100  # the first 50 rows (and the header), whatever the file's size
    assert page.count("<tr data-verdict=") == 50
    assert "First 50 rows" in page and 'data-testid="preview-counting"' in page
    assert counts_on(page) == {}  # no whole-file counts yet: nothing pretends to know them
    assert queued == [(batch.public_id, preview_signature(batch))]
    assert not Contact.objects.exists()

    # Polled while counting: progress, no counts.
    poll = client_logged_in.get(f"/imports/{batch.public_id}/preview/counts/")
    assert poll.status_code == 200 and "HX-Refresh" not in poll and b"Counting the whole file" in poll.content
    client_logged_in.get(f"/imports/{batch.public_id}/preview/")
    assert len(queued) == 1  # asked once per mapping and options, not per page view

    records_read[0] = 0
    run_worker(queued)
    assert records_read[0] > ROWS  # the worker reads the whole file
    poll = client_logged_in.get(f"/imports/{batch.public_id}/preview/counts/")
    assert poll["HX-Refresh"] == "true"  # the page reloads to show the counts
    page = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert counts_on(page) == {"imported": ROWS, "updated": 0, "duplicates_skipped": 1, "invalid_skipped": 1,
                               "dnc": 0, "limit_skipped": 0}
    assert f"First 50 of {ROWS + 2:,} rows" in page and f"Import {ROWS:,} contacts" in page
    assert 'data-testid="preview-counting"' not in page
    batch.refresh_from_db()
    assert batch.rows == ROWS + 2  # the queued page knows the size before the import starts
    # A chip shows the worker's sample of that group, from anywhere in the file.
    invalid = client_logged_in.get(f"/imports/{batch.public_id}/preview/?show=invalid").content.decode()
    assert invalid.count("<tr data-verdict=") == 1 and 'data-verdict="invalid_phone"' in invalid
    assert not Contact.objects.exists()


def test_changed_options_ask_for_a_new_count_and_the_old_one_is_dropped(client_logged_in, workspace, queued):
    batch = batch_of(upload(client_logged_in, "c.csv", big_csv(300)))
    client_logged_in.get(f"/imports/{batch.public_id}/preview/")
    assert len(queued) == 1
    stale = queued.pop()
    client_logged_in.post(f"/imports/{batch.public_id}/preview/",
                          {"existing": "update", "default_country": "US", "action": "preview"})
    page = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert len(queued) == 1 and queued[0][1] != stale[1]
    assert tasks.count_import_preview.call(*stale) == {"status": "superseded", "rows": None}
    assert 'data-testid="preview-counting"' in page
    run_worker(queued)
    page = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert counts_on(page)["imported"] == 300


def test_start_before_the_counts_are_in_imports_everything(client_logged_in, workspace, queued, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_import", lambda batch: tasks.run_import_batch.enqueue(batch.public_id))
    batch = batch_of(upload(client_logged_in, "c.csv", big_csv(200)))
    page = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert "Import contacts" in page and 'id="start-import" disabled' not in page
    client_logged_in.post(f"/imports/{batch.public_id}/preview/", {"existing": "skip", "default_country": "US",
                                                                    "action": "start"})
    batch.refresh_from_db()
    assert (batch.status, batch.rows, batch.imported, batch.invalid_skipped) == ("completed", 202, 200, 1)
    run_worker(queued)  # a count still queued for a started batch does nothing
    batch.refresh_from_db()
    assert batch.preview_state.get("status") == "queued"


@override_settings(IMPORT_MAX_ROWS=100)
def test_a_file_past_the_row_limit_stops_at_the_limit_with_a_clear_message(client_logged_in, workspace, queued,
                                                                           records_read):
    batch = batch_of(upload(client_logged_in, "many.csv", big_csv(5_000)))
    client_logged_in.get(f"/imports/{batch.public_id}/preview/")
    records_read[0] = 0
    run_worker(queued)
    assert records_read[0] <= 150  # header detection, then reading stopped at the limit (not 5,000 rows)
    page = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert "more than 100 contact rows" in page and "split it into smaller files" in page
    assert re.search(r'id="start-import" disabled', page)


def _workbook_bytes(rows: int = 3) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Phone"])
    for n in range(rows):
        sheet.append([f"P{n}", f"+1 415 200 {n:04d}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _bomb(part: str, expanded_mb: int = 120) -> bytes:
    """A real workbook whose `part` is padded with whitespace: a few hundred KB that expands to `expanded_mb`."""
    source = zipfile.ZipFile(io.BytesIO(_workbook_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                end = data.rindex(b"</")  # whitespace before the closing tag: still well-formed XML
                data = data[:end] + b" " * (expanded_mb * 1_048_576) + data[end:]
            target.writestr(info.filename, data)
        if part not in source.namelist():
            target.writestr(part, b'<?xml version="1.0"?>' + b" " * (expanded_mb * 1_048_576) + b"<sst/>")
    return out.getvalue()


def _stored_files() -> list[str]:
    found = []

    def walk(path: str) -> None:
        if not default_storage.exists(path):
            return
        folders, files = default_storage.listdir(path)
        found.extend(f"{path}/{f}" for f in files)
        for folder in folders:
            walk(f"{path}/{folder}")

    walk("imports")
    return found


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_xlsx_bomb_is_refused_before_parsing_and_nothing_is_stored(client_logged_in, workspace, part, monkeypatch):
    bomb = _bomb(part)
    assert len(bomb) < 1_048_576  # under a megabyte on the wire
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a refused workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    before = _stored_files()
    response = upload(client_logged_in, "leads.xlsx", bomb)
    assert response.status_code == 400
    text = response.content.decode()
    assert "This Excel file is refused" in text and part in text and "Save the sheet as CSV" in text
    assert not ImportBatch.objects.exists() and _stored_files() == before


def test_xlsx_limits_let_a_real_workbook_through_and_catch_a_total_past_the_limit(monkeypatch):
    opened = reader.open_table(reader.TableSource.from_bytes(_workbook_bytes(200), "ok.xlsx"))
    assert opened.table.headers == ["Name", "Phone"] and opened.count_rows() == 200
    monkeypatch.setattr(reader, "XLSX_MAX_TOTAL_BYTES", 1000)
    with pytest.raises(reader.FileProblem) as problem:
        reader.open_table(reader.TableSource.from_bytes(_workbook_bytes(200), "ok.xlsx"))
    assert problem.value.code == "xlsx_too_large"


def test_counting_a_file_reads_it_chunk_by_chunk_with_a_fixed_query_budget(client_logged_in, workspace, queued,
                                                                           django_assert_max_num_queries):
    batch = batch_of(upload(client_logged_in, "big.csv", big_csv()))
    client_logged_in.get(f"/imports/{batch.public_id}/preview/")
    # 20,002 rows in chunks of 5,000: per chunk one existing-numbers and one DNC query, plus progress writes.
    with django_assert_max_num_queries(30):
        run_worker(queued)
    batch.refresh_from_db()
    assert batch.preview_state["status"] == "done" and batch.preview_state["counts"]["new"] == ROWS


def test_contact_table_keeps_its_search_triggers_without_duplicate_indexes(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite schema")
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'contacts_contact'")
        rows = cursor.fetchall()
    triggers = {name for kind, name, _ in rows if kind == "trigger"}
    assert {"contacts_contact_fts_ai", "contacts_contact_fts_ad", "contacts_contact_fts_au"} <= triggers
    single = [name for kind, name, sql in rows if kind == "index" and sql and
              re.search(r'\("(workspace_id|import_batch_id)"\)$', sql)]
    assert single == ["contact_import_batch"]  # one index per leading column, not two


def test_a_small_csv_is_counted_in_the_preview_request_itself(client_logged_in, workspace, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(tasks, "enqueue_preview_counts", lambda batch, sig: calls.append(batch.public_id))
    batch = batch_of(upload(client_logged_in, "small.csv", big_csv(60)))
    page = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert calls == []  # no worker needed: the whole-file counts are on the page at once
    assert "Import 60 contacts" in page
