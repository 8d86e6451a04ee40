"""Sharing a review in a real browser: a recruiter makes a link with a PIN from the invite page;
someone without an account opens it in a fresh browser, enters the PIN and reads the review."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SHOTS
from tests.factories import (
    PASSWORD,
    AITextQuestionFactory,
    AnswerFactory,
    AudioQuestionFactory,
    CandidateFactory,
    CandidateInterviewFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
)
from tests.speech.media_helpers import tone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def invite(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    interview = InterviewFactory(team=team, title="Support Lead")
    candidate = CandidateFactory(
        team=team,
        first_name="Ada",
        last_name="Lovelace",
        email="ada.private@example.com",
        phone="+14155550123",
    )
    invite = CandidateInterviewFactory(
        interview=interview,
        candidate=candidate,
        status="COMPLETED",
        completed_at=timezone.now(),
    )
    audio = AudioQuestionFactory(team=team, title="Tell us about yourself")
    recorded = AnswerFactory(
        candidate_interview=invite,
        interview_question=InterviewQuestionFactory(interview=interview, audio_question=audio),
        text="",
        media_type="audio/webm",
        transcript="I have led a support team of eight people for four years.",
    )
    recorded.media.save("answer.webm", ContentFile(tone()))
    written = AITextQuestionFactory(
        team=team, title="A difficult customer", question_text="How do you calm them?"
    )
    answer = AnswerFactory(
        candidate_interview=invite,
        interview_question=InterviewQuestionFactory(
            interview=interview, kind="ai_text", audio_question=None, ai_text_question=written
        ),
        text="I listen first, repeat the problem back, and say what happens next.",
    )
    EvaluationFactory(
        candidate_interview=invite,
        answer=answer,
        overall_score=4,
        summary="Clear structure; names the next step.",
    )
    return invite


def test_a_recruiter_shares_a_review_behind_a_pin(
    live_server, settings, recruiter, invite, page: Page, browser: Browser
):
    base = live_server.url
    settings.SITE_URL = base
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(recruiter.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{base}/invites/{invite.pk}/")
    page.get_by_test_id("share-button").click()
    expect(page.get_by_role("heading", name="Share a read-only review")).to_be_visible()
    expect(page.get_by_label("Ada Lovelace · Completed")).to_be_checked()
    page.get_by_label("Label").fill("For Dana")
    page.get_by_label("PIN").fill("482193")
    page.screenshot(path=SHOTS / "share-create.png", full_page=True)
    page.get_by_role("button", name="Create link").click()
    url = page.get_by_test_id("share-url").input_value()
    assert url.startswith(f"{base}/s/")

    for width in (360, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        guest = context.new_page()
        guest.goto(url)
        expect(guest.get_by_role("heading", name="Enter the PIN")).to_be_visible()
        guest.get_by_label("PIN").fill("111111")
        guest.get_by_role("button", name="Open the review").click()
        expect(guest.get_by_test_id("pin-error")).to_contain_text("not right")
        guest.get_by_label("PIN").fill("482193")
        guest.get_by_role("button", name="Open the review").click()
        expect(guest.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
        expect(guest.get_by_text("I listen first")).to_be_visible()
        expect(guest.get_by_text("Clear structure; names the next step.")).to_be_visible()
        expect(guest.locator("audio")).to_have_count(1)
        # The player can load the recording through the link.
        # Polled from Python: the share pages' CSP refuses the string evaluation that
        # wait_for_function's in-page polling uses, while DevTools' evaluate is exempt.
        for _ in range(100):
            if guest.evaluate(
                "document.querySelector('audio').readyState >= 1 || "
                "document.querySelector('audio').error !== null"
            ):
                break
            guest.wait_for_timeout(100)
        assert guest.evaluate("document.querySelector('audio').error") is None
        html = guest.content()
        assert "ada.private@example.com" not in html
        assert "4155550123" not in html
        assert guest.evaluate("document.documentElement.scrollWidth") <= width
        guest.screenshot(path=SHOTS / f"share-review-{width}.png", full_page=True)
        context.close()


def test_a_recruiter_chooses_the_reviewers_of_an_interview(
    live_server, recruiter, hiring_manager, team, page: Page
):
    interview = InterviewFactory(team=team, title="Support Lead")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(recruiter.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{live_server.url}/interviews/{interview.pk}/edit/")
    box = page.get_by_label(hiring_manager.display_name)
    box.check()
    page.get_by_role("button", name="Save reviewers").click()
    expect(page.get_by_test_id("reviewers-saved")).to_contain_text("Reviewers saved")
    expect(page.get_by_label(hiring_manager.display_name)).to_be_checked()
    assert list(interview.reviewers.all()) == [hiring_manager]
    page.locator("#reviewers").screenshot(path=SHOTS / "interview-reviewers-360.png")
