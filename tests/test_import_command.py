"""`import_contacts`: the sample exports import with the README's counts; progress on stderr, JSON last on stdout."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from contacts import phone as phone_rules
from contacts import services
from contacts.imports import ColumnMapping, TableSource, read_source
from contacts.management.commands.import_contacts import Progress
from contacts.models import CampaignMembership, Contact, ContactPhone, ImportBatch, ImportRow
from tests.conftest import sample_file
from tests.factories import make_contact, make_workspace

pytestmark = pytest.mark.django_db

# README: data rows, imported (default US, country column not used), duplicates, invalid + no phone,
# imported when the row's country column is the hint (DE for the `;` file, which has no country column).
EXPECTED = {
    "google_contacts.csv": (16, 8, 3, 4 + 1, 9),
    "outlook_contacts.csv": (13, 7, 1, 3 + 2, 8),
    "hubspot_contacts.csv": (15, 10, 1, 3 + 1, 10),
    "aircall_contacts_eu_excel.csv": (10, 7, 0, 2 + 1, 7),
}
WITH_COUNTRY_ARGS = {"aircall_contacts_eu_excel.csv": ["--default-country", "DE"]}


def run(*args: str) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_contacts", *args, stdout=out, stderr=err)
    last = out.getvalue().strip().splitlines()[-1]
    return json.loads(last), err.getvalue()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_imports_with_readme_counts_default_us(name):
    ws = make_workspace(f"us-{name[:6]}")
    counts, err = run(sample_file(name), "--workspace", ws.slug, "--default-country", "US", "--ignore-country-column")
    rows, imported, duplicates, invalid, _ = EXPECTED[name]
    assert counts == {"rows": rows, "imported": imported, "updated": 0, "duplicates_skipped": duplicates,
                      "invalid_skipped": invalid, "dnc": 0}
    assert Contact.objects.for_workspace(ws).count() == imported
    batch = ImportBatch.objects.get(workspace=ws)
    assert (batch.status, batch.source, batch.rows, batch.imported) == ("completed", "command", rows, imported)
    assert ImportRow.objects.filter(batch=batch, outcome="skipped").count() == duplicates + invalid
    assert f"{rows}/{rows} rows" in err


def every_number_rule(name: str) -> tuple[int, int, int, int]:
    """The README's rule with every number of a row kept, applied by hand to the file (default US, no country
    column): a row whose numbers match any earlier row's number is a duplicate. (imported, duplicates, invalid,
    additional numbers kept)."""
    opened = read_source(TableSource.from_path(sample_file(name)))
    build = ColumnMapping.auto(opened.table.headers).compile()
    seen: set[str] = set()
    imported = duplicates = invalid = extra = 0
    for _, cells in opened.data_rows():
        first, _, _, more = phone_rules.every_e164(build(cells)["phone"], region="US")
        if first is None:
            invalid += 1
            continue
        numbers = {first, *(n for n, _ in more)}
        if numbers & seen:
            duplicates += 1
        else:
            imported += 1
            extra += len(more)
        seen |= numbers
    return imported, duplicates, invalid, extra


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_counts_follow_the_every_number_rule(name):
    """Keeping every number of a row (issue 13) leaves the README's counts as they are for these files; the rule,
    applied by hand, and the import agree, and every further number of an imported row is kept."""
    ws = make_workspace(f"rule-{name[:6]}")
    counts, _ = run(sample_file(name), "--workspace", ws.slug, "--default-country", "US", "--ignore-country-column")
    imported, duplicates, invalid, extra = every_number_rule(name)
    assert (counts["imported"], counts["duplicates_skipped"], counts["invalid_skipped"]) == (
        imported, duplicates, invalid)
    assert ContactPhone.objects.filter(workspace=ws, is_primary=False).count() == extra
    numbers = list(ContactPhone.objects.filter(workspace=ws).values_list("e164", flat=True))
    assert len(numbers) == len(set(numbers)) == imported + extra


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_imports_with_the_country_column_as_hint(name):
    ws = make_workspace(f"cc-{name[:6]}")
    counts, _ = run(sample_file(name), "--workspace", ws.slug, *WITH_COUNTRY_ARGS.get(name, []))
    rows, _, _, _, imported = EXPECTED[name]
    assert counts["rows"] == rows and counts["imported"] == imported
    assert counts["imported"] + counts["duplicates_skipped"] + counts["invalid_skipped"] == rows
    assert Contact.objects.for_workspace(ws).count() == imported


def test_country_column_turns_a_local_number_into_an_international_one(workspace):
    run(sample_file("google_contacts.csv"), "--workspace", workspace.slug)
    noah = Contact.objects.get(workspace=workspace, first_name="Noah")
    assert noah.phone == "+61491570156"  # "0491 570 156" with Address 1 - Country = Australia
    # Non-ASCII names and a formula payload are stored as text, as given.
    assert Contact.objects.filter(workspace=workspace, last_name="Müller", first_name="Jürgen").exists()
    assert Contact.objects.filter(workspace=workspace, first_name__startswith="=HYPERLINK").exists()


def test_rerunning_a_file_duplicates_nothing_and_update_existing_updates(workspace):
    path = sample_file("hubspot_contacts.csv")
    first, _ = run(path, "--workspace", workspace.slug)
    again, _ = run(path, "--workspace", workspace.slug)
    assert again["imported"] == 0 and again["duplicates_skipped"] == first["imported"] + first["duplicates_skipped"]
    assert Contact.objects.for_workspace(workspace).count() == first["imported"]
    contact = Contact.objects.get(workspace=workspace, phone="+12025550190")
    contact.first_name = "Changed"
    contact.save()
    updated, _ = run(path, "--workspace", workspace.slug, "--update-existing")
    assert updated["updated"] >= 1 and updated["imported"] == 0
    contact.refresh_from_db()
    assert contact.first_name == "Ethan"


def test_campaign_option_adds_imported_contacts_but_never_dnc_numbers(workspace):
    services.dnc_add_number(workspace=workspace, phone="+12025550190", reason="asked")
    campaign = services.campaign_create(workspace=workspace, name="Spring")
    counts, _ = run(sample_file("hubspot_contacts.csv"), "--workspace", workspace.slug, "--campaign",
                    campaign.public_id)
    assert counts["dnc"] == 1
    members = set(CampaignMembership.objects.filter(campaign=campaign).values_list("contact__phone", flat=True))
    assert "+12025550190" not in members and len(members) == counts["imported"] - 1


def test_existing_contact_counts_as_duplicate(workspace):
    make_contact(workspace, "+12025550143")
    counts, _ = run(sample_file("hubspot_contacts.csv"), "--workspace", workspace.slug)
    assert (counts["imported"], counts["duplicates_skipped"]) == (9, 2)


def test_bad_arguments_and_files_get_clear_errors_and_write_nothing(workspace, tmp_path):
    with pytest.raises(CommandError, match="No workspace"):
        run(sample_file("hubspot_contacts.csv"), "--workspace", "nope")
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "missing.csv"), "--workspace", workspace.slug)
    with pytest.raises(CommandError, match="not a country code"):
        run(sample_file("hubspot_contacts.csv"), "--workspace", workspace.slug, "--default-country", "XX")
    with pytest.raises(CommandError, match="No campaign"):
        run(sample_file("hubspot_contacts.csv"), "--workspace", workspace.slug, "--campaign", "campaign_nope")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    with pytest.raises(CommandError, match="PNG image"):
        run(str(binary), "--workspace", workspace.slug)
    header_only = tmp_path / "header.csv"
    header_only.write_text("First Name,Phone\n")
    with pytest.raises(CommandError, match="no data rows"):
        run(str(header_only), "--workspace", workspace.slug)
    no_phone = tmp_path / "nophone.csv"
    no_phone.write_text("First Name,Favourite colour\nAda,blue\n")
    with pytest.raises(CommandError, match="No column looks like a phone"):
        run(str(no_phone), "--workspace", workspace.slug)
    assert not Contact.objects.exists() and not ImportBatch.objects.exists()


def test_progress_bar_on_a_terminal_rewrites_one_line():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    bar = Progress(stream, total=4000)
    bar.update(2000)
    bar.update(4000)
    bar.finish()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "2,000/4,000 rows  50%" in text and "rows/s" in text and "s left" in text
    assert "[" + "#" * 30 + "]" in text
