"""Message templates in the browser, on a phone and a desktop: a variable inserted by a click,
the live preview following the typing, an unknown variable named, saving, and a test email
to oneself."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership
from candidates.models import MessageTemplate
from tests.e2e.conftest import SHOTS
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("width", "name"), [(360, "360"), (1280, "desktop")])
def test_an_owner_edits_an_invite_with_a_live_preview(live_server, page: Page, width, name):
    member = MembershipFactory(role=Membership.Role.OWNER, user__email="olga@acme.test")
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("olga@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/settings/message-templates/")
    expect(page.get_by_role("heading", name="Message templates")).to_be_visible()
    page.goto(f"{base}/settings/message-templates/edit/?kind=invite&channel=email&language=en")

    body = page.get_by_label("Message")
    expect(body).to_have_value(re.compile(r"Hello \{first_name\},"))
    body.fill("Dear {first_name},\n\nStart here: {link} {oops}")
    preview = page.locator("#preview")
    expect(preview.locator("[data-preview=body]")).to_contain_text("Dear Alex,")
    expect(preview).to_contain_text("Unknown variable {oops}")
    # A variable button inserts at the cursor and the preview follows.
    body.fill("Dear {first_name}, start here: {link} ")
    body.press("End")
    page.get_by_role("button", name="{expires_at}").click()
    expect(body).to_have_value(re.compile(r"\{link\} \{expires_at\}$"))
    expect(preview.locator("[data-preview=body]")).not_to_contain_text("{expires_at}")
    page.get_by_label("Subject").fill("Your interview with {team_name}")
    expect(preview.locator("[data-preview=subject]")).to_contain_text(
        f"Your interview with {member.team.name}"
    )
    if width == 360:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=SHOTS / f"message-template-edit-{name}.png", full_page=True)

    page.get_by_role("button", name="Send a test email to me").click()
    expect(page.get_by_text("Test sent to olga@acme.test")).to_be_visible()
    assert [m.to for m in mail.outbox] == [["olga@acme.test"]]
    assert not MessageTemplate.objects.exists()

    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_text("Message template saved.")).to_be_visible()
    expect(page.get_by_text("Customised")).to_be_visible()
    template = MessageTemplate.objects.get()
    assert template.subject == "Your interview with {team_name}"
    assert template.body.startswith("Dear {first_name}, start here: {link} {expires_at}")
