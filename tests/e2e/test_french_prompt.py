"""The recruiter's own voice for a language the built-in voice cannot speak well (issue 20): a
French spoken question is flagged on its page; the recruiter records the prompt in the browser
(the fake microphone), the flag goes, and a candidate hears that recording on the question."""

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from accounts.models import Membership
from candidates.tokens import new_invite_token
from interviews.models import AudioQuestion
from interviews.services.interviews import interview_question_add
from tests.e2e.conftest import SHOTS
from tests.e2e.test_runner import start
from tests.e2e.waits import wait_until
from tests.factories import (
    PASSWORD,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PLAYABLE = "el => el.readyState >= 1 && el.duration > 0.5"
SCRIPT = "Parlez-nous d'une situation où vous avez dû résoudre un conflit dans votre équipe."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_recruiter_records_a_french_prompt_and_a_candidate_hears_it(
    live_server, page: Page, browser: Browser
):
    member = MembershipFactory(role=Membership.Role.RECRUITER, user__email="rita@acme.test")
    team = member.team
    question = AudioQuestionFactory(
        team=team, title="Conflit", question_script=SCRIPT, language="fr", audio_type="tts"
    )
    interview = InterviewFactory(team=team, title="Conseiller", language="fr")
    interview_question_add(interview=interview, question=question)
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("rita@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + reverse("interviews:audio_edit", args=[question.pk]))
    warning = page.get_by_test_id("voice-warning")
    expect(warning).to_contain_text("This voice is hard to understand in French")
    page.screenshot(path=SHOTS / "audio-question-french-warning.png", full_page=True)

    page.get_by_role("button", name="Record in the browser").click()
    expect(page.get_by_role("button", name="Stop recording")).to_be_visible()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Stop recording").click()
    expect(page.locator("[data-recorder-status]")).to_contain_text("Recorded")
    page.get_by_role("button", name="Upload recording").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(
        "The recording is now this question's audio."
    )
    expect(page.get_by_test_id("voice-warning")).to_have_count(0)
    question.refresh_from_db()
    assert question.audio_type == AudioQuestion.AudioType.UPLOAD

    # A candidate (pages in English, the question in French) hears the recording.
    token, digest = new_invite_token()
    CandidateInterviewFactory(interview=interview, token_hash=digest, language="en")
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, permissions=["camera", "microphone"]
    )
    candidate = context.new_page()
    start(candidate, base, token)
    prompt = candidate.locator("[data-prompt-audio]")
    expect(prompt).to_be_attached()
    wait_until(candidate, f"({PLAYABLE})(document.querySelector('[data-prompt-audio]'))")
    heard = candidate.request.get(base + prompt.get_attribute("src"))
    assert heard.headers["content-type"] == "audio/mpeg"
    assert len(heard.body()) > 1000
    candidate.screenshot(path=SHOTS / "runner-french-prompt-phone.png", full_page=True)
    context.close()
