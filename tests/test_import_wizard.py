"""The import wizard through its pages (Django test client): upload, map, preview, confirm, result, revert."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from contacts import services, tasks
from contacts.imports import ColumnMapping
from contacts.models import CampaignMembership, Contact, ImportBatch, ImportMappingMemory, Plan
from tests.conftest import sample_file
from tests.factories import make_contact, make_user, make_workspace
from tests.test_import_command import EXPECTED

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def enqueue_now(monkeypatch):
    """Tasks are queued on commit; a test's transaction never commits, so queue (and, inline, run) at once."""
    monkeypatch.setattr(tasks, "enqueue_import", lambda batch: tasks.run_import_batch.enqueue(batch.public_id))


def upload(client, name: str, data: bytes):
    return client.post("/imports/new/", {"file": SimpleUploadedFile(name, data)})


def upload_sample(client, name: str) -> ImportBatch:
    response = upload(client, name, Path(sample_file(name)).read_bytes())
    assert response.status_code == 302, response.content[:500]
    return ImportBatch.objects.get(public_id=response["Location"].split("/")[2])


def mapping_post(batch: ImportBatch, **changes: str) -> dict:
    mapping = batch.column_mapping
    data = {f"field_{i}": f for i, f in enumerate(mapping["fields"])}
    for rank, i in enumerate(mapping["phone_order"], start=1):
        data[f"order_{i}"] = str(rank)
    headers = mapping["headers"]
    for header, target in changes.items():
        data[f"field_{headers.index(header.replace('_', ' '))}"] = target
    return data


def counts_on(html: str) -> dict[str, int]:
    import re

    return {key: int(value.replace(",", "")) for key, value in
            re.findall(r'data-count="(\w+)">([\d,]+)<', html)}


def run_wizard(client, name: str, *, country: str, ignore_country: bool) -> ImportBatch:
    batch = upload_sample(client, name)
    data = mapping_post(batch)
    if ignore_country:
        data = {k: ("ignore" if v == "country" else v) for k, v in data.items()}
    response = client.post(f"/imports/{batch.public_id}/mapping/", data)
    assert response.status_code == 302 and response["Location"].endswith("/preview/")
    before = Contact.objects.count()
    preview = client.post(f"/imports/{batch.public_id}/preview/", {"existing": "skip", "default_country": country,
                                                                    "action": "preview"}, follow=True)
    assert Contact.objects.count() == before  # preview writes nothing
    preview_counts = counts_on(preview.content.decode())
    response = client.post(f"/imports/{batch.public_id}/preview/", {"existing": "skip", "default_country": country,
                                                                     "action": "start"})
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.public_id}/"
    batch.refresh_from_db()
    detail = client.get(f"/imports/{batch.public_id}/")
    assert counts_on(detail.content.decode()) == preview_counts  # the preview predicted the result
    return batch


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_through_the_wizard_default_us(client_logged_in, name):
    batch = run_wizard(client_logged_in, name, country="US", ignore_country=True)
    rows, imported, duplicates, invalid, _ = EXPECTED[name]
    assert (batch.status, batch.rows, batch.imported, batch.duplicates_skipped, batch.invalid_skipped) == \
        ("completed", rows, imported, duplicates, invalid)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_through_the_wizard_with_country(client_logged_in, name):
    country = "DE" if name.startswith("aircall") else "US"
    batch = run_wizard(client_logged_in, name, country=country, ignore_country=False)
    assert (batch.rows, batch.imported) == (EXPECTED[name][0], EXPECTED[name][4])


def test_mapping_page_detects_columns_and_remembers_changes(client_logged_in, workspace):
    batch = upload_sample(client_logged_in, "outlook_contacts.csv")
    page = client_logged_in.get(f"/imports/{batch.public_id}/mapping/").content.decode()
    assert "Mobile Phone" in page and "Business Phone" in page
    mapping = ColumnMapping.from_json(batch.column_mapping, batch.column_mapping["headers"])
    first_phone = mapping.headers[mapping.phone_order[0]]
    assert first_phone == "Mobile Phone"  # mobile first, then file order
    # The user puts Business Phone first and keeps Business Country as a custom field.
    data = mapping_post(batch, Business_Country="metadata")
    business = mapping.headers.index("Business Phone")
    data[f"order_{business}"] = "0"
    assert client_logged_in.post(f"/imports/{batch.public_id}/mapping/", data).status_code == 302
    batch.refresh_from_db()
    assert batch.column_mapping["phone_order"][0] == business
    assert batch.column_mapping["fields"][mapping.headers.index("Business Country")] == "metadata"
    assert ImportMappingMemory.objects.filter(workspace=workspace).count() == 1
    again = upload_sample(client_logged_in, "outlook_contacts.csv")
    assert again.column_mapping["phone_order"][0] == business  # remembered for the same headers


