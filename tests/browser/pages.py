"""Every dashboard page with realistic data, and the two checks each must pass in a real Chromium: no horizontal
page scroll (phones) and no serious or critical axe-core violation (static/vendor/axe-core)."""
from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.imports import (
    Options,
    batch_configure,
    batch_mapping,
    import_records,
    preview_signature,
    upload_create,
)
from contacts.models import Contact, DncEntry, ImportBatch, Plan, Role
from contacts.webhooks.services import webhook_endpoint_create
from tests.factories import make_contact, make_user

AXE = "/static/vendor/axe-core/axe.min.js"
FIRST = ["Ann", "Bob", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea", "Max", "Nia", "Oz"]
LAST = ["Archer", "Baker", "Cole", "Diaz", "Evans", "Frost", "Gray", "Hill", "Ito", "Montgomery-Richardson"]
WIZARD_CSV = ("First Name,Last Name,Mobile Phone,Company,CC\n"
              + "".join(f"{FIRST[i % 15]},{LAST[i % 10]},+1 415 55{i:05d},Bayview Dental Group,US\n" for i in range(40))
              + "No,Phone,,Nowhere,US\nBad,Number,12345,Nowhere,US\nTwin,Again,+1 415 5500001,Dup,US\n")


def build_world(workspace) -> dict:
    """A workspace as a customer has it after a few weeks: contacts, campaigns, calls, imports, DNC, members."""
    workspace.plan = Plan.PROFESSIONAL
    workspace.save(update_fields=["plan"])
    owner = make_user("ops", workspace=workspace, role=Role.OWNER, email="ops@example.com")
    make_user("viewer1", workspace=workspace, role=Role.VIEWER)
    spring = services.campaign_create(workspace=workspace, name="Spring recall — whitening and cleaning reminders",
                                      status="active")
    services.campaign_create(workspace=workspace, name="Whitening promo")
    people = [make_contact(workspace, f"+1718201{i:04d}", first_name=FIRST[i % 15], last_name=LAST[i % 10],
                           email=f"{FIRST[i % 15].lower()}.{LAST[i % 10].lower()}{i}@example-dental-clinic.com",
                           company="Bayview Dental Group" if i % 3 else "Beta Clinic", title="Office manager",
                           metadata={"source": "fair"} if i % 4 == 0 else {}) for i in range(30)]
    services.campaign_add_contacts(campaign=spring, contacts=Contact.objects.filter(pk__in=[p.pk for p in people[:8]]),
                                   actor=owner)
    now = timezone.now()
    outcomes = [("appointment_booked", "positive", "completed"), ("callback", "neutral", "completed"),
                ("not_interested", "negative", "completed"), ("", "", "no_answer")]
    for i, person in enumerate(people[:12]):
        outcome, sentiment, status = outcomes[i % 4]
        services.call_log(workspace=workspace, contact=person, campaign=spring if i < 8 else None, status=status,
                          duration=30 + 7 * i, outcome=outcome, sentiment=sentiment,
                          recording_url="https://recordings.invalid/call.mp3" if status == "completed" else "",
                          transcript="Agent: Hi, this is Alex.\nCustomer: Tuesday works." if status == "completed"
                          else "", created_at=now - timedelta(days=i % 9, hours=i))
    services.contact_mark_dnc(contact=people[29], reason="Asked not to be called again", actor=owner)
    services.dnc_add_numbers(workspace=workspace, numbers=["+12125550199", "+442079460018"],
                             reason="Litigator list, March 2026", actor=owner)
    done = import_records(workspace=workspace, actor=owner, source="api", records=[
        {"phone": "+1 646 555 0100", "first_name": "Imported"}, {"phone": ""}, {"phone": "12"},
        {"phone": "+1 646 555 0100"}])
    ImportBatch.objects.filter(pk=done.batch.pk).update(file_name="hubspot-export-2026-03-with-a-long-name.csv")
    draft, opened = upload_create(workspace=workspace, actor=owner,
                                  upload=SimpleUploadedFile("mailchimp_audience_export.csv", WIZARD_CSV.encode()))
    batch_configure(draft, mapping=batch_mapping(draft, opened.table.headers), options=Options(), actor=owner)
    # A second upload whose whole-file count the worker is still computing (the preview's progress state).
    counting, opened = upload_create(workspace=workspace, actor=owner,
                                     upload=SimpleUploadedFile("big_list_still_counting.csv", WIZARD_CSV.encode()))
    batch_configure(counting, mapping=batch_mapping(counting, opened.table.headers), options=Options(), actor=owner)
    counting.refresh_from_db()
    ImportBatch.objects.filter(pk=counting.pk).update(preview_state={
        "signature": preview_signature(counting), "status": "running", "rows_done": 120_000, "total": 1_200_000})
    entry = DncEntry.objects.for_workspace(workspace).get(phone="+12125550199")
    target = people[5]
    endpoint, _secret = webhook_endpoint_create(workspace=workspace, url="https://crm.example.com/hooks/smartalex",
                                                description="CRM sync", actor=owner)
    # Several numbers on the contact page, and a possible duplicate (same name and company) on the duplicates page.
    services.contact_update(contact=target, data={"phones": [{"number": "+1 718 201 9005", "label": "work"},
                                                             {"number": "+1 718 201 9105", "label": "home"}]})
    services.contact_update(contact=people[16], data={"last_name": people[1].last_name})
    open_house, _ = services.list_create_from(workspace=workspace, name="Spring open house — walk-ins and referrals",
                                              contacts=Contact.objects.filter(pk__in=[p.pk for p in people[:12]]))
    for name, colour, who in (("VIP", "purple", people[:3]),
                              ("Whitening interest — spring promo", "green", people[2:9])):
        tag = services.tag_create(workspace=workspace, name=name, colour=colour)
        services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk__in=[p.pk for p in who]), tag=tag)
    services.field_create(workspace=workspace, key="budget", label="Treatment budget", type="number")
    services.field_create(workspace=workspace, key="plan", label="Insurance plan", type="choice",
                          choices=["Delta Dental PPO", "MetLife", "None"])
    for i, person in enumerate(people[:10]):
        services.contact_update(contact=person, data={"metadata": {"budget": 250 * i, "plan": "MetLife"}})
    return {"open_house": open_house, "tag": tag,
            "owner": owner, "people": people, "spring": spring, "done": done.batch, "draft": draft,
            "counting": counting, "entry": entry, "target": target, "endpoint": endpoint}


