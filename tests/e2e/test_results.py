"""An interview's results in a real browser: the analytics, ticking two candidates, comparing
them side by side, on a laptop and on a phone."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from candidates.models import CandidateInterview, Scorecard
from tests.factories import (
    PASSWORD,
    AnswerFactory,
    CandidateFactory,
    CandidateInterviewFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    MembershipFactory,
    RatingFactory,
    ScorecardFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
NOW = timezone.now()


@pytest.fixture
def results(transactional_db):
    membership = MembershipFactory(role=Role.RECRUITER, user__email="rita@results.test")
    interview = InterviewFactory(team=membership.team, title="Data Analyst")
    questions = [InterviewQuestionFactory(interview=interview) for _ in range(3)]
    people = [
        ("Ada", "Lovelace", "4.6", (5, 4), "advance"),
        ("Grace", "Hopper", "3.1", (3,), ""),
        ("Alan", "Turing", "2.2", (), "hold"),
        ("Katherine", "Johnson", None, (), ""),
    ]
    for i, (first, last, ai, ratings, decision) in enumerate(people):
        done = ai is not None
        invite = CandidateInterviewFactory(
            interview=interview,
            candidate=CandidateFactory(team=interview.team, first_name=first, last_name=last),
            status=CandidateInterview.Status.COMPLETED if done else "IN_PROGRESS",
            started_at=NOW - timedelta(days=i + 1, minutes=30),
            completed_at=NOW - timedelta(days=i + 1) if done else None,
            decision=decision,
        )
        for question in questions[: 3 if done else 1]:
            AnswerFactory(
                candidate_interview=invite,
                interview_question=question,
                transcript=f"{first} explains how they cleaned a messy sales dataset in pandas.",
            )
        if ai:
            EvaluationFactory(candidate_interview=invite, overall_score=Decimal(ai))
        if ratings:
            card = ScorecardFactory(
                candidate_interview=invite,
                submitted_at=NOW,
                recommendation=Scorecard.Recommendation.YES,
            )
            for score in ratings:
                RatingFactory(scorecard=card, score=score)
    return interview


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("rita@results.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


@pytest.mark.parametrize("width", [1280, 360])
def test_it_compares_two_ticked_candidates(live_server, results, page: Page, width):
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/interviews/{results.pk}/")
    page.get_by_role("link", name="Results").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results: Data Analyst")
    expect(page.get_by_test_id("median-completion")).to_have_text("30 min")
    expect(page.get_by_test_id("result-row")).to_have_count(4)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"results-{width}.png", full_page=True)

    # Sorting by the AI score swaps only the table (htmx) and keeps the checkboxes working.
    page.get_by_role("link", name="AI advice").click()
    expect(page.get_by_test_id("result-row").first).to_contain_text("Alan")  # nulls last
    page.get_by_role("link", name="AI advice").click()
    expect(page.get_by_test_id("result-row").first).to_contain_text("Ada")

    page.get_by_label("Compare Ada Lovelace").check()
    page.get_by_label("Compare Grace Hopper").check()
    page.get_by_role("button", name="Compare selected").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Compare candidates")
    columns = page.get_by_test_id("compare-candidate")
    expect(columns).to_have_count(2)
    expect(columns.nth(0)).to_contain_text("Ada Lovelace")
    expect(columns.nth(1)).to_contain_text("Grace Hopper")
    expect(page.get_by_test_id("compare-row")).to_have_count(3)
    expect(page.get_by_test_id("compare-ai").nth(0)).to_have_text("4.6")
    expect(page.get_by_test_id("compare-human").nth(0)).to_contain_text("4.5")
    page.screenshot(path=SHOTS / f"results-compare-{width}.png", full_page=True)

    if width == 360:
        # The candidates scroll sideways; the question column stays in view (the min-widths
        # of .compare-table in static/css/panelist.css).
        table = page.get_by_test_id("compare-table")
        scroller = table.locator("xpath=..")
        assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        scroller.evaluate("el => el.scrollLeft = el.scrollWidth")
        first = page.get_by_test_id("compare-row").first.locator("th")
        box = first.bounding_box()
        assert box is not None
        assert box["x"] < 40
        page.screenshot(path=SHOTS / "results-compare-360-scrolled.png", full_page=True)


def test_it_refuses_to_compare_one(live_server, results, page: Page):
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/interviews/{results.pk}/results/")
    page.get_by_label("Compare Ada Lovelace").check()
    page.get_by_role("button", name="Compare selected").click()
    expect(page.get_by_test_id("compare-error")).to_contain_text("you chose 1")
