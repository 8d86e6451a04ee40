"""An outside reviewer opens a share link on a phone, rates a candidate with the large buttons
and leaves a comment; the link hides the candidate's name."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from candidates.models import ShareRating
from candidates.services.share import share_link_create
from tests.e2e.conftest import SHOTS
from tests.factories import (
    CandidateFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    MembershipFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_outside_reviewer_rates_on_a_phone(live_server, page: Page):
    team = TeamFactory(name="Acme Recruiting")
    recruiter = MembershipFactory(team=team).user
    interview = InterviewFactory(team=team, title="Support Lead")
    candidate = CandidateFactory(team=team, first_name="Ada", last_name="Lovelace")
    invite = CandidateInterviewFactory(
        team=team,
        interview=interview,
        candidate=candidate,
        status="COMPLETED",
        completed_at=timezone.now(),
    )
    _link, token = share_link_create(
        interview=interview,
        invites=[invite],  # type: ignore[list-item]
        by=recruiter,
        hide_names=True,
        allow_ratings=True,
    )
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/s/{token}/")
    expect(page.get_by_role("heading", name="A. L.", exact=True)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Lovelace")
    button = page.locator("label.rating-btn", has_text="4")
    box = button.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    button.click()
    page.get_by_label("Your name").fill("Dana Head")
    page.get_by_label("Comment (optional)").fill("Calm and clear under pressure.")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_test_id("rating-thanks")).to_be_visible()
    page.screenshot(path=SHOTS / "share-rating-phone.png", full_page=True)
    rating = ShareRating.objects.get()
    assert (rating.reviewer_name, rating.rating) == ("Dana Head", 4)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360
