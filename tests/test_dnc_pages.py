"""The Do-Not-Call workspace at /dnc/: list, search, add, upload, remove and the audit log, for every role."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.compliance.models import AuditEvent, DncAction, DncAuditLog, DncEntry, DncSource
from contacts.errors import Forbidden
from contacts.models import Contact, Role
from tests.factories import make_contact, make_user, make_workspace

pytestmark = pytest.mark.django_db

ROLES = [Role.OWNER, Role.ADMIN, Role.MEMBER, Role.COMPLIANCE, Role.VIEWER]


@pytest.fixture
def as_role(client, workspace):
    def login(role: str):
        user = make_user(f"{role}-user", workspace=workspace, role=role)
        client.force_login(user)
        return user

    return login


def listed(workspace, phone: str, reason: str = "Asked not to be called", actor=None):
    return services.dnc_add_number(workspace=workspace, phone=phone, reason=reason, actor=actor)


def upload(client, text: str | bytes, *, name: str = "dnc.csv", default_reason: str = ""):
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return client.post(reverse("dnc_upload"), {"file": SimpleUploadedFile(name, data, content_type="text/csv"),
                                               "default_reason": default_reason})


# --- the list ------------------------------------------------------------------------------------------------

def test_list_shows_number_source_reason_who_when_and_the_contact(client, as_role, workspace):
    user = as_role(Role.COMPLIANCE)
    ada = make_contact(workspace, "+14155550166", first_name="Ada", last_name="Byron")
    listed(workspace, "+14155550166", "Complaint on the phone", actor=user)
    listed(workspace, "+12125550143", "Litigator list")
    response = client.get(reverse("dnc_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 listed numbers" in body
    assert "(415) 555-0166" in body and "+14155550166" in body
    assert "Complaint on the phone" in body and "compliance-user" in body and "Manual" in body
    assert reverse("contact_detail", args=[ada.public_id]) in body and "Ada Byron" in body
    assert "No contact" in body  # the other number belongs to nobody
    assert 'aria-current="page"' in body and "Do-Not-Call" in body  # the nav item and the tab


def test_list_queries_do_not_grow_with_rows(client, as_role, workspace, django_assert_max_num_queries):
    as_role(Role.OWNER)
    for i in range(25):
        phone = f"+1415555{2000 + i:04d}"
        make_contact(workspace, phone, first_name=f"P{i}")
        listed(workspace, phone)
    client.get(reverse("dnc_list"))  # warm the session
    with django_assert_max_num_queries(9):
        response = client.get(reverse("dnc_list"))
    assert response.content.decode().count('data-phone="') == 25


def test_empty_list_has_an_empty_state_with_the_actions_the_role_may_take(client, as_role):
    as_role(Role.MEMBER)
    body = client.get(reverse("dnc_list")).content.decode()
    assert "No numbers on the Do-Not-Call list yet" in body
    assert reverse("dnc_add") in body and reverse("dnc_upload") not in body


@pytest.mark.parametrize("typed", ["(415) 555-0166", "415.555.0166", "+1 415 555 0166", "4155550166", "555-0166",
                                   "0166"])
def test_search_finds_a_number_typed_in_any_format(client, as_role, workspace, typed):
    as_role(Role.VIEWER)
    listed(workspace, "+14155550166")
    listed(workspace, "+12125550143")
    body = client.get(reverse("dnc_list"), {"q": typed}).content.decode()
    assert 'data-phone="+14155550166"' in body
    assert 'data-phone="+12125550143"' not in body


def test_search_uses_the_workspaces_default_country(client):
    london = make_workspace("london", default_country="GB")
    user = make_user("ldn", workspace=london, role=Role.COMPLIANCE)
    client.force_login(user)
    listed(london, "+442079460018")
    body = client.get(reverse("dnc_list"), {"q": "020 7946 0018"}).content.decode()
    assert 'data-phone="+442079460018"' in body
    empty = client.get(reverse("dnc_list"), {"q": "020 7946 9999"}).content.decode()
    assert "No listed number matches" in empty


def test_search_by_reason_words_and_paging(client, as_role, workspace):
    as_role(Role.VIEWER)
    for i in range(30):
        listed(workspace, f"+1415555{3000 + i:04d}", "Litigator list" if i % 2 else "Complaint")
    first = client.get(reverse("dnc_list")).content.decode()
    assert first.count('data-phone="') == 25 and 'aria-current="page">1<' in first and "Last page, 2" in first
    second = client.get(reverse("dnc_list"), {"page": 2}).content.decode()
    assert second.count('data-phone="') == 5
    litigators = client.get(reverse("dnc_list"), {"q": "litigator"}).content.decode()
    assert "15 listed numbers match" in litigators


# --- add -------------------------------------------------------------------------------------------------------

def test_add_many_numbers_reports_each_one(client, as_role, workspace):
    user = as_role(Role.MEMBER)
    bo = make_contact(workspace, "+14155550100", first_name="Bo")
    listed(workspace, "+16465550112")
    response = client.post(reverse("dnc_add"), {
        "numbers": "415 555 0100\n(212) 555-0143, not a number\n646-555-0112\n+1 415 555 0100",
        "reason": "Asked on the phone",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "Done: 2 added, 1 already listed, 1 repeated in the file, 1 invalid number." in body
    assert body.count('data-verdict="add"') == 2 and 'data-verdict="invalid"' in body
    assert "The string supplied did not seem to be a phone number" in body or "not a number" in body
    assert set(DncEntry.objects.filter(reason="Asked on the phone").values_list("phone", flat=True)) == {
        "+14155550100", "+12125550143"}
    bo.refresh_from_db()
    assert bo.status == "dnc"
    log = DncAuditLog.objects.get(phone="+14155550100")
    assert (log.actor, log.actor_label, log.contacts_affected, log.source) == (user, "member-user", 1, "manual")
    assert DncEntry.objects.get(phone="+14155550100").created_by_label == "member-user"


def test_add_needs_a_reason_and_a_number(client, as_role):
    as_role(Role.COMPLIANCE)
    body = client.post(reverse("dnc_add"), {"numbers": "4155550100", "reason": " "}).content.decode()
    assert "A reason is required." in body
    body = client.post(reverse("dnc_add"), {"numbers": " , ", "reason": "x"}).content.decode()
    assert "Type at least one number." in body
    assert not DncEntry.objects.exists()


def test_add_is_set_based(workspace, django_assert_max_num_queries):
    numbers = [f"415 555 {4000 + i:04d}" for i in range(300)]
    for phone in numbers[:50]:
        make_contact(workspace, phone)
    with django_assert_max_num_queries(12):
        summary = services.dnc_add_numbers(workspace=workspace, numbers=numbers, reason="Bulk opt-out",
                                           actor="test")
    assert summary.counts["add"] == 300
    assert Contact.objects.filter(status="dnc").count() == 50
    assert DncAuditLog.objects.count() == 300


# --- upload ----------------------------------------------------------------------------------------------------

def test_upload_preview_then_apply_skips_bad_rows_and_reports_them(client, as_role, workspace):
    user = as_role(Role.COMPLIANCE)
    carla = make_contact(workspace, "+14155550101", first_name="Carla")
    listed(workspace, "+16465550112")
    text = ("\ufeffPhone;Reason\n"
            "(415) 555-0101;Complaint by email\n"
            "212 555 0143;\n"                      # no reason: takes the form's
            "12;typo\n"                            # invalid
            "415.555.0101;again\n"                 # repeated in the file
            "646-555-0112;Already there\n"         # already listed
            "+44 20 7946 0018;UK opt-out\n")
    response = upload(client, text, default_reason="Litigator list 2026")
    assert response.status_code == 302
    preview_url = response["Location"]
    preview = client.get(preview_url)
    body = preview.content.decode()
    assert 'data-count="add">3<' in body and 'data-count="invalid">1<' in body
    assert 'data-count="listed">1<' in body and 'data-count="duplicate">1<' in body
    assert "from the form" in body and "Add 3 numbers" in body
    assert not DncEntry.objects.filter(phone="+14155550101").exists()  # nothing written by the preview

    done = client.post(preview_url, {"default_reason": "Litigator list 2026", "action": "apply"}, follow=True)
    body = done.content.decode()
    assert "Upload report" in body
    assert 'data-count="add">3<' in body and 'data-count="skipped">1<' in body
    assert 'data-line="4"' in body and "typo" in body  # the bad row with its line, reason and why
    assert set(DncEntry.objects.filter(source=DncSource.IMPORT).values_list("phone", "reason")) == {
        ("+14155550101", "Complaint by email"), ("+12125550143", "Litigator list 2026"),
        ("+442079460018", "UK opt-out")}
    carla.refresh_from_db()
    assert carla.status == "dnc"
    assert DncAuditLog.objects.filter(source=DncSource.IMPORT, actor=user).count() == 3
    event = AuditEvent.objects.get(action="dnc.upload")
    assert (event.count, event.details["invalid"], event.details["file"]) == (3, 1, "dnc.csv")
    again = client.get(preview_url)  # applied once: the preview now leads to the report
    assert again.status_code == 302 and again["Location"].endswith("/report/")


def test_upload_without_header_tab_separated(client, as_role, workspace):
    as_role(Role.ADMIN)
    response = upload(client, "4155550101\tCalled us\n2125550143\tLitigator\n", name="numbers.tsv")
    client.post(response["Location"], {"default_reason": "", "action": "apply"})
    assert set(DncEntry.objects.values_list("phone", flat=True)) == {"+14155550101", "+12125550143"}


def test_upload_rows_without_reason_are_skipped_when_the_form_has_none(client, as_role, workspace):
    as_role(Role.OWNER)
    response = upload(client, "phone,reason\n4155550101,Called us\n2125550143,\n")
    preview = client.get(response["Location"]).content.decode()
    assert "1 row has no reason" in preview
    report = client.post(response["Location"], {"default_reason": "", "action": "apply"}, follow=True)
    body = report.content.decode()
    assert "No reason in the file and none typed on the form." in body
    assert list(DncEntry.objects.values_list("phone", flat=True)) == ["+14155550101"]


def test_upload_apply_is_set_based(workspace, django_assert_max_num_queries):
    from contacts.compliance.dnc_files import DncRow

    rows = [DncRow(line=i, raw_phone=f"(415) 555-{5000 + i:04d}", reason="File") for i in range(1, 401)]
    rows.append(DncRow(line=401, raw_phone="nope", reason="bad"))
    with django_assert_max_num_queries(12):
        summary = services.dnc_upload_apply(workspace=workspace, rows=rows, actor="test")
    assert summary.counts["add"] == 400 and summary.problems_total == 1
    assert DncEntry.objects.count() == 400


def test_upload_of_an_unreadable_file_says_why(client, as_role):
    as_role(Role.COMPLIANCE)
    response = upload(client, b"%PDF-1.7 binary", name="scan.pdf")
    assert response.status_code == 200
    assert "This looks like a PDF document" in response.content.decode()


def test_upload_of_another_session_or_workspace_is_not_found(client, as_role, workspace):
    as_role(Role.COMPLIANCE)
    response = upload(client, "4155550101,x\n")
    url = response["Location"]
    other = make_workspace("other-ws")
    intruder = make_user("other-compliance", workspace=other, role=Role.COMPLIANCE)
    client.force_login(intruder)
    assert client.get(url).status_code == 404


# --- remove ----------------------------------------------------------------------------------------------------

def test_remove_asks_for_a_reason_then_reactivates_the_contact(client, as_role, workspace):
    user = as_role(Role.COMPLIANCE)
    contact = make_contact(workspace, "+14155550166", first_name="Ada")
    entry = listed(workspace, "+14155550166", "Complaint")
    url = reverse("dnc_remove", args=[entry.pk])
    page = client.get(url).content.decode()
    assert "autofocus" in page and 'id="id_reason"' in page and "Complaint" in page
    refused = client.post(url, {"reason": ""}).content.decode()
    assert "A reason is required." in refused
    assert DncEntry.objects.filter(pk=entry.pk).exists()
    done = client.post(url, {"reason": "Number reassigned"}, follow=True)
    assert "is off the Do-Not-Call list. 1 contact can be called again." in done.content.decode()
    contact.refresh_from_db()
    assert contact.status == "active"
    log = DncAuditLog.objects.get(action=DncAction.REMOVED)
    assert (log.reason, log.actor, log.actor_label) == ("Number reassigned", user, "compliance-user")


def test_remove_of_another_workspaces_entry_is_not_found(client, as_role, other_workspace):
    as_role(Role.OWNER)
    entry = listed(other_workspace, "+14155550166")
    assert client.get(reverse("dnc_remove", args=[entry.pk])).status_code == 404


# --- roles -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_sees_and_may_do(client, as_role, workspace, role):
    as_role(role)
    entry = listed(workspace, "+14155550166")
    may_add = role != Role.VIEWER
    may_manage = role in (Role.OWNER, Role.ADMIN, Role.COMPLIANCE)
    page = client.get(reverse("dnc_list")).content.decode()
    audit = client.get(reverse("dnc_audit")).content.decode()
    assert (reverse("dnc_add") in page) is may_add
    assert (reverse("dnc_upload") in page) is may_manage
    assert (reverse("dnc_remove", args=[entry.pk]) in page) is may_manage
    assert (reverse("dnc_audit_csv") in audit) is may_manage
    expected = {reverse("dnc_add"): may_add, reverse("dnc_upload"): may_manage,
                reverse("dnc_remove", args=[entry.pk]): may_manage, reverse("dnc_audit_csv"): may_manage}
    for url, allowed in expected.items():
        assert client.get(url).status_code == (200 if allowed else 403), url
    # Trying anyway changes nothing.
    client.post(reverse("dnc_add"), {"numbers": "2125550143", "reason": "x"})
    client.post(reverse("dnc_remove", args=[entry.pk]), {"reason": "x"})
    assert DncEntry.objects.filter(phone="+12125550143").exists() is may_add
    assert DncEntry.objects.filter(pk=entry.pk).exists() is not may_manage


def test_forbidden_page_explains_the_role(client, as_role):
    as_role(Role.VIEWER)
    response = client.post(reverse("dnc_add"), {"numbers": "2125550143", "reason": "x"})
    assert response.status_code == 403
    assert "does not allow you to add numbers to the Do-Not-Call list" in response.content.decode()


def test_services_refuse_the_role_whatever_the_caller(workspace):
    member = make_user("m", workspace=workspace, role=Role.MEMBER)
    viewer = make_user("v", workspace=workspace, role=Role.VIEWER)
    with pytest.raises(Forbidden):
        services.dnc_upload_apply(workspace=workspace, rows=[], actor=member)
    with pytest.raises(Forbidden):
        services.dnc_add_numbers(workspace=workspace, numbers=["4155550100"], reason="x", actor=viewer)
    from contacts.compliance.exports import dnc_audit_export

    with pytest.raises(Forbidden):
        dnc_audit_export(workspace=workspace, actor=member, queryset=DncAuditLog.objects.all())


# --- the audit log ---------------------------------------------------------------------------------------------

@pytest.fixture
def history(workspace):
    """Two people and an API key: four numbers added, one removed."""
    ann = make_user("ann", workspace=workspace, role=Role.COMPLIANCE)
    bob = make_user("bob", workspace=workspace, role=Role.ADMIN)
    listed(workspace, "+14155550166", "=HYPERLINK(\"http://evil.example\",\"Click\")", actor=ann)
    listed(workspace, "+12125550143", "Litigator list", actor=bob)
    listed(workspace, "+16465550112", "Complaint", actor=ann)
    services.dnc_remove_number(workspace=workspace, phone="+16465550112", reason="Opted back in", actor=bob)
    DncAuditLog.objects.create(workspace=workspace, phone="+13125550100", action=DncAction.ADDED, reason="Zap",
                               source=DncSource.API, actor_label="API key zapier (sak_abc…)")
    return ann, bob


def rows(response) -> list[str]:
    body = response.content.decode()
    return [chunk.split('"', 1)[0] for chunk in body.split('data-action="')[1:]]


def test_audit_filters_by_number_action_actor_and_date(client, as_role, workspace, history):
    as_role(Role.VIEWER)
    url = reverse("dnc_audit")
    assert len(rows(client.get(url))) == 5
    assert rows(client.get(url, {"number": "(646) 555-0112"})) == ["removed", "added"]
    assert rows(client.get(url, {"action": "removed"})) == ["removed"]
    assert len(rows(client.get(url, {"actor": "ann"}))) == 2
    assert len(rows(client.get(url, {"actor": "zapier"}))) == 1
    today = timezone.localdate()
    assert len(rows(client.get(url, {"date_from": today.isoformat(), "date_to": today.isoformat()}))) == 5
    future = (today + timedelta(days=1)).isoformat()
    empty = client.get(url, {"date_from": future})
    assert rows(empty) == [] and "No audit record matches these filters" in empty.content.decode()
    body = client.get(url, {"action": "removed"}).content.decode()
    assert "Opted back in" in body and "bob" in body and "1 record matches these filters" in body


def test_audit_csv_export_is_filtered_and_formula_safe(client, as_role, workspace, history):
    user = as_role(Role.COMPLIANCE)
    response = client.get(reverse("dnc_audit_csv"), {"actor": "ann"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 2
    reasons = {row["Reason"] for row in table}
    assert "'=HYPERLINK(\"http://evil.example\",\"Click\")" in reasons  # shown as text, never run
    # Nothing a spreadsheet would run; an E.164 number is a plain number to it and stays importable as is.
    assert all(not v.startswith(("=", "-", "@")) and (not v.startswith("+") or re.fullmatch(r"\+\d{7,15}", v))
               for row in table for v in row.values())
    assert {row["By"] for row in table} == {"ann"}
    event = AuditEvent.objects.get(action="dnc.audit_export")
    assert (event.count, event.actor) == (2, user)


def test_audit_page_empty_state(client, as_role):
    as_role(Role.VIEWER)
    body = client.get(reverse("dnc_audit")).content.decode()
    assert "Nothing has changed on the list yet" in body


def test_archived_workspace_is_gone_from_the_dnc_pages(client, as_role, workspace):
    as_role(Role.OWNER)
    services.workspace_archive(workspace=workspace, actor="test")
    assert client.get(reverse("dnc_list")).status_code == 404


def test_a_session_keeps_its_last_uploads_only(client, as_role):
    from django.core.files.storage import default_storage

    from contacts.views.dnc import UPLOADS_KEPT

    as_role(Role.COMPLIANCE)
    first = upload(client, "4155550101,x\n")["Location"]
    path = client.session["dnc_uploads"][first.rstrip("/").rsplit("/", 1)[-1]]["path"]
    for _ in range(UPLOADS_KEPT):
        upload(client, "4155550102,y\n")
    assert len(client.session["dnc_uploads"]) == UPLOADS_KEPT
    assert client.get(first).status_code == 404
    assert not default_storage.exists(path)