def test_mapping_without_a_phone_column_is_refused(client_logged_in):
    batch = upload_sample(client_logged_in, "hubspot_contacts.csv")
    data = {k: ("ignore" if v == "phone" else v) for k, v in mapping_post(batch).items()}
    response = client_logged_in.post(f"/imports/{batch.public_id}/mapping/", data)
    assert response.status_code == 400 and b"Map at least one column to Phone number" in response.content


def test_preview_shows_verdicts_per_row_and_counts_over_the_whole_file(client_logged_in, workspace):
    make_contact(workspace, "+12025550190")
    services.dnc_add_number(workspace=workspace, phone="+13125550199", reason="asked")
    lines = ["Name,Phone"] + [f"P{n},+1 415 2{n:06d}" for n in range(120)]
    lines += ["Dup,+1 415 2000000", "Existing,202 555 0190", "Bad,12", "Nobody,", "Blocked,(312) 555-0199"]
    response = upload(client_logged_in, "big.csv", "\n".join(lines).encode())
    batch = ImportBatch.objects.get(public_id=response["Location"].split("/")[2])
    page = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert counts_on(page) == {"imported": 121, "updated": 0, "duplicates_skipped": 2, "invalid_skipped": 2,
                               "dnc": 1, "limit_skipped": 0}
    assert page.count("<tr data-verdict=") == 50
    assert "(415) 200-0000" in page  # the normalised number, shown nationally
    assert Contact.objects.filter(workspace=workspace).count() == 1
    update = client_logged_in.post(f"/imports/{batch.public_id}/preview/",
                                   {"existing": "update", "default_country": "US", "action": "preview"}, follow=True)
    assert counts_on(update.content.decode())["duplicates_skipped"] == 1  # the existing one is now an update


def test_plan_limit_is_previewed_and_reported_as_contact_limit_reached(client, db):
    ws = make_workspace("small", plan=Plan.PROFESSIONAL)
    client.force_login(make_user("small-owner", workspace=ws))
    lines = ["Phone"] + [f"+1 415 2{n:06d}" for n in range(1003)]
    batch = ImportBatch.objects.get(public_id=upload(client, "many.csv", "\n".join(lines).encode())["Location"]
                                    .split("/")[2])
    page = client.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert "Past the plan limit" in page and counts_on(page)["limit_skipped"] == 3
    client.post(f"/imports/{batch.public_id}/preview/", {"existing": "skip", "default_country": "US",
                                                         "action": "start"})
    batch.refresh_from_db()
    assert (batch.imported, batch.limit_skipped) == (1000, 3)
    report = b"".join(client.get(f"/imports/{batch.public_id}/errors.csv").streaming_content).decode("utf-8-sig")
    assert report.count("contact_limit_reached") == 3


def test_campaign_option_skips_dnc_numbers(client_logged_in, workspace):
    campaign = services.campaign_create(workspace=workspace, name="Spring")
    services.dnc_add_number(workspace=workspace, phone="+14152000001", reason="asked")
    batch = ImportBatch.objects.get(public_id=upload(client_logged_in, "c.csv",
                                                     b"Phone\n+14152000000\n+14152000001\n")["Location"].split("/")[2])
    client_logged_in.post(f"/imports/{batch.public_id}/preview/", {
        "existing": "skip", "default_country": "US", "campaign_id": campaign.public_id, "action": "start"})
    batch.refresh_from_db()
    assert (batch.imported, batch.dnc) == (2, 1)
    assert list(CampaignMembership.objects.filter(campaign=campaign).values_list("contact__phone", flat=True)) == \
        ["+14152000000"]


