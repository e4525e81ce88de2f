"""Shared fixtures: workspaces, users, logged-in clients, the shared sample files and a real Chromium for browser
tests."""
from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest

from tests.factories import make_user, make_workspace

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
_missing_samples: list[str] = []


def samples_dir() -> Path:
    """The real-world exports in ../shared/samples beside the project (SAMPLES_DIR overrides)."""
    return Path(os.environ.get("SAMPLES_DIR") or PROJECT_ROOT.parent / "shared" / "samples")


def sample_file(name: str) -> str:
    """Path of one sample file. Missing: the test fails under CI=true and is skipped loudly elsewhere."""
    path = samples_dir() / name
    if not path.is_file():
        message = f"SAMPLE FILE MISSING: {path} (put ../shared/samples beside the project or set SAMPLES_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true needs every sample file.", pytrace=False)
        _missing_samples.append(name)
        pytest.skip(message)
    return str(path)


def pytest_terminal_summary(terminalreporter):
    if _missing_samples:
        terminalreporter.write_sep("!", f"SAMPLE TESTS SKIPPED: {len(_missing_samples)} need files missing from "
                                        f"{samples_dir()}", red=True, bold=True)


@pytest.fixture
def workspace(db):
    return make_workspace("acme", name="Acme Dental")


@pytest.fixture
def other_workspace(db):
    return make_workspace("globex", name="Globex Realty")


@pytest.fixture
def user(workspace):
    return make_user("manager", workspace=workspace)


@pytest.fixture
def other_user(other_workspace):
    return make_user("intruder", workspace=other_workspace)


@pytest.fixture
def client_logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def admin_user_ws(workspace):
    return make_user("boss", workspace=workspace, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client_ws(client, admin_user_ws):
    client.force_login(admin_user_ws)
    return client


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "browser" in item.keywords]
    if not browser_items or chromium_available():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but Chromium is missing at {CHROMIUM}: browser tests must run in CI.")
    message = (f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}. "
               "Install it with `apt-get install chromium` to run them.")
    warnings.warn(message, stacklevel=1)
    print(f"\n\n{'!' * 78}\n{message}\n{'!' * 78}\n")
    skip = pytest.mark.skip(reason=message)
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url,
                                  accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ (not committed) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login_in_browser(page, username: str, password: str = "pw-Secret-123") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
