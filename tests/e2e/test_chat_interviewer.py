"""A candidate takes an AI interview as a chat in Chromium, with a local language model server."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from candidates.models import Answer, CandidateInterview, Turn
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.e2e.conftest import SHOTS
from tests.factories import AITextQuestionFactory, CandidateInterviewFactory, InterviewFactory
from tests.speech.openai_server import CHAT, openai_server  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

AXE = next(Path(__file__).parent.glob("axe-core-*.min.js"))

Q1 = "Tell us about a production incident you handled."
Q2 = "How do you decide what to cache?"
FOLLOW_UP = "What did you change so that it would not happen again?"


@pytest.fixture
def invite(transactional_db, openai_server):  # noqa: F811
    interview = InterviewFactory(
        title="Backend engineer",
        interview_type="ai",
        ai_style="second-interview",
        ai_seniority="senior",
        ai_tone="relaxed",
        ai_followups_max=1,
    )
    for text in (Q1, Q2):
        interview_question_add(
            interview=interview,
            question=AITextQuestionFactory(team=interview.team, question_text=text),
        )
    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(interview=interview, token_hash=digest)
    openai_server.chat_reply(json.dumps({"followUp": FOLLOW_UP}), delay=0.5)
    openai_server.chat_reply(json.dumps({"followUp": None}))
    return invite, token


def axe_violations(page: Page) -> list[str]:
    # Not a <script> tag: the candidate pages' policy (rightly) refuses inline scripts, and
    # DevTools' evaluation is exempt from it.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result]


def send(page: Page, text: str) -> None:
    box = page.get_by_label("Your reply")
    expect(box).to_be_focused()
    box.fill(text)
    box.press("Enter")


@pytest.mark.parametrize("width", [360, 1280])
def test_it_takes_an_ai_interview_as_a_chat(
    live_server,
    invite,
    openai_server,  # noqa: F811
    page: Page,
    width,
):
    invite_obj, token = invite
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I have read this and agree to take part.").check()
    page.get_by_role("button", name="Agree and continue").click()

    log = page.get_by_role("log")
    expect(log).to_contain_text(Q1)
    expect(page.get_by_text("Question 1 of 2")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Your reply").fill("Line one")
    page.get_by_label("Your reply").press("Shift+Enter")
    page.get_by_label("Your reply").type("line two")
    expect(page.get_by_label("Your reply")).to_have_value("Line one\nline two")
    page.get_by_label("Your reply").fill("")
    send(page, "The cache stampeded after a deploy; I rolled back and added jitter.")
    expect(page.get_by_text("The interviewer is typing…")).to_be_visible()
    expect(log).to_contain_text(FOLLOW_UP)
    expect(page.get_by_text("The interviewer is typing…")).to_be_hidden()
    expect(page.get_by_text("Question 1 of 2")).to_be_visible()
    send(page, "I added a canary stage and an alert on the cache hit rate.")
    expect(log).to_contain_text(Q2)
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / f"chat-interviewer-{width}.png", full_page=True)

    send(page, "Data that is read often, costly to compute and fine to be a little stale.")
    page.get_by_role("button", name="Hand in my interview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your interview is in")
    invite_obj.refresh_from_db()
    assert invite_obj.status == CandidateInterview.Status.COMPLETED
    assert Turn.objects.filter(candidate_interview=invite_obj).count() == 6
    assert Answer.objects.filter(candidate_interview=invite_obj).count() == 2
    assert len(openai_server.requests_to(CHAT)) == 2


def test_it_works_without_javascript(live_server, invite, browser):
    _invite_obj, token = invite
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I have read this and agree to take part.").check()
    page.get_by_role("button", name="Agree and continue").click()
    page.get_by_label("Your reply").fill("I rolled back the deploy.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("log")).to_contain_text(FOLLOW_UP)
    expect(page.get_by_role("log")).to_contain_text("I rolled back the deploy.")
    context.close()


def test_return_makes_a_new_line_on_a_touch_phone(live_server, invite, browser):
    _invite_obj, token = invite
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{live_server.url}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I have read this and agree to take part.").check()
    page.get_by_role("button", name="Agree and continue").click()
    box = page.get_by_label("Your reply")
    expect(box).to_be_focused()
    expect(
        page.get_by_text("Return starts a new line. Tap Send when your reply is complete.")
    ).to_be_visible()
    expect(page.get_by_text("Enter sends, Shift+Enter starts a new line.")).to_be_hidden()
    posts.clear()
    box.type("The cache stampeded after a deploy.")
    box.press("Enter")
    box.type("I rolled back and added jitter.")
    page.wait_for_timeout(500)
    expect(box).to_have_value(
        "The cache stampeded after a deploy.\nI rolled back and added jitter."
    )
    assert posts == []
    page.screenshot(path=SHOTS / "chat-phone.png", caret="initial")
    # The candidate drags the box taller; the swap after sending must not copy that style
    # attribute (the CSP refuses it and logs an error).
    box.evaluate("el => { el.style.height = '12rem'; }")
    page.get_by_role("button", name="Send").tap()
    log = page.get_by_role("log")
    expect(log).to_contain_text("I rolled back and added jitter.")
    expect(log).to_contain_text(FOLLOW_UP)
    # Ctrl+Enter sends on any device (a tablet with a keyboard).
    box = page.get_by_label("Your reply")
    expect(box).to_be_focused()
    box.fill("A canary stage and an alert on the hit rate.")
    box.press("Control+Enter")
    expect(log).to_contain_text("A canary stage and an alert on the hit rate.")
    page.screenshot(path=SHOTS / "chat-phone-after.png", full_page=True)
    context.close()