def test_result_error_report_and_revert(client_logged_in, workspace):
    existing = make_contact(workspace, "+12025550143", first_name="Keep")
    batch = run_wizard(client_logged_in, "hubspot_contacts.csv", country="US", ignore_country=False)
    page = client_logged_in.get(f"/imports/{batch.public_id}/").content.decode()
    assert "Rows not imported" in page and "duplicate_phone" in page
    report = client_logged_in.get(f"/imports/{batch.public_id}/errors.csv")
    assert report["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "row" and rows[0][-2:] == ["error_code", "error"] and "Phone Number" in rows[0]
    assert len(rows) - 1 == batch.duplicates_skipped + batch.invalid_skipped
    assert any(r[-2] == "invalid_phone" and "scientific notation" in r[-1] for r in rows[1:])
    # Formula payloads in the original cells come back neutralised.
    assert not any(cell.startswith(("=", "@", "+", "-")) for r in rows for cell in r)
    confirm = client_logged_in.get(f"/imports/{batch.public_id}/revert/")
    assert confirm.status_code == 200 and b"Revert import" in confirm.content
    assert Contact.objects.filter(workspace=workspace).count() == 1 + batch.imported
    response = client_logged_in.post(f"/imports/{batch.public_id}/revert/", {"confirm": "1"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "reverted"
    assert list(Contact.objects.filter(workspace=workspace)) == [existing]


def test_list_shows_batches_with_status_and_counts(client_logged_in, workspace):
    empty = client_logged_in.get("/imports/")
    assert b"No imports yet" in empty.content
    run_wizard(client_logged_in, "aircall_contacts_eu_excel.csv", country="DE", ignore_country=False)
    page = client_logged_in.get("/imports/").content.decode()
    assert "aircall_contacts_eu_excel.csv" in page and "Completed" in page and "manager" in page


def test_progress_json_for_the_bar(client_logged_in, workspace):
    batch = ImportBatch.objects.create(workspace=workspace, file_name="x.csv", status="processing", rows=1000,
                                       rows_processed=250, imported=200)
    data = client_logged_in.get(f"/imports/{batch.public_id}/progress/").json()
    assert (data["rows"], data["rows_processed"], data["percent"], data["done"]) == (1000, 250, 25, False)
    assert data["imported"] == 200 and data["status"] == "processing"


MALFORMED = {
    "binary.csv": (bytes(range(256)) * 40, "binary file"),
    "empty.csv": (b"", "empty"),
    "header.csv": (b"First Name,Phone\r\n", "no data rows"),
    "wide.csv": ((",".join(f"c{i}" for i in range(10_000)) + "\n" + "1," * 9_999 + "1\n").encode(), "10,000 columns"),
    "bigcell.csv": (b"Name,Phone\n" + b"A" * 1_100_000 + b",+14155550100\n", "larger than 1 MB"),
    "quotes.csv": (b'Name,Phone\n"Ada,+14155550100\nBob,+14155550101\n', "never closed"),
    "photo.png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG image"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_uploads_get_a_clear_message_and_write_nothing(client_logged_in, name):
    data, message = MALFORMED[name]
    response = upload(client_logged_in, name, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists() and not Contact.objects.exists()


def test_mixed_encodings_are_read_not_refused(client_logged_in):
    data = "Name,Phone\nJürgen,+4930231254560\n".encode() + "Zoë,+14155550100\n".encode("cp1252")
    response = upload(client_logged_in, "mixed.csv", data)
    assert response.status_code == 302


@override_settings(IMPORT_MAX_UPLOAD_BYTES=1024)
def test_upload_over_the_size_limit(client_logged_in):
    response = upload(client_logged_in, "big.csv", b"Phone\n" + b"+14155550100\n" * 200)
    assert response.status_code == 400 and b"the limit is" in response.content
    assert not ImportBatch.objects.exists()


def test_no_file_chosen(client_logged_in):
    response = client_logged_in.post("/imports/new/", {})
    assert response.status_code == 400 and b"Choose a CSV" in response.content


def test_other_workspaces_batches_are_404(client_logged_in, other_workspace):
    theirs = ImportBatch.objects.create(workspace=other_workspace, file_name="theirs.csv", status="completed")
    for suffix in ("", "mapping/", "preview/", "progress/", "errors.csv", "revert/"):
        assert client_logged_in.get(f"/imports/{theirs.public_id}/{suffix}").status_code == 404
    for suffix in ("revert/", "resume/", "discard/", "preview/", "mapping/"):
        assert client_logged_in.post(f"/imports/{theirs.public_id}/{suffix}", {"confirm": "1"}).status_code == 404
    assert b"theirs.csv" not in client_logged_in.get("/imports/").content
    assert ImportBatch.objects.get(pk=theirs.pk).status == "completed"


def test_started_batch_cannot_be_remapped_or_started_twice(client_logged_in, workspace):
    batch = run_wizard(client_logged_in, "aircall_contacts_eu_excel.csv", country="DE", ignore_country=False)
    imported = batch.imported
    again = client_logged_in.post(f"/imports/{batch.public_id}/preview/", {"existing": "skip",
                                                                            "default_country": "DE", "action": "start"})
    assert again.status_code == 302
    assert client_logged_in.get(f"/imports/{batch.public_id}/mapping/").status_code == 302
    assert Contact.objects.filter(workspace=workspace).count() == imported


def test_stalled_import_offers_resume_and_finishes_without_duplicates(client_logged_in, workspace, monkeypatch):
    from contacts.imports import pipeline

    lines = ["Name,Phone"] + [f"P{n},+1 415 2{n:06d}" for n in range(30)] + ["Bad,12"]
    batch = ImportBatch.objects.get(public_id=upload(client_logged_in, "r.csv", "\n".join(lines).encode())
                                    ["Location"].split("/")[2])
    monkeypatch.setattr(pipeline.run, "CHUNK_SIZE", 10)
    real_write = pipeline.Writer.write
    calls = {"n": 0}

    def dying_write(self, *args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real_write(self, *args)

    monkeypatch.setattr(pipeline.Writer, "write", dying_write)
    # The inline task backend records the crash as a failed task; the batch is left mid-way.
    client_logged_in.post(f"/imports/{batch.public_id}/preview/", {"existing": "skip", "default_country": "US",
                                                                    "action": "start"})
    monkeypatch.setattr(pipeline.Writer, "write", real_write)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_processed) == ("processing", 10)
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=batch.heartbeat_at.replace(year=2000))
    page = client_logged_in.get(f"/imports/{batch.public_id}/").content.decode()
    assert "Stalled" in page and "Resume import" in page
    response = client_logged_in.post(f"/imports/{batch.public_id}/resume/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.rows, batch.imported, batch.invalid_skipped) == ("completed", 31, 30, 1)
    assert Contact.objects.filter(workspace=workspace).count() == 30
    again = client_logged_in.post(f"/imports/{batch.public_id}/resume/", follow=True)
    assert b"nothing to resume" in again.content


def test_xlsx_upload_with_title_rows_and_numbers_stored_as_numbers(client_logged_in, workspace, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Leads export — March"])
    sheet.append([])
    sheet.append(["Given Name", "Family Name", "Mobile", "Company Name"])
    sheet.append(["Ada", "Lovelace", 4155550166, "Analytical"])  # Excel keeps a typed number as a number
    sheet.append(["Grace", "Hopper", "+1 (202) 555-0143", ""])
    sheet.append(["Grand Totals", 2])
    path = tmp_path / "leads.xlsx"
    book.save(path)
    batch = ImportBatch.objects.get(public_id=upload(client_logged_in, "leads.xlsx", path.read_bytes())["Location"]
                                    .split("/")[2])
    page = client_logged_in.get(f"/imports/{batch.public_id}/mapping/").content.decode()
    assert "Excel workbook" in page and "Family Name" in page
    assert batch.column_mapping["fields"] == ["first_name", "last_name", "phone", "company"]
    client_logged_in.post(f"/imports/{batch.public_id}/preview/", {"existing": "skip", "default_country": "US",
                                                                    "action": "start"})
    batch.refresh_from_db()
    assert (batch.rows, batch.imported) == (2, 2)
    assert set(Contact.objects.filter(workspace=workspace).values_list("phone", flat=True)) == \
        {"+14155550166", "+12025550143"}
