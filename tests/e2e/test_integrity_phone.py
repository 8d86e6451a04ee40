"""Integrity facts in a real browser (issue 18, item 8): a candidate on a 360 px phone is told
on the consent page, pastes into a written answer and leaves the page for a moment; runner.js
reports both (numbers only), and a recruiter sees the facts with their times on the review
page, phone and desktop. A candidate of an interview without them gets no notice and the
browser reports nothing."""

import time

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import Membership
from candidates.models import CandidateInterview, IntegrityFact
from candidates.tokens import new_invite_token
from interviews.models import Interview
from interviews.services.interviews import interview_question_add
from tests.e2e.conftest import SHOTS
from tests.e2e.test_runner import axe_violations
from tests.factories import (
    PASSWORD,
    AITextQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 780}
PASTED = "x" * 137
PASTE = """(text) => {
  const box = document.querySelector("#answer-text");
  const data = new DataTransfer();
  data.setData("text/plain", text);
  box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
  box.value = text;
}"""
VISIBILITY = """(state) => {
  Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def _invite(interview: Interview) -> tuple[CandidateInterview, str]:
    token, digest = new_invite_token()
    invite = CandidateInterview.objects.get(
        pk=CandidateInterviewFactory(interview=interview, token_hash=digest).pk
    )
    return invite, token


def _wait_for(count: int, invite: CandidateInterview) -> list[IntegrityFact]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        facts = list(IntegrityFact.objects.filter(candidate_interview=invite).order_by("pk"))
        if len(facts) >= count:
            return facts
        time.sleep(0.1)
    raise AssertionError(f"{count} facts were not reported")


@pytest.fixture
def phone(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    yield context
    context.close()


def test_a_told_candidate_on_a_phone_and_the_facts_a_recruiter_sees(live_server, phone, browser):
    interview = InterviewFactory(title="Support engineer", integrity_facts=True)
    interview_question_add(interview=interview, question=AITextQuestionFactory(team=interview.team))
    invite, token = _invite(interview)
    page: Page = phone.new_page()
    page.goto(f"{live_server.url}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    notice = page.get_by_test_id("integrity-notice")
    expect(notice).to_contain_text("when this page was hidden")
    expect(page.get_by_role("heading", name="What else is noted")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "consent-integrity-phone.png", full_page=True)
    page.get_by_label("I have read this and agree to take part.").check()
    page.get_by_role("button", name="Agree and continue").click()
    expect(page.get_by_text("Question 1 of 1").first).to_be_visible()
    # The heading shows as soon as the HTML is parsed; runner.js (deferred) listens from "load".
    page.wait_for_load_state("load")

    page.evaluate(PASTE, PASTED)
    page.evaluate(VISIBILITY, "hidden")
    time.sleep(1.6)
    page.evaluate(VISIBILITY, "visible")
    paste, hidden = _wait_for(2, invite)
    assert (paste.kind, paste.characters) == ("paste", len(PASTED))
    assert hidden.kind == "page_hidden"
    assert hidden.seconds is not None
    assert 1 <= hidden.seconds <= 3
    page.get_by_role("button", name="Save and review").click()
    page.get_by_role("button", name="Hand in my interview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your interview is in")
    invite.refresh_from_db()
    # Facts are evidence: the hand-in went through as for anyone.
    assert invite.status == CandidateInterview.Status.COMPLETED

    recruiter = MembershipFactory(team=interview.team, role=Membership.Role.RECRUITER).user
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    review = desk.new_page()
    review.goto(f"{live_server.url}/accounts/login/")
    review.get_by_label("Email").fill(recruiter.email)
    review.get_by_label("Password").fill(PASSWORD)
    review.get_by_role("button", name="Sign in").click()
    review.goto(live_server.url + reverse("candidates:invite_review", args=[invite.pk]))
    facts = review.get_by_test_id("integrity-fact")
    expect(facts).to_have_count(2)
    # In the order they happened, to the second: the hidden stretch is dated from when it
    # began (its length rounded), so it may come first or second of the two.
    expect(facts.filter(has_text="The page was hidden for")).to_have_count(1)
    expect(facts.filter(has_text="137 characters were pasted into the answer.")).to_have_count(1)
    review.screenshot(path=SHOTS / "review-integrity-desktop.png")
    review.set_viewport_size(PHONE)
    review.get_by_test_id("integrity-facts").scroll_into_view_if_needed()
    assert review.evaluate("document.documentElement.scrollWidth") <= 360
    review.screenshot(path=SHOTS / "review-integrity-phone.png")
    desk.close()


def test_without_the_setting_there_is_no_notice_and_nothing_is_reported(live_server, phone):
    interview = InterviewFactory(title="Support engineer")
    interview_question_add(interview=interview, question=AITextQuestionFactory(team=interview.team))
    invite, token = _invite(interview)
    page: Page = phone.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("I have read this and agree to take part.")).to_be_visible()
    expect(page.get_by_test_id("integrity-notice")).to_have_count(0)
    page.get_by_label("I have read this and agree to take part.").check()
    page.get_by_role("button", name="Agree and continue").click()
    expect(page.get_by_text("Question 1 of 1").first).to_be_visible()
    # The heading shows as soon as the HTML is parsed; runner.js (deferred) listens from "load".
    page.wait_for_load_state("load")
    page.evaluate(PASTE, PASTED)
    page.evaluate(VISIBILITY, "hidden")
    time.sleep(1.2)
    page.evaluate(VISIBILITY, "visible")
    page.get_by_role("button", name="Save and review").click()
    expect(page.get_by_role("button", name="Hand in my interview")).to_be_visible()
    assert not [url for url in requests if "/interview/facts/" in url]
    assert not IntegrityFact.objects.filter(candidate_interview=invite).exists()
