"""Columns mapped explicitly to a workspace's typed custom fields (`field:<key>`) through the wizard pages and the
`import_contacts` command: converted values stored, bad values reported per row with the field's name."""
from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from contacts import services, tasks
from contacts.models import Contact, ImportBatch, ImportMappingMemory
from tests.factories import make_workspace
from tests.test_import_wizard import counts_on, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def enqueue_now(monkeypatch):
    """Run the queued import at once (the test's transaction never commits)."""
    monkeypatch.setattr(tasks, "enqueue_import", lambda batch: tasks.run_import_batch.enqueue(batch.public_id))

FILE = (b"Name,Phone,Annual budget (USD),Signed up,Tier,Source\n"
        b"Ann,+1 415 555 0101,\"1,200\",2026-03-01,gold,first\n"
        b"Bob,+1 415 555 0102,abc,2026-03-02,silver,second\n"
        b"Cy,+1 415 555 0103,300,yesterday,gold,third\n"
        b"Di,+1 415 555 0104,,,,fourth\n")


@pytest.fixture
def fields(workspace):
    return {
        "budget": services.field_create(workspace=workspace, key="budget", label="Budget", type="number"),
        "signup": services.field_create(workspace=workspace, key="signup", label="Signed up", type="date"),
        "tier": services.field_create(workspace=workspace, key="tier", label="Tier", type="choice",
                                      choices=["Gold", "Silver"]),
    }


def _post_mapping(client, batch: ImportBatch, **targets: str):
    fields = dict(enumerate(batch.column_mapping["fields"]))
    headers = batch.column_mapping["headers"]
    for header, target in targets.items():
        fields[headers.index(header)] = target
    return client.post(f"/imports/{batch.public_id}/mapping/", {f"field_{i}": f for i, f in fields.items()})


def _uploaded(client) -> ImportBatch:
    response = upload(client, "budgets.csv", FILE)
    assert response.status_code == 302
    return ImportBatch.objects.get(public_id=response["Location"].split("/")[2])


def test_any_column_maps_to_a_custom_field_through_the_wizard(client_logged_in, workspace, fields):
    batch = _uploaded(client_logged_in)
    page = client_logged_in.get(f"/imports/{batch.public_id}/mapping/").content.decode()
    assert '<option value="field:budget">Custom field: Budget (number)</option>' in page
    # Headers equal to a field's label are detected; the arbitrarily named budget column is not.
    assert batch.column_mapping["fields"][2:] == ["metadata", "field:signup", "field:tier", "metadata"]
    assert _post_mapping(client_logged_in, batch, **{"Annual budget (USD)": "field:budget"}).status_code == 302

    preview = client_logged_in.post(f"/imports/{batch.public_id}/preview/",
                                    {"existing": "skip", "default_country": "US", "action": "preview"}, follow=True)
    html = preview.content.decode()
    assert counts_on(html)["imported"] == 2 and counts_on(html)["invalid_skipped"] == 2
    assert "Budget: &#x27;abc&#x27; — Must be a number." in html
    assert "Signed up: &#x27;yesterday&#x27; — Must be a date (YYYY-MM-DD)." in html
    assert not Contact.objects.filter(workspace=workspace).exists()

    response = client_logged_in.post(f"/imports/{batch.public_id}/preview/",
                                     {"existing": "skip", "default_country": "US", "action": "start"})
    assert response.status_code == 302
    stored = dict(Contact.objects.filter(workspace=workspace).values_list("first_name", "metadata"))
    assert stored == {"Ann": {"budget": 1200, "signup": "2026-03-01", "tier": "Gold", "Source": "first"},
                      "Di": {"Source": "fourth"}}
    report = client_logged_in.get(f"/imports/{batch.public_id}/errors.csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert [(r[0], r[-1]) for r in rows[1:]] == [
        ("2", "Budget: 'abc' — Must be a number."), ("3", "Signed up: 'yesterday' — Must be a date (YYYY-MM-DD).")]

    # Remembered for the next file with these columns.
    assert ImportMappingMemory.objects.filter(workspace=workspace).count() == 1
    again = _uploaded(client_logged_in)
    assert again.column_mapping["fields"][2] == "field:budget"


def test_unknown_or_repeated_field_targets_are_form_errors(client_logged_in, workspace, fields):
    other = make_workspace("other")
    services.field_create(workspace=other, key="secret", label="Secret", type="text")
    batch = _uploaded(client_logged_in)
    response = _post_mapping(client_logged_in, batch, Source="field:secret")
    assert response.status_code == 400
    assert "“Source” is mapped to the custom field “secret”, which this workspace does not have" in \
        response.content.decode()
    response = _post_mapping(client_logged_in, batch, Source="field:tier")
    assert response.status_code == 400
    assert "Custom field: Tier (choice) is chosen for several columns (“Tier”, “Source”); pick one." in \
        response.content.decode()
    response = _post_mapping(client_logged_in, batch, Source="field:Not A Key")
    assert response.status_code == 400 and "custom field “Not A Key”, which this workspace does not have" in \
        response.content.decode()
    batch.refresh_from_db()
    assert "field:secret" not in batch.column_mapping["fields"]


def test_a_deleted_field_falls_back_to_plain_custom_data(client_logged_in, workspace, fields):
    batch = _uploaded(client_logged_in)
    assert _post_mapping(client_logged_in, batch, **{"Annual budget (USD)": "field:budget"}).status_code == 302
    services.field_delete(field=fields["budget"])
    page = client_logged_in.get(f"/imports/{batch.public_id}/mapping/").content.decode()
    assert "field:budget" not in page
    assert '<option value="metadata" selected>' in page


def test_command_uses_detected_and_remembered_field_targets(workspace, fields, tmp_path, capsys):
    path = tmp_path / "budgets.csv"
    path.write_bytes(FILE.replace(b"Annual budget (USD)", b"budget"))
    call_command("import_contacts", str(path), "--workspace", workspace.slug, "--default-country", "US")
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["imported"] == 2 and counts["invalid_skipped"] == 2
    assert Contact.objects.get(workspace=workspace, first_name="Ann").metadata["budget"] == 1200
