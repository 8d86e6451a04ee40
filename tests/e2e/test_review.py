"""A hiring manager reviews a candidate in Chromium: plays the answer, jumps to a transcript
line, rates on the scorecard, submits and sees the other reviewers' aggregate."""

import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership, Role
from candidates.models import CandidateInterview
from candidates.services.review import scorecard_save
from tests.e2e.conftest import SHOTS
from tests.e2e.waits import wait_until
from tests.factories import (
    PASSWORD,
    AnswerFactory,
    CandidateInterviewFactory,
    CriterionScoreFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    MembershipFactory,
    ScorecardCriterionFactory,
    ScorecardTemplateFactory,
    TeamFactory,
    TurnFactory,
)
from tests.speech.media_helpers import tone

pytestmark = pytest.mark.django_db(transaction=True)

ANCHORS = {
    "1": "No evidence",
    "2": "Weak",
    "3": "Meets the bar",
    "4": "Strong",
    "5": "Exceptional",
}
LINES = [
    (0.0, 2.0, "Hi, I am Ada and I have built Django services for five years."),
    (2.0, 4.0, "At my last job I moved our queue from cron jobs to Celery."),
    (4.0, 6.0, "That cut the nightly batch from three hours to twenty minutes."),
]


@pytest.fixture
def review(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    team = TeamFactory(name="Acme Recruiting")
    manager = MembershipFactory(
        team=team, role=Role.HIRING_MANAGER, user__email="hm@acme.test", user__full_name="Hana M"
    ).user
    other = MembershipFactory(team=team, role=Role.RECRUITER, user__full_name="Rita Recruiter").user
    interview = InterviewFactory(team=team, title="Backend Engineer")
    interview.reviewers.add(manager)
    template = ScorecardTemplateFactory(interview=interview)
    criteria = [
        ScorecardCriterionFactory(
            template=template, name=name, anchors=ANCHORS, ordinal=n, description=""
        )
        for n, name in enumerate(["Communication", "Role knowledge"], start=1)
    ]
    invite = CandidateInterviewFactory(
        interview=interview,
        candidate__first_name="Ada",
        candidate__last_name="Lovelace",
        status=CandidateInterview.Status.COMPLETED,
        completed_at=timezone.now(),
    )
    item = InterviewQuestionFactory(interview=interview)
    answer = AnswerFactory(
        candidate_interview=invite,
        interview_question=item,
        text="",
        media_type="audio/webm",
        duration_seconds=6.5,
        status="processed",
        keyword_hits=[{"keyword": "Celery", "count": 1, "turns": [2]}],
    )
    answer.media.save("answer.webm", ContentFile(tone("webm", "libopus", seconds=6.5)))
    for number, (start, end, content) in enumerate(LINES, start=1):
        TurnFactory(
            candidate_interview=invite,
            answer=answer,
            turn_number=number,
            start_seconds=start,
            end_seconds=end,
            content=content,
        )
    evaluation = EvaluationFactory(
        candidate_interview=invite, answer=answer, provider="offline", overall_score=4
    )
    CriterionScoreFactory(
        evaluation=evaluation,
        criterion_name="Impact",
        score=4,
        evidence=LINES[2][2],
        rationale="A concrete, measured result.",
    )
    scorecard_save(
        invite=invite,
        reviewer=other,
        ratings=[{"criterion": c.pk, "score": 5} for c in criteria],
        recommendation="strong_yes",
        notes="Great hire.",
        submit=True,
    )
    return invite


def test_a_hiring_manager_reviews_an_answer(live_server, review, page: Page):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("hm@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{base}/invites/{review.pk}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.get_by_test_id("heuristic-note")).to_be_visible()
    expect(page.get_by_test_id("blind-note")).to_contain_text("1 other reviewer submitted")
    expect(page.get_by_text("Great hire.")).to_have_count(0)

    audio = page.locator("audio[data-review-media]")
    wait_until(page, "() => document.querySelector('audio[data-review-media]').readyState >= 1")
    assert audio.evaluate("a => a.duration") == pytest.approx(6.5, abs=0.2)
    audio.evaluate("a => a.play()")
    wait_until(page, "() => document.querySelector('audio[data-review-media]').currentTime > 0")

    line = page.get_by_role("button", name=re.compile("nightly batch"))
    line.click()
    wait_until(page, "() => document.querySelector('audio[data-review-media]').currentTime >= 4.0")
    expect(line).to_have_attribute("aria-current", "true")
    expect(line).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("[data-testid=transcript-line].active")).to_have_count(1)
    # The keyboard works too: Enter on the first line seeks back.
    first = page.get_by_role("button", name=re.compile("Hi, I am Ada"))
    first.focus()
    page.keyboard.press("Enter")
    wait_until(page, "() => document.querySelector('audio[data-review-media]').currentTime < 2.0")
    expect(first).to_have_attribute("aria-current", "true")
    expect(page.get_by_test_id("transcript").locator("mark", has_text="Celery")).to_be_visible()
    audio.evaluate("a => a.pause()")

    page.screenshot(path=SHOTS / "review-1280.png", full_page=True)

    for criterion in page.get_by_test_id("criterion").all():
        # The ratings are large buttons: a reviewer clicks the "3" button (its radio is named
        # "3 – Meets the bar" for a screen reader).
        criterion.locator("label.rating-btn", has_text="Meets the bar").click()
        expect(criterion.get_by_label(re.compile("^3 – Meets the bar"))).to_be_checked()
        box = criterion.locator("label.rating-btn").first.bounding_box()
        assert box is not None
        assert box["width"] >= 44
        assert box["height"] >= 44
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Notes").fill("Clear and concrete.")
    page.get_by_role("button", name="Submit scorecard").click()

    aggregate = page.get_by_test_id("aggregate")
    expect(aggregate).to_be_visible()
    expect(page.get_by_test_id("human-overall")).to_have_text("4.0/5")
    # (5 + 3) / 2 for both criteria.
    expect(page.get_by_test_id("aggregate-mean")).to_have_text(["4.0", "4.0"])
    expect(page.get_by_test_id("recommendation-counts")).to_contain_text("Strong yes: 1")
    expect(page.get_by_test_id("recommendation-counts")).to_contain_text("Yes: 1")
    expect(page.get_by_test_id("submitted-note")).to_be_visible()
    page.get_by_text("Rita Recruiter").click()
    expect(page.get_by_text("Great hire.")).to_be_visible()
    page.screenshot(path=SHOTS / "review-1280-submitted.png", full_page=True)

    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    # On a phone the scorecard is the second tab of the bar at the bottom.
    expect(page.get_by_test_id("aggregate")).to_be_hidden()
    page.get_by_role("tab", name="Scorecard").click()
    expect(page.get_by_test_id("aggregate")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px wide)"
    page.screenshot(path=SHOTS / "review-360.png", full_page=True)


def test_the_demo_interviews_can_be_reviewed(live_server, demo, page: Page):
    """Every completed demo invite's review page renders, from the invite page's link."""
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("recruiter@panelist.demo")
    page.get_by_label("Password").fill("panelist-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    team = Membership.objects.get(
        user__email="recruiter@panelist.demo", team__slug="northwind-engineering"
    ).team
    invites = CandidateInterview.objects.for_team(team).filter(
        status=CandidateInterview.Status.COMPLETED
    )
    assert invites.exists()
    first = invites.first()
    page.goto(f"{base}/invites/{first.pk}/")
    page.get_by_test_id("review-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first.candidate.full_name)
    for invite in invites:
        response = page.goto(f"{base}/invites/{invite.pk}/review/")
        assert response is not None
        assert response.status == 200, invite.pk
    page.screenshot(path=SHOTS / "review-demo.png", full_page=True)
    assert errors == []
