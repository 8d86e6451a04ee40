"""A hiring manager's day in a real browser: sign in, land on "Waiting for your scorecard",
start reviewing and walk to the next candidate in the queue, on a laptop and on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from candidates.models import CandidateInterview
from tests.factories import (
    PASSWORD,
    CandidateFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(transactional_db):
    membership = MembershipFactory(role=Role.HIRING_MANAGER, user__email="hana@queue.test")
    interview = InterviewFactory(team=membership.team, title="Data Analyst")
    interview.reviewers.add(membership.user)
    for days, first in ((3, "Oldest"), (1, "Newest"), (2, "Middle")):
        CandidateInterviewFactory(
            interview=interview,
            candidate=CandidateFactory(team=interview.team, first_name=first, last_name="Queue"),
            status=CandidateInterview.Status.COMPLETED,
            completed_at=timezone.now() - timedelta(days=days),
        )
    return membership


@pytest.mark.parametrize("width", [1280, 360])
def test_a_hiring_manager_walks_their_queue(live_server, queue, page: Page, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("hana@queue.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    waiting = page.get_by_test_id("review-queue")
    expect(waiting).to_be_visible()
    expect(page.get_by_test_id("review-queue-count")).to_have_text("3")
    expect(waiting.get_by_role("listitem").first).to_contain_text("Oldest Queue")
    page.get_by_test_id("start-reviewing").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Oldest Queue")
    page.get_by_test_id("next-candidate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Middle Queue")
    assert page.url.endswith("?queue=mine")
    page.get_by_test_id("next-candidate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Newest Queue")
