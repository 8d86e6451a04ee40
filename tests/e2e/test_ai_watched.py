"""AI advice watched, in a real browser: the agreement card on the results page, the team's
adverse-impact page with the agreement by interview, the pass score form and the impact ratios
on AI advice, on a laptop and on a phone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from candidates.models import CandidateInterview
from tests.e2e.conftest import SHOTS
from tests.factories import (
    PASSWORD,
    CandidateFactory,
    CandidateInterviewFactory,
    EvaluationFactory,
    InterviewFactory,
    MembershipFactory,
    RatingFactory,
    ScorecardCriterionFactory,
    ScorecardFactory,
    ScorecardTemplateFactory,
    SelfIdentificationFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now()
AI = ["1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0", "1.0", "4.0", "3.5"]
HUMAN = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 2, 4]


@pytest.fixture
def interview(transactional_db):
    membership = MembershipFactory(role=Role.OWNER, user__email="olga@fair.test")
    interview = InterviewFactory(team=membership.team, title="Data Analyst")
    criterion = ScorecardCriterionFactory(template=ScorecardTemplateFactory(interview=interview))
    for i, (ai, human) in enumerate(zip(AI, HUMAN, strict=True)):
        invite = CandidateInterviewFactory(
            interview=interview,
            candidate=CandidateFactory(team=interview.team, first_name=f"Cand{i}", last_name="Doe"),
            status=CandidateInterview.Status.COMPLETED,
            completed_at=NOW - timedelta(days=40 * (i % 2)),
        )
        EvaluationFactory(candidate_interview=invite, overall_score=Decimal(ai))
        card = ScorecardFactory(candidate_interview=invite, submitted_at=NOW)
        RatingFactory(scorecard=card, criterion=criterion, score=human)
        SelfIdentificationFactory(
            candidate_interview=invite, sex="female" if i % 3 else "male", race_ethnicity="white"
        )
    return interview


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("olga@fair.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


@pytest.mark.allow_page_errors("422 (Unprocessable Entity)")  # the bad pass score, on purpose
@pytest.mark.parametrize(("name", "width"), [("desktop", 1280), ("phone", 360)])
def test_agreement_and_ai_impact_pages(live_server, interview, page: Page, name, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url)

    page.goto(f"{live_server.url}/interviews/{interview.pk}/results/")
    card = page.get_by_test_id("ai-agreement")
    expect(card.get_by_test_id("agreement-pairs")).to_have_text("12")
    rho = card.get_by_test_id("agreement-rho").inner_text()
    page.wait_for_load_state("networkidle")  # the analytics panel loads on its own
    page.screenshot(path=SHOTS / f"ai-agreement-results-{name}.png", full_page=True)
    # The most-disagreeing candidate is one click from its review page's scores.
    card.get_by_role("link", name="Cand9 Doe").click()
    expect(page.locator("#human-summary")).to_be_visible()

    page.goto(f"{live_server.url}/settings/adverse-impact/")
    row = page.get_by_test_id(f"agreement-interview-{interview.pk}")
    expect(row.get_by_test_id("row-rho")).to_have_text(rho)
    field = page.get_by_label("AI advice passes at or above")
    field.fill("7")
    field.press("Enter")  # the keyboard submits it
    expect(page.get_by_test_id("threshold-error")).to_contain_text("less than or equal to 5")
    expect(field).to_have_attribute("aria-invalid", "true")
    page.get_by_test_id("ai-impact").screenshot(path=SHOTS / f"ai-threshold-error-{name}.png")
    field = page.get_by_label("AI advice passes at or above")
    field.fill("3.0")
    page.get_by_test_id("ai-impact").get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("ai-threshold")).to_have_text("3.0")
    page.screenshot(path=SHOTS / f"ai-impact-team-{name}.png", full_page=True)
