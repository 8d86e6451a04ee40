import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "panelist-demo"


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_it_switches_team_invites_a_member_who_joins(live_server, demo, page: Page, browser):
    base = live_server.url
    sign_in(page, base, "admin@panelist.demo")
    first_team = page.get_by_test_id("current-team").inner_text()

    # Switch to the other team from the navigation.
    page.locator("#team-switcher-button").click()
    page.locator(".team-switcher .dropdown-item:not(.active)").first.click()
    expect(page.get_by_test_id("current-team")).not_to_have_text(first_team)
    team_name = page.get_by_test_id("current-team").inner_text()
    expect(page.get_by_role("alert").or_(page.get_by_role("status"))).to_contain_text(team_name)

    # Invite someone to it (htmx swaps the panel in place).
    page.get_by_role("button", name="Team settings").click()
    page.get_by_role("link", name="Members").click()
    page.get_by_label("Email address").fill("grace.hopper@example.com")
    page.get_by_label("Role", exact=True).select_option("hiring_manager")
    page.get_by_role("button", name="Send invitation").click()
    pending = page.get_by_test_id("pending-invitations")
    expect(pending).to_contain_text("grace.hopper@example.com")
    expect(page.locator("#invite-panel")).to_contain_text("Invitation sent")

    # The invitee opens the emailed link in their own browser and sets a password.
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/invitations/\S+/", mail.outbox[0].body).group(0)
    path = link.split("/accounts/", 1)[1]
    invitee = browser.new_context().new_page()
    invitee.goto(f"{base}/accounts/{path}")
    expect(invitee.get_by_role("heading", level=1)).to_have_text(f"Join {team_name}")
    invitee.get_by_label("Your name").fill("Grace Hopper")
    invitee.get_by_label("Password", exact=True).fill("compilers-since-1952")
    invitee.get_by_label("Password again").fill("compilers-since-1952")
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.get_by_test_id("current-team")).to_have_text(team_name)

    # Back in the admin's browser the new member is listed with their role.
    page.reload()
    row = page.get_by_role("row").filter(has_text="grace.hopper@example.com")
    expect(row.get_by_role("combobox")).to_have_value("hiring_manager")
    expect(pending).not_to_be_visible()
    assert Membership.objects.get(user__email="grace.hopper@example.com").team.name == team_name


def test_it_shows_a_wrong_password_next_to_the_form(live_server, demo, page: Page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("admin@panelist.demo")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