def page_paths(world: dict) -> list[tuple[str, str]]:
    """(name, path) of every page a signed-in owner opens."""
    target, spring, draft, done = world["target"], world["spring"], world["draft"], world["done"]
    other = world["people"][6]
    return [
        ("overview", "/"),
        ("contacts", "/contacts/"),
        ("contacts-filtered", "/contacts/?company=bayview&status=active"),
        ("contact-duplicates", reverse("contact_duplicates")),
        ("contact-detail", reverse("contact_detail", args=[target.public_id])),
        ("contact-new", reverse("contact_create")),
        ("contact-edit", reverse("contact_edit", args=[target.public_id])),
        ("contact-mark-dnc", reverse("contact_mark_dnc", args=[target.public_id])),
        ("contact-consent", reverse("contact_consent", args=[target.public_id])),
        ("contact-consent-revoke", reverse("contact_consent_revoke", args=[target.public_id])),
        ("contact-delete", reverse("contact_delete", args=[target.public_id])),
        ("contact-merge", reverse("contact_merge_pick", args=[target.public_id]) + "?q=a"),
        ("contact-merge-confirm", reverse("contact_merge_confirm", args=[target.public_id, other.public_id])),
        ("campaigns", "/campaigns/"),
        ("campaign-detail", reverse("campaign_detail", args=[spring.public_id])),
        ("campaign-new", reverse("campaign_create")),
        ("campaign-edit", reverse("campaign_edit", args=[spring.public_id])),
        ("calls", "/calls/"),
        ("imports", "/imports/"),
        ("import-upload", "/imports/new/"),
        ("import-mapping", reverse("import_mapping", args=[draft.public_id])),
        ("import-preview", reverse("import_preview", args=[draft.public_id])),
        ("import-preview-invalid", reverse("import_preview", args=[draft.public_id]) + "?show=invalid"),
        ("import-preview-counting", reverse("import_preview", args=[world["counting"].public_id])),
        ("import-result", reverse("import_detail", args=[done.public_id])),
        ("import-revert", reverse("import_revert", args=[done.public_id])),
        ("dnc", "/dnc/"),
        ("dnc-add", reverse("dnc_add")),
        ("dnc-upload", reverse("dnc_upload")),
        ("dnc-remove", reverse("dnc_remove", args=[world["entry"].pk])),
        ("dnc-audit", reverse("dnc_audit")),
        ("compliance", reverse("compliance_home")),
        ("settings-members", reverse("members")),
        ("settings-api-keys", reverse("api_keys")),
        ("settings-webhooks", reverse("webhooks")),
        ("settings-webhook-detail", reverse("webhook_detail", args=[world["endpoint"].public_id])),
        ("lists", reverse("list_index")),
        ("contacts-by-list", f"/contacts/?list_id={world['open_house'].public_id}"),
        ("list-rename", reverse("list_rename", args=[world["open_house"].public_id])),
        ("list-delete", reverse("list_delete", args=[world["open_house"].public_id])),
        ("tags", reverse("tag_index")),
        ("contacts-by-tags", "/contacts/?tags=VIP&tags=Whitening+interest+%E2%80%94+spring+promo&tags_mode=all"),
        ("tag-edit", reverse("tag_edit", args=[world["tag"].pk])),
        ("tag-delete", reverse("tag_delete", args=[world["tag"].pk])),
        ("settings-custom-fields", reverse("custom_fields")),
        ("contacts-by-custom-field", "/contacts/?custom.budget__gte=500&custom.plan=MetLife&sort=-custom.budget"),
    ]


def page_overflow(page) -> dict:
    return page.evaluate("""() => ({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        wide: Array.from(document.querySelectorAll('body *')).filter(el => {
            const r = el.getBoundingClientRect();
            return r.right > window.innerWidth + 1 && r.width > 0 && !el.closest('.table-responsive');
        }).slice(0, 5).map(el => el.tagName + '.' + (el.className || '').toString().slice(0, 60))})""")


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now ("rule: target, ...")."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(url=AXE)
    results = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', '));
    }""")
    return results
