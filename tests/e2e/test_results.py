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
from tests.e2e.conftest import SHOTS
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
    page.screenshot(path=SHOTS / f"results-{width}.png", full_page=True)

    # Sorting by the AI score swaps only the table (htmx) and keeps the checkboxes working.
    page.get_by_role("link", name="AI advice").click()
    expect(page.get_by_test_id("result-row").first).to_contain_text("Alan")  # nulls last
    page.get_by_role("link", name="AI advice").click()
    expect(page.get_by_test_id("result-row").first).to_contain_text("Ada")

    page.get_by_label("Select Ada Lovelace").check()
    page.get_by_label("Select Grace Hopper").check()
    page.get_by_role("button", name="Compare selected").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Compare candidates")
    columns = page.get_by_test_id("compare-candidate")
    expect(columns).to_have_count(2)
    expect(columns.nth(0)).to_contain_text("Ada Lovelace")
    expect(columns.nth(1)).to_contain_text("Grace Hopper")
    expect(page.get_by_test_id("compare-row")).to_have_count(3)
    expect(page.get_by_test_id("compare-ai-score").nth(0)).to_have_text("4.6")
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
    page.get_by_label("Select Ada Lovelace").check()
    page.get_by_role("button", name="Compare selected").click()
    expect(page.get_by_test_id("compare-error")).to_contain_text("you chose 1")


@pytest.mark.parametrize("width", [1280, 360])
def test_it_rejects_the_selected_candidates_after_a_confirmation(
    live_server, results, page: Page, width
):
    page.set_viewport_size({"width": width, "height": 780 if width == 360 else 900})
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/interviews/{results.pk}/results/")
    page.get_by_label("Select all on this page").check()
    expect(page.locator("input.row-select:checked")).to_have_count(4)
    page.get_by_label("Select all on this page").uncheck()
    page.get_by_label("Select Grace Hopper").check()
    page.get_by_label("Select Alan Turing").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 selected")
    page.get_by_test_id("bulk-reject").click()

    # The confirmation names them; nothing changed yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Reject 2 candidates?")
    names = page.get_by_test_id("decide-names")
    expect(names).to_contain_text("Grace Hopper")
    expect(names).to_contain_text("Alan Turing")
    expect(names).not_to_contain_text("Ada")
    shots = Path("/tmp/shots-scores")
    shots.mkdir(exist_ok=True)
    page.screenshot(path=shots / f"results-decide-confirm-{width}.png", full_page=True)
    assert not CandidateInterview.objects.filter(decision="reject").exists()

    page.get_by_test_id("decide-confirm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results: Data Analyst")
    expect(page.get_by_text("Decision recorded for 2 candidates: reject.")).to_be_visible()
    rejected = CandidateInterview.objects.filter(decision="reject")
    assert sorted(i.candidate.first_name for i in rejected) == ["Alan", "Grace"]
    page.screenshot(path=shots / f"results-after-bulk-{width}.png", full_page=True)


@pytest.mark.parametrize("width", [1280, 360])
def test_an_ai_figure_from_some_answers_says_so(live_server, results, page: Page, width):
    """Without a whole-interview report the AI figure comes from the answers' evaluations and
    says how many it rests on, on Results and on Review alike."""
    page.set_viewport_size({"width": width, "height": 780 if width == 360 else 900})
    katherine = CandidateInterview.objects.get(candidate__first_name="Katherine")
    katherine.status = CandidateInterview.Status.COMPLETED
    katherine.completed_at = NOW
    katherine.save()
    answer = katherine.answers.get()
    EvaluationFactory(candidate_interview=katherine, answer=answer, overall_score=Decimal("4.25"))
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/interviews/{results.pk}/results/")
    row = page.get_by_test_id("result-row").filter(has_text="Katherine Johnson")
    expect(row.get_by_test_id("ai-score")).to_have_text("4.3")
    expect(row.get_by_test_id("ai-basis")).to_have_text("from 1 of 3 answers")
    shots = Path("/tmp/shots-scores")
    shots.mkdir(exist_ok=True)
    page.screenshot(path=shots / f"results-ai-basis-{width}.png", full_page=True)
    page.goto(f"{base}/invites/{katherine.pk}/review/")
    expect(page.get_by_test_id("ai-overall")).to_have_text("4.3/5")
    expect(page.get_by_test_id("ai-basis")).to_have_text("From 1 of 3 answers")
    page.screenshot(path=shots / f"review-ai-basis-{width}.png")
