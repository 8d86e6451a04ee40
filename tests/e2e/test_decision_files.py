"""A candidate asks for their decision file on a phone; a recruiter reviews it and sends it."""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from candidates.models import CandidateInterview, DecisionFileRequest
from candidates.services.decision_files import decision_file_token
from tests.e2e.conftest import SHOTS
from tests.e2e.test_runner import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def invite(demo):
    return (
        CandidateInterview.objects.filter(
            team__slug="northwind-engineering", status="COMPLETED", candidate__email__gt=""
        )
        .select_related("candidate")
        .first()
    )


def test_a_candidate_asks_on_a_phone_and_a_recruiter_sends_it(live_server, invite, page: Page):
    page.set_viewport_size({"width": 360, "height": 740})
    ask = live_server.url + reverse(
        "candidates:decision_file_ask", args=[decision_file_token(invite)]
    )
    page.goto(ask)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for your decision file")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.screenshot(path=SHOTS / "decision-file-ask-phone.png", full_page=True)
    page.get_by_role("button", name="Ask for my decision file").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you: your request is sent.")
    expect(page.get_by_role("button", name="Ask for my decision file")).to_have_count(0)
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "decision-file-asked-phone.png", full_page=True)
    file_request = DecisionFileRequest.objects.get(candidate_interview=invite)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("owner@panelist.demo")
    page.get_by_label("Password").fill("panelist-demo")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/candidates/")
    page.get_by_role("link", name="Decision file requests").click()
    page.get_by_role("link", name=invite.candidate.full_name).click()
    expect(page.get_by_test_id("decision-file-record")).to_contain_text("What was collected")
    page.get_by_label("A note to the candidate (optional)").fill("Questions? Reply to us.")
    page.get_by_role("button", name="Send to the candidate").click()
    expect(page.get_by_test_id("decision-file-sent")).to_be_visible()
    expect(page.get_by_test_id("decision-file-sent-text")).to_contain_text(
        "Questions? Reply to us."
    )
    page.screenshot(path=SHOTS / "decision-file-sent-desktop.png", full_page=True)
    file_request.refresh_from_db()
    assert file_request.status == "sent"
    assert [m.to for m in mail.outbox if "decision file" in m.subject] == [[invite.candidate.email]]
