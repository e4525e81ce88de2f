"""vCard files (iPhone/iCloud 3.0, Google Contacts 3.0, Outlook 2.1, a 4.0 export) through `import_contacts` and the
wizard with their expected counts; files the product cannot read (PDF, ZIP, vCards inside a ZIP) refused at upload
with a message naming what they are, and nothing stored; ISO country-code columns as the country hint."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from contacts import tasks
from contacts.imports import ColumnMapping
from contacts.models import Contact, ImportBatch, ImportRow
from tests.factories import make_workspace

pytestmark = pytest.mark.django_db
VCARDS = Path(__file__).parent / "fixtures" / "vcards"

# file: (cards, imported, duplicates, invalid, of which without any number) with the workspace default US
EXPECTED = {
    "iphone-icloud-3.0.vcf": (6, 4, 1, 1, 1),  # a group card is not a contact; one card has only an email
    # "12345" is not a number; every number of a card is kept, so the card with only +1 512-555-0142 duplicates the
    # earlier card holding it as its work number (issue 13: a row matching any earlier number is a duplicate)
    "google-contacts-3.0.vcf": (5, 3, 1, 1, 0),
    "outlook-2.1.vcf": (4, 3, 0, 1, 1),  # Windows-1252, quoted-printable; a support address without a number
    "nextcloud-4.0.vcf": (2, 2, 0, 0, 0),  # tel: URIs
}


def run_command(*args: str) -> dict:
    out = io.StringIO()
    call_command("import_contacts", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_vcard_exports_import_with_expected_counts(name):
    ws = make_workspace(f"vc-{name[:8]}")
    counts = run_command(str(VCARDS / name), "--workspace", ws.slug)
    cards, imported, duplicates, invalid, no_phone = EXPECTED[name]
    assert (counts["rows"], counts["imported"], counts["duplicates_skipped"], counts["invalid_skipped"]) == \
        (cards, imported, duplicates, invalid)
    batch = ImportBatch.objects.get(workspace=ws)
    assert batch.no_phone == no_phone
    assert ImportRow.objects.filter(batch=batch, code="no_phone").count() == no_phone
    assert Contact.objects.for_workspace(ws).count() == imported


def test_iphone_card_fields_mobile_first_and_address_country_as_hint():
    ws = make_workspace("vc-fields")
    run_command(str(VCARDS / "iphone-icloud-3.0.vcf"), "--workspace", ws.slug)
    linh = Contact.objects.get(workspace=ws, first_name="Linh")
    # "0412 345 678" is a national Australian mobile: the card's address country (Australia) is the hint.
    assert (linh.phone, linh.last_name, linh.company, linh.title, linh.email, linh.notes) == (
        "+61412345678", "Nguyen", "Harbour Dental", "Practice Manager", "linh@harbourdental.com.au",
        "Prefers calls after 2pm")
    chidi = Contact.objects.get(workspace=ws, last_name="Okafor")
    assert chidi.phone == "+14155550134"  # the iPhone (mobile) number, not the home one listed first in the file
    assert chidi.metadata.get("Department") == "Clinical"
    pizza = Contact.objects.get(workspace=ws, company="Mario's Pizza")
    assert pizza.phone == "+12125550187" and pizza.first_name == ""
    jonas = Contact.objects.get(workspace=ws, last_name="Schmidt")
    assert jonas.metadata == {"Fax": "+49 30 9876543"}  # a fax is kept, never called


def test_outlook_21_windows_1252_and_quoted_printable():
    ws = make_workspace("vc-outlook")
    run_command(str(VCARDS / "outlook-2.1.vcf"), "--workspace", ws.slug)
    juergen = Contact.objects.get(workspace=ws, last_name="Müller")
    assert (juergen.first_name, juergen.phone, juergen.company) == ("Jürgen", "+491712345678", "Contoso GmbH")
    assert juergen.notes.endswith("keen on the annual plan.")  # a soft line break inside quoted-printable


def test_vcard_through_the_wizard(client_logged_in, workspace, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_import", lambda batch: tasks.run_import_batch.enqueue(batch.public_id))
    data = (VCARDS / "google-contacts-3.0.vcf").read_bytes()
    response = client_logged_in.post("/imports/new/", {"file": SimpleUploadedFile("contacts.vcf", data)})
    assert response.status_code == 302
    batch = ImportBatch.objects.get(workspace=workspace)
    page = client_logged_in.get(f"/imports/{batch.public_id}/mapping/").content.decode()
    assert "vCard (version 3.0)" in page and "Mobile phone" in page
    mapping = ColumnMapping.from_json(batch.column_mapping, batch.column_mapping["headers"])
    assert [mapping.headers[i] for i in mapping.phone_order][0] == "Mobile phone"
    form = {f"field_{i}": f for i, f in enumerate(mapping.fields)}
    assert client_logged_in.post(f"/imports/{batch.public_id}/mapping/", form).status_code == 302
    preview = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    imported = EXPECTED["google-contacts-3.0.vcf"][1]
    assert f'data-count="imported">{imported}<' in preview
    batch.refresh_from_db()
    assert batch.rows == 5  # the preview's count, shown on the queued page before the worker starts
    client_logged_in.post(f"/imports/{batch.public_id}/preview/", {"existing": "skip", "default_country": "US",
                                                                   "action": "start"})
    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.invalid_skipped) == ("completed", imported, 1)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


UNSUPPORTED = {
    "contacts.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF document"),
    "takeout.zip": (_zip({"Takeout/archive_browser.html": b"<html></html>"}), "ZIP archive"),
    "iCloud vCards.zip": (_zip({"iCloud vCards/Linh Nguyen.vcf": (VCARDS / "iphone-icloud-3.0.vcf").read_bytes(),
                                "iCloud vCards/Tom Becker.vcf": b"BEGIN:VCARD\r\nEND:VCARD\r\n"}),
                          "ZIP archive holding vCard files (Linh Nguyen.vcf, Tom Becker.vcf). Unzip it"),
    "export.zip": (_zip({"contacts.csv": b"Name,Phone\nAda,+14155550100\n"}), "holding CSV files (contacts.csv)"),
    "letter.docx": (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "Word document"),
    "empty.vcf": (b"BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n", "holds no contacts"),
}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_files_are_refused_at_upload_and_nothing_is_stored(client_logged_in, name):
    before = set(stored_files())
    data, message = UNSUPPORTED[name]
    response = client_logged_in.post("/imports/new/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page, page[page.find("upload-error"):][:600]
    assert "could not be imported" in page
    assert not ImportBatch.objects.exists()
    assert set(stored_files()) == before


def test_pdf_message_says_what_to_export_instead(client_logged_in):
    response = client_logged_in.post("/imports/new/", {"file": SimpleUploadedFile("x.pdf", UNSUPPORTED[
        "contacts.pdf"][0])})
    assert "Export your contacts as CSV, Excel (.xlsx) or vCard (.vcf)" in response.content.decode()


@pytest.mark.parametrize("header", ["CC", "Country Code", "country_code", "Country/Region Code"])
def test_iso_country_code_column_is_the_country_hint(header):
    ws = make_workspace(f"cc-{header[:4].replace('/', '')}".lower())
    mapping = ColumnMapping.auto(["Email Address", "First Name", "Phone Number", header])
    assert mapping.fields[3] == "country"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Email Address", "First Name", "Phone Number", header])
    writer.writerow(["olivia@example.com.au", "Olivia", "0412 555 019", "AU"])  # Mailchimp: national number + CC
    writer.writerow(["sam@example.co.uk", "Sam", "020 7946 0958", "gb"])
    path = Path(settings.MEDIA_ROOT) / f"cc-{ws.slug}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue())
    counts = run_command(str(path), "--workspace", ws.slug, "--default-country", "US")
    assert counts["imported"] == 2
    assert set(Contact.objects.for_workspace(ws).values_list("phone", flat=True)) == {"+61412555019",
                                                                                       "+442079460958"}
