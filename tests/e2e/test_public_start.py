"""A candidate starts a public interview from its link in a real browser."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from candidates.models import CandidateInterview
from interviews.models import Interview

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_starts_a_public_interview_from_its_link(live_server, demo, page: Page):
    cache.clear()
    interview = Interview.objects.filter(title="Customer Support Screening").first()
    interview.visibility = Interview.Visibility.PUBLIC
    interview.status = Interview.Status.ACTIVE
    interview.save(update_fields=["visibility", "status"])

    page.goto(f"{live_server.url}/t/{interview.team.slug}/")
    page.get_by_role("link", name=f"Start {interview.name_for_candidates}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(interview.name_for_candidates)
    expect(page.get_by_text(interview.team.name).first).to_be_visible()
    expect(page.get_by_label("Leave this empty")).to_be_hidden()

    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email").fill("robin.okafor@example.net")
    page.get_by_label("Phone").fill("+44 20 7946 0958")
    page.get_by_role("button", name="Start the interview").click()

    page.wait_for_url(re.compile(r"/interview/"))
    assert page.url == f"{live_server.url}/interview/"
    invite = CandidateInterview.objects.select_related("candidate").get(
        candidate__email="robin.okafor@example.net", interview=interview
    )
    assert invite.source == "public"
    assert invite.status in (
        CandidateInterview.Status.INVITED,
        CandidateInterview.Status.IN_PROGRESS,
    )
    assert invite.candidate.phone == "+442079460958"
    # runner_login stamps the invite when it binds the browser's session to it.
    assert invite.last_seen_at is not None
