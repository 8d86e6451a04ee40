"""The human-only lane in a real browser (issue 18, item 2): a candidate on a 360 px phone
declines AI evaluation at consent, answers and hands in; their answers are processed without
any AI evaluation, and the review page says so to a recruiter on a desktop."""

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import Membership
from candidates.models import Answer, CandidateInterview, Evaluation
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.e2e.conftest import SHOTS
from tests.e2e.test_runner import axe_violations
from tests.factories import (
    PASSWORD,
    AITextQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    MembershipFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 780}
DECLINE = "Do not use AI to evaluate my answers. Only people will review them."


@pytest.fixture
def invite(transactional_db):
    """A team that offers the choice; a survey question and a written (AI-scored) one."""
    interview = InterviewFactory(title="Support engineer")
    team = interview.team
    team.ai_decline_allowed = True
    team.save()
    for question in (SurveyQuestionFactory(team=team), AITextQuestionFactory(team=team)):
        interview_question_add(interview=interview, question=question)
    token, digest = new_invite_token()
    return CandidateInterviewFactory(interview=interview, token_hash=digest), token


@pytest.fixture
def phone(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    yield context
    context.close()


def test_a_candidate_declines_ai_on_a_phone_and_hands_in(live_server, invite, phone, browser):
    invite_obj, token = invite
    page: Page = phone.new_page()
    page.goto(f"{live_server.url}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    choice = page.get_by_label(DECLINE)
    expect(choice).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "consent-ai-decline-phone.png", full_page=True)
    # Keyboard: the box is reachable and ticks with the space bar.
    choice.focus()
    page.keyboard.press("Space")
    expect(choice).to_be_checked()
    page.get_by_label("I have read this and agree to take part.").check()
    page.get_by_role("button", name="Agree and continue").click()

    expect(page.get_by_text("Question 1 of 2").first).to_be_visible()
    page.get_by_text("Yes", exact=True).click()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Question 2 of 2").first).to_be_visible()
    page.get_by_role("textbox").fill("I would cache hot reads in Redis with a short TTL.")
    page.get_by_role("button", name="Save and review").click()
    page.get_by_role("button", name="Hand in my interview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your interview is in")

    invite_obj.refresh_from_db()
    assert invite_obj.status == CandidateInterview.Status.COMPLETED
    assert invite_obj.ai_evaluation_declined
    answers = Answer.objects.filter(candidate_interview=invite_obj)
    # Tasks run eagerly once the hand-in commits, before its response.
    assert {a.status for a in answers} == {Answer.Status.PROCESSED}
    assert not any("evaluate" in a.processing for a in answers)
    assert not Evaluation.objects.filter(candidate_interview=invite_obj).exists()

    # A recruiter on a desktop: the review page says the candidate declined AI advice.
    recruiter = MembershipFactory(team=invite_obj.team, role=Membership.Role.RECRUITER).user
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    review = desk.new_page()
    review.goto(f"{live_server.url}/accounts/login/")
    review.get_by_label("Email").fill(recruiter.email)
    review.get_by_label("Password").fill(PASSWORD)
    review.get_by_role("button", name="Sign in").click()
    review.goto(live_server.url + reverse("candidates:invite_review", args=[invite_obj.pk]))
    expect(review.get_by_test_id("ai-declined").first).to_have_text(
        "AI advice declined by the candidate"
    )
    expect(review.get_by_test_id("rerun-report-button")).to_have_count(0)
    review.screenshot(path=SHOTS / "review-ai-declined-desktop.png")
    review.set_viewport_size(PHONE)
    review.screenshot(path=SHOTS / "review-ai-declined-phone.png")
    review.set_viewport_size({"width": 1280, "height": 900})
    review.goto(
        live_server.url + reverse("candidates:interview_results", args=[invite_obj.interview_id])
    )
    expect(review.get_by_test_id("ai-declined")).to_have_text("AI advice declined by the candidate")
    review.screenshot(path=SHOTS / "results-ai-declined-desktop.png")
    # The consent page on a desktop, for another candidate of the same interview.
    token, digest = new_invite_token()
    CandidateInterviewFactory(interview=invite_obj.interview, token_hash=digest)
    other = desk.new_page()
    other.goto(f"{live_server.url}/i/{token}/")
    other.get_by_role("button", name="Continue").click()
    expect(other.get_by_label(DECLINE)).to_be_visible()
    other.screenshot(path=SHOTS / "consent-ai-decline-desktop.png", full_page=True)
    desk.close()


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}])
def test_an_owner_turns_the_choice_on(live_server, invite, browser, viewport):
    invite_obj, _token = invite
    team = invite_obj.team
    team.ai_decline_allowed = False
    team.save()
    owner = MembershipFactory(team=team, role=Membership.Role.OWNER).user
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + reverse("candidates:privacy_settings"))
    box = page.get_by_label("Let candidates decline AI evaluation")
    box.check()
    page.screenshot(path=SHOTS / f"privacy-ai-decline-{viewport['width']}.png", full_page=True)
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Privacy settings saved.")).to_be_visible()
    team.refresh_from_db()
    assert team.ai_decline_allowed
    context.close()
