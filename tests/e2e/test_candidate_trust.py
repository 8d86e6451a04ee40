"""What a candidate sees about privacy and AI, on a phone: the notices, asking for an
alternative, and the optional self-identification survey after handing in."""

import pytest
from playwright.sync_api import Page, expect

from candidates.models import CandidateInterview, SelfIdentification
from candidates.tokens import new_invite_token
from interviews.models import AITextQuestion, SurveyQuestion
from interviews.services.interviews import interview_create, interview_question_add
from tests.e2e.conftest import SHOTS
from tests.e2e.test_runner import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def invite(demo):
    written = AITextQuestion.objects.filter(team__slug="northwind-engineering").first()
    team = written.team
    team.self_id_survey_enabled = True
    team.save()
    interview = interview_create(team=team, title="Trust test", by=None)
    survey = SurveyQuestion.objects.get(team=team, title="Work authorisation")
    for q in (survey, written):
        interview_question_add(interview=interview, question=q)
    token, digest = new_invite_token()
    invite = CandidateInterview.objects.create(
        team=team,
        interview=interview,
        candidate=team.candidates.first(),
        status="INVITED",
        token_hash=digest,
        expires_at="2099-01-01T00:00Z",
    )
    return invite, token


def _fits(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_a_candidate_reads_the_notices_and_answers_the_optional_survey(
    live_server, invite, page: Page
):
    invite_obj, token = invite
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("ai-notice")).to_contain_text("a person reviews your answers")
    _fits(page)
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "runner-consent-phone.png", full_page=True)
    page.get_by_label("I have read this and agree to take part.").check()
    page.get_by_role("button", name="Agree and continue").click()
    page.get_by_text("Yes", exact=True).click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("textbox").fill("I would cache hot reads in Redis with a short TTL.")
    page.get_by_role("button", name="Save and review").click()
    page.get_by_role("button", name="Hand in my interview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("a last, optional step")
    _fits(page)
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "runner-self-id-phone.png", full_page=True)
    page.get_by_label("Female").check()
    page.get_by_label("Asian").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your interview is in")
    record = SelfIdentification.objects.get(candidate_interview=invite_obj)
    assert (record.sex, record.race_ethnicity) == ("female", "asian")


def test_a_candidate_asks_for_an_alternative(live_server, invite, page: Page):
    invite_obj, token = invite
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("I would rather be assessed another way").click()
    page.get_by_label("Anything they should know (optional)").fill("I use a screen reader.")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Ask for an alternative").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request was sent")
    page.screenshot(path=SHOTS / "runner-alternative-phone.png", full_page=True)
    invite_obj.refresh_from_db()
    assert invite_obj.alternative_note == "I use a screen reader."
    assert invite_obj.consented_at is None
