"""An accommodated candidate on a 360 px phone: untimed answers with one extra retake (no
countdown, the timer counts up only, and the server takes the extra take), and a request made
from the welcome page that the recruiter grants (1.5x: the longer countdown and limit)."""

import time
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from candidates.models import Answer
from candidates.services.accommodations import accommodation_grant, accommodation_set
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.e2e.conftest import SHOTS
from tests.e2e.test_runner import axe_violations
from tests.factories import (
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 780}


@pytest.fixture
def invite(transactional_db):
    """A video interview with no retakes, 30 s to think and 60 s to answer."""
    interview = InterviewFactory(
        title="Support engineer",
        recording_mode="video",
        think_time_seconds=30,
        answer_time_seconds=60,
        retakes_allowed=0,
    )
    for question in (
        AudioQuestionFactory(team=interview.team),
        SurveyQuestionFactory(team=interview.team),
    ):
        interview_question_add(interview=interview, question=question)
    token, digest = new_invite_token()
    return CandidateInterviewFactory(interview=interview, token_hash=digest), token


@pytest.fixture
def phone(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    yield context
    context.close()


def past_the_checks(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I have read this and agree to take part.").check()
    page.get_by_role("button", name="Agree and continue").click()
    page.get_by_role("button", name="Allow access").click()
    page.get_by_role("button", name="It works — continue").click()
    page.get_by_role("button", name="Start the interview").click()
    expect(page.get_by_text("Question 1 of 2").first).to_be_visible()


def record(page: Page, seconds: float) -> None:
    time.sleep(seconds)
    page.get_by_role("button", name="Stop recording").click()
    expect(page.locator("[data-upload-label]")).to_have_text(
        "Your answer is saved.", timeout=20_000
    )


def test_untimed_with_an_extra_retake(live_server, invite, phone):
    invite_obj, token = invite
    accommodation_set(invite=invite_obj, by=None, time="untimed", extra_retakes=1)
    page = phone.new_page()
    page.goto(f"{live_server.url}/i/{token}/")
    expect(page.get_by_text("taking the time you need")).to_be_visible()
    expect(page.get_by_text("You can record each answer again 1 time.")).to_be_visible()
    past_the_checks(page)

    expect(page.get_by_test_id("timing")).to_contain_text("Take the time you need")
    page.wait_for_timeout(1500)
    # No countdown: nothing starts by itself.
    expect(page.locator("[data-status]")).to_have_text("Ready when you are.")
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "accommodation-untimed-phone.png")
    page.get_by_role("button", name="Start recording now").click()
    timer = page.locator("[data-timer]")
    expect(timer).to_contain_text("0:0")
    assert "/" not in timer.inner_text()  # counts up, no limit shown
    record(page, 1.5)

    again = page.get_by_role("button", name="Record again")
    expect(again).to_contain_text("1 left")
    page.screenshot(path=SHOTS / "accommodation-retake-phone.png")
    again.click()
    expect(page.get_by_role("button", name="Stop recording")).to_be_visible()
    record(page, 1.5)
    expect(page.get_by_role("button", name="Record again")).to_be_hidden()
    page.get_by_role("button", name="Use this answer").click()
    expect(page.get_by_text("Question 2 of 2").first).to_be_visible(timeout=20_000)
    answer = Answer.objects.get(candidate_interview=invite_obj, interview_question__kind="audio")
    assert answer.retakes_used == 1  # the server took the take the interview alone forbids


def test_a_request_from_the_welcome_page_granted_gives_longer_timers(live_server, invite, phone):
    invite_obj, token = invite
    page = phone.new_page()
    page.goto(f"{live_server.url}/i/{token}/")
    expect(page.get_by_text("have 30 seconds to think, then up to 60 seconds")).to_be_visible()
    page.get_by_text("I need more time or another adjustment").click()
    page.get_by_label("More time to think and answer").check()
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "accommodation-request-phone.png", full_page=True)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_test_id("accommodation-sent")).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0

    invite_obj.refresh_from_db()
    accommodation_grant(invite=invite_obj, by=None)  # the recruiter's one click
    past_the_checks(page)

    expect(page.get_by_test_id("timing")).to_contain_text("You have 45 seconds to think")
    expect(page.locator("[data-status]")).to_contain_text("Recording starts in 4")
    page.get_by_role("button", name="Start recording now").click()
    expect(page.locator("[data-timer]")).to_contain_text("/ 1:30")
    record(page, 1.0)
    expect(page.get_by_role("button", name="Record again")).to_be_hidden()


@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"]
)
def test_the_recruiter_grants_the_request_in_one_click(live_server, invite, browser, viewport):
    from accounts.models import Membership
    from candidates.services.accommodations import accommodation_request
    from tests.factories import PASSWORD, MembershipFactory

    invite_obj, _token = invite
    user = MembershipFactory(team=invite_obj.team, role=Membership.Role.RECRUITER).user
    accommodation_request(invite=invite_obj, kinds=["retakes", "days"], note="I may need a break")
    expires = invite_obj.expires_at
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/invites/{invite_obj.pk}/")

    request = page.get_by_test_id("accommodation-request")
    expect(request).to_contain_text("more days (+7), more retakes (+1)")
    expect(request).to_contain_text("I may need a break")
    assert axe_violations(page) == []
    name = "phone" if viewport == PHONE else "desktop"
    page.screenshot(path=SHOTS / f"accommodation-invite-{name}.png", full_page=True)
    page.get_by_test_id("accommodation-grant").click()

    expect(page.get_by_text("Request granted: +1 retake, +7 days.")).to_be_visible()
    expect(page.get_by_test_id("accommodation-current")).to_have_text(
        "Applied: +1 retake, +7 days."
    )
    invite_obj.refresh_from_db()
    assert invite_obj.expires_at == expires + timedelta(days=7)
    page.get_by_label("Thinking and answer time").select_option("2× time")
    page.get_by_label("Extra retakes per answer").fill("50")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_extra_retakes-error")).to_be_visible()
    page.screenshot(path=SHOTS / f"accommodation-invite-error-{name}.png", full_page=True)
    page.get_by_label("Extra retakes per answer").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("accommodation-current")).to_have_text(
        "Applied: 2× time, +2 retakes, +7 days."
    )
    # Reviewers learn only that an accommodation applied.
    page.goto(f"{live_server.url}/invites/{invite_obj.pk}/review/")
    expect(page.get_by_test_id("accommodation-badge")).to_have_text("Accommodation applied")
    expect(page.get_by_text("2× time")).to_have_count(0)
    page.screenshot(path=SHOTS / f"accommodation-review-{name}.png")
    context.close()
