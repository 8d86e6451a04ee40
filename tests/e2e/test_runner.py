"""A candidate takes an interview in Chromium with a fake camera and microphone."""

import time
from pathlib import Path

import av
import pytest
from django.core.files.storage import default_storage
from playwright.sync_api import Page, expect

from candidates.models import Answer, CandidateInterview
from candidates.tokens import new_invite_token
from interviews.models import AITextQuestion, AudioQuestion, SurveyQuestion
from interviews.services.interviews import interview_create, interview_question_add
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.django_db(transaction=True)

AXE = next(Path(__file__).parent.glob("axe-core-*.min.js"))


@pytest.fixture
def invite(demo):
    """A fresh mixed interview (one spoken, one survey, one written question) and an invite."""
    source = AudioQuestion.objects.filter(team__slug="northwind-engineering").first()
    team = source.team
    interview = interview_create(
        team=team,
        title="Runner test",
        by=None,
        think_time_seconds=3,
        answer_time_seconds=20,
        recording_mode="video",
        welcome_message="Thanks for your time today.",
    )
    survey = SurveyQuestion.objects.get(team=team, title="Work authorisation")
    written = AITextQuestion.objects.filter(team=team).first()
    for q in (source, survey, written):
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


def axe_violations(page: Page) -> list[str]:
    # Not a <script> tag: the candidate pages' policy (rightly) refuses inline scripts, and
    # DevTools' evaluation is exempt from it.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result]


def start(page: Page, base: str, token: str, *, check_a11y: bool = False) -> None:
    page.goto(f"{base}/i/{token}/")
    expect(page).to_have_url(f"{base}/interview/")
    if check_a11y:
        assert axe_violations(page) == []
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I have read this and agree to take part.").check()
    if check_a11y:
        assert axe_violations(page) == []
    page.get_by_role("button", name="Agree and continue").click()
    page.get_by_role("button", name="Allow access").click()
    # "Allow access" stays disabled until runner.js listens (a click before that was lost);
    # the camera then opens, which on a loaded machine can take longer than 5 s.
    expect(page.get_by_role("button", name="It works — continue")).to_be_enabled(timeout=20_000)
    page.get_by_role("button", name="It works — continue").click()
    expect(page.get_by_role("heading", name="Practice question")).to_be_visible()
    page.get_by_role("button", name="Start the interview").click()


def record_answer(page: Page, seconds: float = 2.5) -> None:
    expect(page.get_by_text("Question 1 of 3").first).to_be_visible()
    page.get_by_role("button", name="Start recording now").click()
    stop = page.get_by_role("button", name="Stop recording")
    expect(stop).to_be_visible()
    time.sleep(seconds)
    stop.click()
    page.get_by_role("button", name="Use this answer").click()


def answer_the_rest(page: Page) -> None:
    expect(page.get_by_text("Question 2 of 3").first).to_be_visible(timeout=20_000)
    page.get_by_text("Yes", exact=True).click()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Question 3 of 3").first).to_be_visible()
    page.get_by_role("textbox").fill("I would cache hot reads in Redis with a short TTL.")
    page.get_by_role("button", name="Save and review").click()
    page.get_by_role("button", name="Hand in my interview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your interview is in")


def assert_recording_stored(invite: CandidateInterview, min_seconds: float = 2.0) -> None:
    answer = Answer.objects.get(candidate_interview=invite, interview_question__kind="audio")
    assert answer.status in ("submitted", "processing", "processed")
    with default_storage.open(answer.media.name, "rb") as fh, av.open(fh) as container:
        assert container.streams.audio
        assert container.streams.video
        audio = container.streams.audio[0]
        base = audio.time_base or 0
        ends = [
            float((p.pts + (p.duration or 0)) * base)
            for p in container.demux(audio)
            if p.pts is not None
        ]
    assert max(ends) > min_seconds  # the whole take arrived, not just its first chunks


def test_it_takes_a_mixed_interview_on_a_phone(live_server, invite, page: Page):
    invite_obj, token = invite
    page.set_viewport_size({"width": 360, "height": 740})
    start(page, live_server.url, token, check_a11y=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "runner-question-phone.png", full_page=True)
    record_answer(page)
    answer_the_rest(page)
    assert axe_violations(page) == []
    invite_obj.refresh_from_db()
    assert invite_obj.status == "COMPLETED"
    assert_recording_stored(invite_obj)


def test_it_resumes_after_the_tab_is_closed(live_server, invite, page: Page, browser):
    invite_obj, token = invite
    start(page, live_server.url, token)
    record_answer(page)
    expect(page.get_by_text("Question 2 of 3").first).to_be_visible(timeout=20_000)
    page.context.close()
    again = browser.new_context().new_page()
    again.goto(f"{live_server.url}/i/{token}/")
    # Consent was given, and only typed answers are left: no camera check, no practice.
    answer_the_rest(again)
    invite_obj.refresh_from_db()
    assert invite_obj.status == "COMPLETED"


@pytest.mark.allow_page_errors("net::ERR_INTERNET_DISCONNECTED")
def test_it_delivers_every_byte_through_a_dropped_connection(live_server, invite, page: Page):
    invite_obj, token = invite
    start(page, live_server.url, token)
    expect(page.get_by_text("Question 1 of 3").first).to_be_visible()
    page.get_by_role("button", name="Start recording now").click()
    stop = page.get_by_role("button", name="Stop recording")
    expect(stop).to_be_visible()
    # The connection drops while the candidate records and reviews the answer.
    page.context.set_offline(True)
    time.sleep(3)
    stop.click()
    page.get_by_role("button", name="Use this answer").click()
    time.sleep(4)
    assert not Answer.objects.filter(
        candidate_interview=invite_obj, interview_question__kind="audio"
    ).exists()
    expect(page.get_by_text("Question 1 of 3").first).to_be_visible()
    # Back online: the upload resumes from what the server has and the next question opens.
    page.context.set_offline(False)
    answer_the_rest(page)
    assert_recording_stored(invite_obj, min_seconds=2.5)
