"""A recruiter re-runs an answer's AI evaluation on a phone-sized screen: the card shows the
run queued with a spinner, polls, and swaps in the new version when the task has run."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from candidates.models import CandidateInterview, EvaluationRun
from candidates.services.evaluations import answer_evaluate
from candidates.tasks import evaluation_run_task
from interviews.models import InterviewQuestion
from tests.e2e.conftest import SHOTS
from tests.factories import (
    PASSWORD,
    AITextQuestionFactory,
    AnswerFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    MembershipFactory,
    RubricCriterionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = (
    "REST exposes resources at fixed URLs and uses HTTP caching well. GraphQL lets the client "
    "ask for exactly the fields it needs in one request, which avoids over-fetching on mobile. "
    "I would choose REST for a public API with heavy caching and GraphQL for a product app."
)


@pytest.fixture
def answer():
    team = TeamFactory(name="Acme Recruiting")
    MembershipFactory(team=team, role=Role.RECRUITER, user__email="rita@acme.test")
    interview = InterviewFactory(team=team, title="Backend Engineer")
    question = AITextQuestionFactory(team=team)
    RubricCriterionFactory(
        question=question,
        name="Trade-offs",
        strong_answer="Explains trade-offs of REST and GraphQL with caching and fields.",
    )
    item = InterviewQuestionFactory(
        interview=interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        audio_question=None,
        ai_text_question=question,
    )
    invite = CandidateInterviewFactory(
        team=team,
        interview=interview,
        status=CandidateInterview.Status.COMPLETED,
        completed_at=timezone.now(),
    )
    answer = AnswerFactory(candidate_interview=invite, interview_question=item, text=GOOD)
    answer_evaluate(answer=answer)
    return answer


def test_a_rerun_shows_its_progress_and_then_the_new_version(
    live_server, answer, page: Page, monkeypatch
):
    # Keep the task queued (no worker here) until the test runs it, as a busy worker would.
    monkeypatch.setattr(evaluation_run_task, "delay", lambda *args, **kwargs: None)
    base = live_server.url
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("rita@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/invites/{answer.candidate_interview.pk}/review/")

    card = page.locator(f"#rerun-{answer.pk}")
    expect(card).to_have_attribute("aria-live", "polite")
    button = card.get_by_role("button", name="Re-run the AI evaluation")
    button.focus()
    page.keyboard.press("Enter")
    expect(card.get_by_test_id("rerun-progress")).to_contain_text("Re-evaluating… queued")
    expect(card.locator(".spinner-border")).to_be_visible()
    page.screenshot(path=SHOTS / "rerun-queued-360.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    run = EvaluationRun.objects.get(answer=answer)
    evaluation_run_task.apply(args=[str(run.pk)])
    expect(card.get_by_test_id("rerun-done")).to_contain_text(
        "Evaluated again: version 2", timeout=20_000
    )
    expect(card.get_by_test_id("rerun-progress")).to_have_count(0)
    result = page.locator(f"#ai-result-{answer.pk}")
    expect(result).to_contain_text("v2")
    expect(result.get_by_test_id("evaluation-history")).to_contain_text("Earlier evaluations (1)")
    expect(card.get_by_role("button", name="Re-run the AI evaluation")).to_be_visible()
    page.screenshot(path=SHOTS / "rerun-done-360.png", full_page=True)
