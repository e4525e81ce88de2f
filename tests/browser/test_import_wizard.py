"""The import wizard in a real browser: upload, adjust the mapping, preview, confirm, watch the progress bar
finish, download the error report, revert. Every sample file imports with the README's counts."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from contacts import tasks
from contacts.imports import batch_run, pipeline
from contacts.models import Contact, ImportBatch
from tests.conftest import login_in_browser, sample_file
from tests.test_import_command import EXPECTED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload_and_map(page, name: str, *, country_columns: list[str] | None = None) -> list[str]:
    """Upload and map; `country_columns` given: those are the country hint, other detected ones ignored."""
    page.goto("/imports/new/")
    page.get_by_label("CSV or Excel file").set_input_files(sample_file(name))
    page.get_by_role("button", name="Upload and map columns").click()
    page.wait_for_url("**/mapping/")
    detected = [s.get_attribute("id") for s in page.locator("select.mapping-field").all()
                if s.input_value() == "country"]
    for select_id in detected:
        page.locator(f"#{select_id}").select_option("ignore")
    for select_id in country_columns or []:
        page.locator(f"#{select_id}").select_option("country")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")
    return detected


def count(page, key: str) -> int:
    return int(page.locator(f'[data-count="{key}"]').first.inner_text().replace(",", ""))


def test_full_journey_with_live_progress(page, screenshot, user, monkeypatch, tmp_path):
    queued: list[str] = []
    monkeypatch.setattr(tasks, "enqueue_import", lambda batch: queued.append(batch.public_id))  # the worker: below
    login_in_browser(page, user.username)
    page.goto("/imports/")
    assert page.get_by_text("No imports yet").is_visible()
    screenshot("import-01-empty-list")

    page.get_by_role("link", name="Import contacts").first.click()
    page.wait_for_url("**/imports/new/")
    page.get_by_label("CSV or Excel file").set_input_files(sample_file("google_contacts.csv"))
    screenshot("import-02-upload")
    page.get_by_role("button", name="Upload and map columns").click()
    page.wait_for_url("**/mapping/")
    # Detected: names, email, the phone columns, the country column.
    assert page.get_by_label("First Name", exact=True).input_value() == "first_name"
    assert page.get_by_label("E-mail 1 - Value", exact=True).input_value() == "email"
    assert page.get_by_label("Phone 1 - Value", exact=True).input_value() == "phone"
    assert page.get_by_label("Address 1 - Country", exact=True).input_value() == "country"
    assert page.get_by_label("Phone order for Phone 1 - Value").is_visible()
    assert not page.get_by_label("Phone order for Organization Name").is_visible()
    screenshot("import-03-mapping")
    # Adjust: numbers parsed with the default country only, and the nickname kept as a custom field.
    page.get_by_label("Address 1 - Country", exact=True).select_option("ignore")
    page.get_by_label("Nickname", exact=True).select_option("metadata")
    page.get_by_label("Notes", exact=True).select_option("ignore")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")
    rows, imported, duplicates, invalid, _ = EXPECTED["google_contacts.csv"]
    assert (count(page, "imported"), count(page, "duplicates_skipped"), count(page, "invalid_skipped")) == \
        (imported, duplicates, invalid)
    assert page.locator("tr[data-verdict]").count() == rows
    assert page.locator('tr[data-verdict="invalid_phone"]').first.is_visible()
    assert page.get_by_text("(202) 555-0143").first.is_visible()  # normalised, shown nationally
    screenshot("import-04-preview")
    assert not Contact.objects.exists()

    page.get_by_role("button", name=f"Import {imported} contacts").click()
    page.wait_for_url("**/imports/import_*/")
    assert page.get_by_text("waiting for a worker").is_visible()
    screenshot("import-05-queued")

    # The worker, slowed down so the page's one-second polling sees the bar move.
    monkeypatch.setattr(pipeline.run, "CHUNK_SIZE", 4)
    seen: list[int] = []

    def slow(result) -> None:
        page.wait_for_timeout(1300)  # the browser polls the live server meanwhile
        seen.append(int(page.locator("#import-bar").get_attribute("aria-valuenow")))
        if len(seen) == 2:
            screenshot("import-06-progress")

    batch = ImportBatch.objects.get(public_id=queued[0])
    batch_run(batch, progress=slow)
    page.get_by_role("heading", name="Rows not imported").wait_for()
    assert 0 < seen[0] < 100 and seen == sorted(seen), seen
    assert page.get_by_test_id("status").inner_text() == "Completed"
    assert count(page, "imported") == imported
    assert page.locator("#import-bar").get_attribute("aria-valuenow") == "100"
    screenshot("import-07-result")

    with page.expect_download() as info:
        page.get_by_test_id("download-errors").click()
    path = tmp_path / "errors.csv"
    info.value.save_as(path)
    report = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert report[0][-3:] == ["reason", "error_code", "error"]
    assert len(report) - 1 == duplicates + invalid
    assert {r[-2] for r in report[1:]} == {"duplicate_phone", "invalid_phone", "no_phone"}  # no number: its own
    assert "No phone number" in {r[-3] for r in report[1:]}

    page.goto("/imports/")
    assert page.get_by_role("link", name="google_contacts.csv").is_visible()
    screenshot("import-08-list")
    page.get_by_role("link", name="google_contacts.csv").click()
    page.get_by_role("link", name="Revert").click()
    assert page.get_by_text(f"deletes the {imported} contacts").is_visible()
    screenshot("import-09-revert-confirm")
    page.get_by_role("button", name="Revert import").click()
    page.wait_for_url("**/imports/import_*/")
    assert page.get_by_test_id("status").inner_text() == "Reverted"
    assert page.get_by_text(f"{imported} contacts deleted").is_visible()
    screenshot("import-10-reverted")
    assert not Contact.objects.exists()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_with_default_us_and_with_country(page, user, name):
    """The task runs inline here (ImmediateBackend in test settings)."""
    login_in_browser(page, user.username)
    rows, imported, duplicates, invalid, imported_with_country = EXPECTED[name]
    country_columns = upload_and_map(page, name)
    page.get_by_label("Default country").select_option("US")
    page.get_by_role("button", name="Update preview").click()
    assert count(page, "imported") == imported
    page.get_by_role("button", name=f"Import {imported} contact").click()
    page.get_by_role("heading", name="Rows not imported").wait_for()
    assert (count(page, "imported"), count(page, "duplicates_skipped"), count(page, "invalid_skipped")) == \
        (imported, duplicates, invalid)
    page.get_by_role("link", name="Revert").click()
    page.get_by_role("button", name="Revert import").click()
    page.get_by_test_id("status").wait_for()
    assert not Contact.objects.exists()

    # The ignored country columns were remembered for these headers: the user maps them back.
    upload_and_map(page, name, country_columns=country_columns)
    if name.startswith("aircall"):  # no country column: the `;` file's rows are German
        page.get_by_label("Default country").select_option("DE")
        page.get_by_role("button", name="Update preview").click()
    assert count(page, "imported") == imported_with_country
    page.get_by_role("button", name="Import ").click()
    page.get_by_role("heading", name="Rows not imported").wait_for()
    assert count(page, "imported") == imported_with_country
    assert Contact.objects.count() == imported_with_country


def test_bad_uploads_get_clear_messages(page, screenshot, user, settings, tmp_path):
    login_in_browser(page, user.username)
    binary = tmp_path / "contacts.csv"
    binary.write_bytes(bytes(range(256)) * 20)
    page.goto("/imports/new/")
    page.get_by_label("CSV or Excel file").set_input_files(str(binary))
    page.get_by_role("button", name="Upload and map columns").click()
    alert = page.get_by_test_id("upload-error")
    assert "binary file" in alert.inner_text()
    screenshot("import-11-upload-error")

    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    big = tmp_path / "big.csv"
    big.write_text("Phone\n" + "+14155550100\n" * 200)
    page.goto("/imports/new/")
    page.get_by_label("CSV or Excel file").set_input_files(str(big))
    message = page.locator("#upload-client-error")
    assert "the limit is" in message.inner_text()
    page.get_by_role("button", name="Upload and map columns").click()
    assert page.url.endswith("/imports/new/") and not ImportBatch.objects.exists()
    assert Path(big).exists()
