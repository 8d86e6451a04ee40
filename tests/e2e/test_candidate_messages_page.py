"""The candidate-message settings page by keyboard, on a phone and a desktop: an error sits
next to its field, and turning the decision email on is saved."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from tests.e2e.conftest import SHOTS
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("width", "name"), [(360, "360"), (1280, "desktop")])
def test_an_owner_turns_on_decision_emails(live_server, page: Page, width, name):
    member = MembershipFactory(role=Membership.Role.OWNER, user__email="olga@acme.test")
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("olga@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/settings/candidate-messages/")

    delay = page.get_by_label("Wait before sending a decision (minutes)")
    delay.fill("2")
    page.get_by_label("Tell candidates the decision").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save candidate message settings").click()
    expect(page.locator("#id_decision_message_delay_minutes-error")).to_contain_text(
        "greater than or equal to 5"
    )
    page.screenshot(path=SHOTS / f"candidate-messages-error-{name}.png", full_page=True)
    if width == 360:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("Wait before sending a decision (minutes)").fill("15")
    page.get_by_role("button", name="Save candidate message settings").click()
    expect(page.get_by_text("Candidate message settings saved.")).to_be_visible()
    expect(page.get_by_label("Tell candidates the decision")).to_be_checked()
    page.screenshot(path=SHOTS / f"candidate-messages-{name}.png", full_page=True)
    member.team.refresh_from_db()
    assert member.team.tell_candidates_decision is True
    assert member.team.decision_message_delay_minutes == 15
