"""Inviting candidates in a real browser: invite two, see them sent, extend one, cancel it."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership
from candidates.models import Candidate, CandidateInterview
from interviews.models import Interview
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, base: str, email: str = "recruiter@panelist.demo") -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("panelist-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def two_free_candidates() -> list[Candidate]:
    """Two demo candidates with an email and no open invite to Backend Engineer."""
    team = Membership.objects.get(
        user__email="recruiter@panelist.demo", team__slug="northwind-engineering"
    ).team
    backend = Interview.objects.get(team=team, title="Backend Engineer")
    busy = CandidateInterview.objects.filter(
        interview=backend, status__in=["INVITED", "IN_PROGRESS"]
    ).values("candidate")
    return list(
        Candidate.objects.for_team(team)
        .exclude(pk__in=busy)
        .exclude(email="")
        .order_by("last_name", "first_name")[:2]
    )


def test_it_invites_extends_and_cancels(live_server, demo, page: Page):
    base = live_server.url
    first, second = two_free_candidates()
    sign_in(page, base)

    page.goto(f"{base}/invites/new/")
    page.get_by_label("Interview", exact=True).select_option(label="Backend Engineer")
    search = page.get_by_label("Find candidates")
    for candidate in (first, second):
        search.fill(candidate.email)
        box = page.locator(f"#cand-{candidate.pk}")
        expect(box).to_be_visible()
        box.check()
    expect(page.locator("#candidate-picker input[name=candidates]:checked")).to_have_count(2)
    expect(page.get_by_label("Email", exact=True)).to_be_checked()
    page.screenshot(path=SHOTS / "invites-create.png", full_page=True)
    page.get_by_role("button", name="Send invites").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Invites sent")
    expect(page.get_by_test_id("invite-summary")).to_contain_text(
        "2 invites to Backend Engineer sent by email"
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])

    page.get_by_role("link", name="View all invites").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invites")
    for candidate in (first, second):
        row = page.get_by_test_id("invite-row").filter(has_text=candidate.email)
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("invite-status")).to_have_text("Invited")
        expect(row.get_by_test_id("delivery-email")).to_have_text("Email sent")

    page.screenshot(path=SHOTS / "invites-list.png", full_page=True)

    # Open the first one: its delivery log, then extend it.
    row = page.get_by_test_id("invite-row").filter(has_text=first.email)
    row.get_by_role("link", name=first.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first.full_name)
    expect(page.get_by_test_id("delivery-row")).to_have_count(1)
    expect(page.get_by_test_id("delivery-row")).to_contain_text("Sent")
    # The link just sent can be shown again and copied.
    expect(page.get_by_test_id("invite-link")).to_have_value(re.compile(r"/i/[\w-]+/$"))

    page.screenshot(path=SHOTS / "invites-detail.png", full_page=True)
    new_day = timezone.localdate() + timedelta(days=20)
    page.get_by_label("New expiry date").fill(new_day.isoformat())
    page.get_by_role("button", name="Extend").click()
    expect(page.get_by_text("The link now works until")).to_be_visible()
    expect(page.get_by_test_id("invite-expiry")).to_contain_text(new_day.strftime("%b %Y"))

    # Cancel, through the confirmation.
    page.get_by_role("link", name="Cancel invite…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Cancel {first.full_name}'s invite?")
    expect(page.locator("#cancel-modal.show")).to_be_visible()
    page.wait_for_timeout(300)  # the fade-in, for the screenshot
    page.screenshot(path=SHOTS / "invites-cancel.png")
    dialog.get_by_role("button", name="Yes, cancel the invite").click()
    expect(page.get_by_test_id("invite-status")).to_have_text("Cancelled")
    expect(page.get_by_role("link", name="Cancel invite…")).to_have_count(0)

    invite = CandidateInterview.objects.get(
        candidate=first, interview__title="Backend Engineer", status="CANCELLED"
    )
    assert timezone.localtime(invite.expires_at).date() == new_day


# ---------------------------------------------------------------- issue 13


def test_it_invites_from_the_interview_copies_the_link_and_reminds(
    live_server, page: Page, browser, team, recruiter, settings
):
    """Interview page → Invite (interview preselected) → send → copy the link from the invite
    page; the copied link opens the runner in a fresh browser; Remind keeps that link."""
    from tests.factories import PASSWORD, CandidateFactory, InterviewFactory

    interview = InterviewFactory(team=team, title="Support Lead", display_name="Support Lead")
    candidate = CandidateFactory(
        team=team, first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    base = settings.SITE_URL = live_server.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(recruiter.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{base}/interviews/{interview.pk}/")
    page.get_by_test_id("invite-button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite candidates")
    expect(page.get_by_label("Interview", exact=True)).to_have_value(str(interview.pk))
    page.get_by_label("Find candidates").fill("ada@example.com")
    box = page.locator(f"#cand-{candidate.pk}")
    expect(box).to_be_visible()
    box.check()
    page.get_by_role("button", name="Send invites").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invites sent")
    page.get_by_role("link", name="Ada Lovelace").click()

    link_box = page.get_by_test_id("invite-link")
    expect(link_box).to_be_visible()
    link = link_box.input_value()
    assert "/i/" in link
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("status").filter(has_text="Link copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.screenshot(path=SHOTS / "invite-detail-desktop.png", full_page=True)

    page.get_by_test_id("remind").click()
    expect(page.get_by_text("A reminder with the same link")).to_be_visible()
    expect(page.get_by_test_id("invite-link")).to_have_value(link)
    page.set_viewport_size({"width": 360, "height": 780})
    page.screenshot(path=SHOTS / "invite-detail-phone.png", full_page=True)

    page.get_by_test_id("new-link").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("stops working at once")
    page.screenshot(path=SHOTS / "new-link-confirm-phone.png")
    dialog.get_by_role("button", name="Keep the current link").click()

    candidate_context = browser.new_context()
    runner = candidate_context.new_page()
    runner.goto(link)
    expect(runner.get_by_text("Support Lead").first).to_be_visible()
    assert "/interview/" in runner.url
    runner.screenshot(path=SHOTS / "runner-branded-desktop.png", full_page=True)
    candidate_context.close()


def test_team_settings_brand_the_candidate_pages(live_server, page: Page, browser, team, owner):
    """Team settings: a yellow brand colour gives black button text on candidate pages."""
    from candidates.services.invites import invite_create
    from tests.factories import PASSWORD, CandidateFactory, InterviewFactory

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{base}/settings/teams/{team.pk}/")
    page.get_by_label("Brand colour").fill("#ffcc00")
    page.get_by_label("Invites expire after (days)").fill("10")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text(f"Settings of {team.name} saved.")).to_be_visible()
    button = page.get_by_test_id("brand-preview").get_by_text("Start your interview")
    expect(button).to_have_css("background-color", "rgb(255, 204, 0)")
    expect(button).to_have_css("color", "rgb(0, 0, 0)")
    page.screenshot(path=SHOTS / "team-settings-desktop.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})
    page.screenshot(path=SHOTS / "team-settings-phone.png", full_page=True)

    _invite, token = invite_create(
        team=team,
        by=owner,
        candidate=CandidateFactory(team=team, email="mia@example.com"),
        interview=InterviewFactory(team=team),
    )
    candidate_context = browser.new_context(viewport={"width": 360, "height": 780})
    runner = candidate_context.new_page()
    runner.goto(f"{base}/i/{token}/")
    primary = runner.locator(".btn-primary").first
    expect(primary).to_have_css("background-color", "rgb(255, 204, 0)")
    expect(primary).to_have_css("color", "rgb(0, 0, 0)")
    runner.screenshot(path=SHOTS / "runner-branded-phone.png", full_page=True)
    candidate_context.close()
