"""The compliance page and the contact page's "Why can't I call?", through the dashboard."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacts import services
from contacts.campaigns import dialer
from contacts.compliance import manage
from contacts.models import ConsentRevocation, RegistryBlock, RegistrySource, WorkspaceRule
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db
AFTERNOON_FL = datetime(2026, 3, 11, 19, 0, tzinfo=UTC)


@pytest.fixture
def officer(client, workspace):
    client.force_login(make_user("officer", workspace=workspace, role="compliance"))
    return client


def test_the_page_lists_rules_with_sources_and_warns_without_a_registry(officer):
    html = officer.get("/compliance/").content.decode()
    assert "2026.11.3" in html and "Fla. Stat. § 501.616(6)(b)" in html and "47 CFR 64.1200(a)(10)" in html
    assert "No registry file yet" in html and "A starting point, not legal advice" in html
    # a per-day window says which days it binds
    assert "Tex. Bus. &amp; Com. Code § 301.051" in html and "calls 12:00–21:00 local time on Sun" in html


def test_the_page_lists_this_years_state_holidays_under_their_rules(officer):
    from contacts.compliance import holidays

    year = timezone.now().year
    html = officer.get("/compliance/").content.decode()
    louisiana = html[html.index('data-testid="holidays-la-sunday-holidays"'):]
    louisiana = louisiana[:louisiana.index("</details>")]
    dates = holidays.holiday_dates(year)
    assert f"Closed in {year}" in louisiana
    assert f'{dates["mardi_gras"]:%Y-%m-%d}">{dates["mardi_gras"]:%a %b} {dates["mardi_gras"].day}</time> Mardi Gras' \
        in louisiana
    assert f'{dates["good_friday"]:%Y-%m-%d}">' in louisiana and "Good Friday" in louisiana
    assert "Confederate Memorial Day" in html and "Confederate Memorial Day" not in louisiana


def test_a_registry_upload_refuses_its_numbers_for_telemarketing(officer, workspace):
    body = b"3055550100\n305-555-0101\nnot a number\n\n3055550100\n7865550199\n"
    response = officer.post("/compliance/registry/", {
        "file": SimpleUploadedFile("dnc-305.txt", body), "name": "National 305, 786", "kind": "national",
        "downloaded_on": timezone.now().date().isoformat()}, follow=True)
    html = response.content.decode()
    assert "3 numbers in 2 area codes" in html and "1 lines were not numbers" in html
    source = RegistrySource.objects.get(workspace=workspace)
    assert source.numbers == 3 and source.area_codes == ["305", "786"] and source.lines_rejected == 1
    assert RegistryBlock.objects.filter(source=source).count() == 2
    assert len(RegistryBlock.objects.get(prefix="305555").bits) == 1250
    assert "No registry file yet" not in html and "days old" not in html


def test_a_registry_file_older_than_31_days_is_flagged(officer, workspace):
    manage.registry_import(workspace=workspace, lines=["3055550100"], name="old",
                           downloaded_on=timezone.now().date() - timedelta(days=32))
    assert "The newest registry file is 32 days old" in officer.get("/compliance/").content.decode()
    manage.registry_import(workspace=workspace, lines=["3055550100"], name="fresh",
                           downloaded_on=timezone.now().date() - timedelta(days=31))
    assert "days old" not in officer.get("/compliance/").content.decode()


def test_bad_registry_uploads_change_nothing(officer, workspace):
    future = (timezone.now().date() + timedelta(days=2)).isoformat()
    for data, message in (
        ({"file": SimpleUploadedFile("a.txt", b"3055550100\n"), "downloaded_on": future}, "cannot be in the future"),
        ({"file": SimpleUploadedFile("a.txt", b"hello\nworld\n"), "downloaded_on": "2026-01-01"},
         "No 10-digit US numbers"),
        ({"downloaded_on": "2026-01-01"}, "choose a file"),
        ({"file": SimpleUploadedFile("a.txt", b"3055550100\n"), "downloaded_on": "2026-01-01", "kind": "state"},
         "needs its state"),
    ):
        html = officer.post("/compliance/registry/", data, follow=True).content.decode()
        assert message in html, message
    assert not RegistrySource.objects.exists()


def test_a_workspace_rule_may_only_be_stricter(officer, workspace):
    looser = ('{"id": "fl-late", "jurisdiction": "US-FL", "kind": "window", "start": "08:00", "end": "21:30", '
              '"applies_to": ["telemarketing"], "source": "policy", "effective": "2026-01-01"}')
    html = officer.post("/compliance/rules/", {"rule": looser}).content.decode()
    assert "may only be stricter" in html and "fl-window" in html and not WorkspaceRule.objects.exists()
    assert "not JSON" in officer.post("/compliance/rules/", {"rule": "{oops"}).content.decode()
    weak = ('{"id": "weak", "jurisdiction": "US", "kind": "consent", "requires": "express", '
            '"applies_to": ["telemarketing"], "source": "policy", "effective": "2026-01-01"}')
    assert "weaker" in officer.post("/compliance/rules/", {"rule": weak}).content.decode()
    stricter = ('{"id": "no-saturdays", "jurisdiction": "US", "kind": "closed_days", "weekdays": ["sat"], '
                '"applies_to": ["telemarketing", "informational"], "source": "Our policy", "effective": "2026-01-01"}')
    officer.post("/compliance/rules/", {"rule": stricter})
    rule = WorkspaceRule.objects.get(workspace=workspace)
    html = officer.get("/compliance/").content.decode()
    assert "no-saturdays" in html and "2026.11.3+ws." in html
    contact = make_contact(workspace, "+13055550100")
    saturday = datetime(2026, 3, 14, 16, 0, tzinfo=UTC)
    with pytest.raises(services.OutsideCallingHours):
        services.call_queue_outbound(contact=contact, now=saturday)
    officer.post(f"/compliance/rules/{rule.pk}/delete/")
    assert not WorkspaceRule.objects.exists()
    assert services.call_queue_outbound(contact=contact, now=saturday).status == "queued"


def test_revoking_from_the_page_takes_effect_at_once(officer, workspace):
    contact = make_contact(workspace, "+13055550100")
    html = officer.post("/compliance/revoke/", {"phone": "(305) 555-0100", "note": "replied STOP"},
                        follow=True).content.decode()
    assert "is revoked" in html and "replied STOP" in html
    assert ConsentRevocation.objects.get().channel == "dashboard"
    with pytest.raises(services.CallNotAllowed):
        services.call_queue_outbound(contact=contact)
    assert "Consent not revoked" in officer.post("/compliance/revoke/", {"phone": "12"}, follow=True).content.decode()
    assert ConsentRevocation.objects.count() == 1


def test_the_report_lists_claimed_calls_with_their_rules_version_formula_safe(officer, workspace):
    contact = make_contact(workspace, "+13055550100", first_name="Ann")
    campaign = services.campaign_create(workspace=workspace, name="Solar", subject="=HYPERLINK(\"http://x\")")
    services.campaign_add_contacts(campaign=campaign, contacts=contact.__class__.objects.filter(pk=contact.pk))
    dialer.campaign_start(campaign=campaign, now=AFTERNOON_FL)
    claimed = dialer.calls_claim(workspace=workspace, now=AFTERNOON_FL)
    assert len(claimed) == 1
    response = officer.get("/compliance/report.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Call ID", "Claimed at", "Phone"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Rules version"] == "2026.11.3" and row["Allowed"] == "yes" and row["Jurisdiction"] == "US FL"
    assert row["Subject"].startswith("'=") and row["Claimed at"] == "2026-03-11T19:00:00Z"


def test_why_cant_i_call_shows_every_reason_on_the_contact_page(client_logged_in, workspace):
    contact = make_contact(workspace, "+13055550100", consent=None)
    campaign = services.campaign_create(workspace=workspace, name="Recall", type="informational")
    services.campaign_add_contacts(campaign=campaign, contacts=contact.__class__.objects.filter(pk=contact.pk))
    manage.registry_import(workspace=workspace, lines=["3055550100"], name="r", downloaded_on=date(2026, 1, 1))
    html = client_logged_in.get(f"/contacts/{contact.public_id}/").content.decode()
    assert "Why can&#x27;t I call?" in html or "Why can't I call?" in html
    assert 'data-code="no_consent"' in html and 'data-code="dnc_registry"' in html
    assert "Campaign Recall" in html and "none recorded" in html
    assert "Not allowed · " in html  # Call now disabled with the reason


def test_import_registry_command(workspace, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    path = tmp_path / "dnc-305.txt"
    path.write_text("phone\n3055550100\n3055550101\nbad\n")
    call_command("import_registry", str(path), "--workspace", workspace.slug, "--downloaded-on", "2026-03-01")
    assert '"numbers": 2' in capsys.readouterr().out
    source = RegistrySource.objects.get()
    assert source.kind == "national" and source.downloaded_on == date(2026, 3, 1) and source.lines_rejected == 1
    with pytest.raises(CommandError, match="not a date"):
        call_command("import_registry", str(path), "--workspace", workspace.slug, "--downloaded-on", "March")
    with pytest.raises(CommandError, match="No workspace"):
        call_command("import_registry", str(path), "--workspace", "nope", "--downloaded-on", "2026-03-01")
    assert RegistrySource.objects.count() == 1


def test_imports_map_consent_and_revocation_columns(workspace):
    from contacts.compliance.consents import consent_state
    from contacts.imports import import_records
    from contacts.imports.mapping import header_field
    from contacts.models import ConsentRecord

    assert header_field("Consent Type")[0] == "consent" and header_field("Consent revoked")[0] == "consent_revoked"
    result = import_records(workspace=workspace, records=[
        {"phone": "+13055550100", "consent": "express_written"},
        {"phone": "+13055550101", "consent": "Express"},
        {"phone": "+13055550102", "consent": "written", "consent_revoked": "yes"},
        {"phone": "+13055550103", "consent": "maybe"},
        {"phone": "+13055550104", "consent_revoked": "next tuesday"},
        {"phone": "+13055550105"},
    ])
    assert result.imported == 4 and result.invalid_skipped == 2
    assert {e.field for e in result.errors} == {"consent", "consent_revoked"}
    assert consent_state(workspace, "+13055550100").active("express_written")
    express = consent_state(workspace, "+13055550101")
    assert express.active("express") and not express.active("express_written")
    assert consent_state(workspace, "+13055550102").revoked
    assert ConsentRecord.objects.filter(phone="+13055550105").count() == 0
    record = ConsentRecord.objects.get(phone="+13055550100")
    assert record.source == "import" and "row 1" in record.proof_text


def test_the_dashboard_campaign_form_sets_type_and_subject(client_logged_in, workspace):
    from contacts.models import Campaign

    client_logged_in.post("/campaigns/new/", {"name": "Recall", "status": "draft", "type": "informational",
                                              "subject": "Dental recall"})
    campaign = Campaign.objects.get(workspace=workspace)
    assert (campaign.type, campaign.subject) == ("informational", "Dental recall")
    html = client_logged_in.get(f"/campaigns/{campaign.public_id}/edit/").content.decode()
    assert 'value="informational" selected' in html and 'value="Dental recall"' in html
    client_logged_in.post(f"/campaigns/{campaign.public_id}/edit/", {"name": "Recall", "status": "draft"})
    campaign.refresh_from_db()
    assert campaign.type == "informational"  # not sent: kept


def test_admin_lists_the_ledger_and_registry_files(admin_client_ws, workspace):
    from contacts.compliance.consents import consent_revoke

    make_contact(workspace, "+13055550100")
    consent_revoke(workspace=workspace, phone="+13055550100", channel="api", stored=True)
    manage.registry_import(workspace=workspace, lines=["3055550100"], name="National 305",
                           downloaded_on=date(2026, 1, 1))
    for model in ("consentrecord", "consentrevocation", "registrysource"):
        response = admin_client_ws.get(f"/admin/contacts/{model}/")
        assert response.status_code == 200 and "+13055550100" in response.content.decode() or model == "registrysource"
    assert "National 305" in admin_client_ws.get("/admin/contacts/registrysource/").content.decode()


def test_a_member_records_consent_on_the_contact_page_and_the_decision_changes(client_logged_in, workspace):
    from contacts.models import ConsentRecord

    workspace.timezone = "America/New_York"
    workspace.save()
    contact = make_contact(workspace, "+447911123456", consent=None)  # a UK number: only the consent rules matter
    page = f"/contacts/{contact.public_id}/"
    html = client_logged_in.get(page).content.decode()
    assert f'href="/contacts/{contact.public_id}/consent/"' in html and "none recorded" in html
    form = client_logged_in.get(f"{page}consent/").content.decode()
    assert '<label class="form-label required" for="id_kind">Type</label>' in form and 'for="id_proof_url"' in form
    # no proof: refused with the service's own words, nothing stored
    bad = client_logged_in.post(f"{page}consent/", {"kind": "express_written", "source": "web_form"})
    assert bad.status_code == 200 and "Keep some proof" in bad.content.decode()
    future = client_logged_in.post(f"{page}consent/", {"kind": "express", "source": "call", "recording_id": "r1",
                                                       "captured_at": "2999-01-01T09:00"})
    assert future.status_code == 200 and "In the future." in future.content.decode()
    unknown = client_logged_in.post(f"{page}consent/", {"kind": "verbal", "source": "web_form", "proof_text": "x"})
    assert unknown.status_code == 200 and "verbal is not one of the available choices" in unknown.content.decode()
    assert not ConsentRecord.objects.exists()
    done = client_logged_in.post(f"{page}consent/", {
        "kind": "express_written", "source": "web_form", "captured_at": "2026-03-10T09:30",
        "proof_url": "https://example.com/solar-form", "proof_ip": "203.0.113.9", "proof_text": "I agree."},
        follow=True)
    record = ConsentRecord.objects.get()
    assert record.kind == "express_written" and record.contact == contact and record.actor_label
    assert record.captured_at == datetime(2026, 3, 10, 13, 30, tzinfo=UTC)  # 09:30 in New York (EDT)
    html = done.content.decode()
    assert "recorded for" in html and "express written" in html and 'data-testid="consent-history"' in html
    assert 'data-code="no_consent"' not in html


def test_revoking_on_the_contact_page_refuses_calls_and_the_panel_says_why(client, workspace):
    contact = make_contact(workspace, "+13055550100")
    client.force_login(make_user("officer", workspace=workspace, role="compliance"))
    page = f"/contacts/{contact.public_id}/"
    html = client.get(page).content.decode()
    assert "consent/revoke/" in html and f'href="{page}consent/"' not in html  # compliance may revoke, not record
    assert client.get(f"{page}consent/").status_code == 403
    done = client.post(f"{page}consent/revoke/", {"note": "said stop on a call"}, follow=True).content.decode()
    revocation = ConsentRevocation.objects.get()
    assert revocation.channel == "dashboard" and revocation.note == "said stop on a call"
    assert 'data-code="consent_revoked"' in done and "said stop on a call" in done
    with pytest.raises(services.CallNotAllowed):
        services.call_queue_outbound(contact=contact)


def test_consent_pages_refuse_viewers_and_other_workspaces(client, workspace, other_workspace):
    from contacts.models import ConsentRecord

    contact = make_contact(workspace, "+13055550100", consent=None)
    theirs = make_contact(other_workspace, "+13055550101", consent=None)
    client.force_login(make_user("reader", workspace=workspace, role="viewer"))
    html = client.get(f"/contacts/{contact.public_id}/").content.decode()
    assert "consent/revoke/" not in html and "/consent/" not in html
    body = {"kind": "express", "source": "web_form", "proof_text": "yes", "note": "x"}
    assert client.post(f"/contacts/{contact.public_id}/consent/", body).status_code == 403
    assert client.post(f"/contacts/{contact.public_id}/consent/revoke/", body).status_code == 403
    client.force_login(make_user("boss", workspace=workspace, role="owner"))
    assert client.post(f"/contacts/{theirs.public_id}/consent/", body).status_code == 404
    assert client.post(f"/contacts/{theirs.public_id}/consent/revoke/", body).status_code == 404
    assert not ConsentRecord.objects.exists() and not ConsentRevocation.objects.exists()
