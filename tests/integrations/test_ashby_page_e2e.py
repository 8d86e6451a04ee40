"""The Integrations page with Ashby on and its settings form showing errors, in Chromium at
phone and desktop widths: no sideways scrolling and no axe-core violations. (The demo data that
tests/e2e/test_pages_render.py walks has no Ashby connector, so its form is not on that page.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from integrations.services import connector_enable

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The vendored axe-core the browser tests use (tests/e2e/), not imported: importing a module of
# tests/e2e would need that folder's conftest.
[AXE] = (Path(__file__).resolve().parents[1] / "e2e").glob("axe-core-*.min.js")
WIDTHS = {"phone": (360, 740), "desktop": (1280, 800)}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    }


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_ashby_settings_form_fits_and_is_accessible(live_server, page, owner, team, width):
    connector_enable(team=team, kind="ashby", by=owner)
    client = Client()
    client.force_login(owner)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.goto(f"{live_server.url}/settings/integrations/")
    form = page.get_by_test_id("integration-settings-form")
    form.get_by_label("assessment.update URL").fill("http://api.ashbyhq.com/assessment.update")
    form.get_by_label("Ashby API key").fill("two words")
    form.get_by_role("button", name="Save Ashby settings").click()
    page.wait_for_selector("#id_ats_url-error")
    assert "https://" in page.locator("#id_ats_url-error").inner_text()
    assert "no spaces" in page.locator("#id_ats_key-error").inner_text()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width} width"
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(
            v => v.id + ': ' + v.nodes.map(
                n => n.target.join(' ') + ' ' + n.any.map(c => c.message).join('; ')
            ).join(', '))"""
    )
    assert found == []
