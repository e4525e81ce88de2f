"""Every page at 390×844 (a phone) and 1440×900: no horizontal page scroll, zero serious or critical axe-core
violations, and a screenshot of each in test-artifacts/ (phone-*.png, desktop-*.png)."""
from __future__ import annotations

import pytest

from tests.browser.pages import axe_violations, build_world, page_overflow, page_paths
from tests.conftest import ARTIFACTS, login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str, first_screen: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if first_screen:  # what a phone shows before scrolling, at full resolution
        page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"))


@pytest.mark.parametrize("width,height,prefix", [(390, 844, "phone"), (1440, 900, "desktop")])
def test_every_page_fits_and_passes_axe(browser, live_server, workspace, width, height, prefix):
    world = build_world(workspace)
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server.url,
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    try:
        page.goto("/accounts/login/")
        assert not axe_violations(page), "login page"
        overflow = page_overflow(page)
        assert overflow["scrollWidth"] <= overflow["innerWidth"] == width, ("login", overflow)
        shoot(page, f"{prefix}-00-login")
        login_in_browser(page, "ops")
        problems: list[str] = []
        for number, (name, path) in enumerate(page_paths(world), start=1):
            response = page.goto(path)
            assert response.status == 200, (name, response.status)
            page.wait_for_load_state("networkidle")
            overflow = page_overflow(page)
            # A phone browser widens its layout viewport to what overflows: innerWidth must stay the screen's.
            if not overflow["scrollWidth"] <= overflow["innerWidth"] == width:
                problems.append(f"{name} ({path}) scrolls sideways: {overflow}")
            problems += [f"{name} ({path}) axe {v}" for v in axe_violations(page)]
            shoot(page, f"{prefix}-{number:02d}-{name}", first_screen=width < 500)
        assert not problems, "\n".join(problems)
        assert not errors, errors
    finally:
        context.close()
