"""A dead task worker is never invisible: with no worker, a queued import says so (with what to do) and /healthz
answers 503 "no worker"; once a worker starts, the page follows the import to the end by itself."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.test import override_settings

from contacts.models import Contact, ImportBatch
from contacts.worker.runner import ResilientWorker
from tests.conftest import ARTIFACTS, login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CSV = "First Name,Mobile Phone\n" + "".join(f"Person {n},+1 415 2{n:06d}\n" for n in range(60))


@override_settings(TASKS=DB_TASKS)
def test_stop_the_worker_queue_an_import_then_start_it(page, user, monkeypatch, tmp_path):
    monkeypatch.setattr("contacts.views.imports.QUEUED_GRACE", timedelta(0))  # don't wait a minute in a test
    path = tmp_path / "leads.csv"
    path.write_text(CSV)
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    login_in_browser(page, user.username)

    # No worker is running. Queue an import through the wizard.
    page.goto("/imports/new/")
    page.get_by_label("CSV or Excel file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and map columns").click()
    page.wait_for_url("**/mapping/")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")
    page.get_by_role("button", name="Import 60 contacts").click()
    page.wait_for_url("**/imports/import_*/")
    alert = page.get_by_test_id("no-worker")
    assert "No task worker is running, so this import has not started" in alert.inner_text()
    assert "make run" in alert.inner_text() and "manage.py db_worker" in alert.inner_text()
    assert "of 60 rows" in page.locator("#import-progress").inner_text()  # the count known from the preview
    page.screenshot(path=str(ARTIFACTS / "worker-01-no-worker.png"), full_page=True)
    health = page.request.get("/healthz")
    assert health.status == 503 and health.json()["tasks"] == "no worker"
    detail_url = page.url
    page.goto("/imports/")
    assert page.get_by_test_id("no-worker-hint").is_visible()
    page.screenshot(path=str(ARTIFACTS / "worker-02-list-no-worker.png"), full_page=True)
    page.goto(detail_url)

    # Start the worker: the page notices by itself and follows the import to the end.
    worker = ResilientWorker(queue_names=["default"], interval=0.1, batch=False, backend_name="default",
                             startup_delay=False, max_tasks=None, worker_id="browser-test-worker",
                             excluded_queue_names=[])
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        page.wait_for_function(
            "() => document.querySelector('[data-testid=status]').textContent.trim() === 'Completed'",
            timeout=90_000)  # generous: CI may share the machine
        assert page.get_by_test_id("no-worker").count() == 0
        assert page.locator('[data-count="imported"]').inner_text() == "60"
        page.screenshot(path=str(ARTIFACTS / "worker-03-finished.png"), full_page=True)
        assert page.request.get("/healthz").status == 200
    finally:
        worker.running = False
        thread.join(10)
    assert ImportBatch.objects.get().status == "completed" and Contact.objects.count() == 60
    deadline = time.monotonic() + 5
    while page.request.get("/healthz").status != 503 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert page.request.get("/healthz").json()["tasks"] == "no worker"  # a stopped worker is gone at once
