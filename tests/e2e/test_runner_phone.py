"""The candidate on a 360 x 780 touch phone: Stop stays on screen while recording, a consent
error takes the focus, the connection notice clears as soon as a chunk gets through, and a tab
closed mid-upload resumes from the offset it saved."""

import time

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect

from candidates.models import Answer
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.e2e.conftest import SHOTS
from tests.e2e.test_runner import assert_recording_stored, axe_violations
from tests.e2e.waits import wait_until
from tests.factories import (
    AITextQuestionFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 780}
SCRIPT = (
    "Tell us about a time you had to learn a new tool quickly under pressure. What did you do "
    "first, who did you ask for help, and what would you do differently next time?"
)


@pytest.fixture
def invite(transactional_db):
    """A video interview: one spoken question, then a survey and a written question."""
    interview = InterviewFactory(
        title="Support engineer",
        recording_mode="video",
        think_time_seconds=30,
        answer_time_seconds=60,
        retakes_allowed=1,
    )
    team = interview.team
    for question in (
        AudioQuestionFactory(team=team, question_script=SCRIPT),
        SurveyQuestionFactory(team=team),
        AITextQuestionFactory(team=team),
    ):
        interview_question_add(interview=interview, question=question)
    token, digest = new_invite_token()
    return CandidateInterviewFactory(interview=interview, token_hash=digest), token


@pytest.fixture
def phone(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    yield context
    context.close()


def to_first_question(page: Page, base: str, token: str) -> None:
    page.goto(f"{base}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I have read this and agree to take part.").check()
    page.get_by_role("button", name="Agree and continue").click()
    page.get_by_role("button", name="Allow access").click()
    page.get_by_role("button", name="It works — continue").click()
    page.get_by_role("button", name="Start the interview").click()
    expect(page.get_by_text("Question 1 of 3").first).to_be_visible()


def in_viewport(page: Page, locator) -> bool:
    box = locator.bounding_box()
    view = page.viewport_size
    assert box is not None
    assert view is not None
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= view["width"]
        and box["y"] + box["height"] <= view["height"]
    )


def test_stop_and_the_timer_stay_on_screen_while_recording(live_server, invite, phone):
    invite_obj, token = invite
    page = phone.new_page()
    to_first_question(page, live_server.url, token)
    # Thinking time: the countdown and "Start recording now" are already within reach.
    expect(page.locator("[data-status]")).to_contain_text("Recording starts in")
    assert in_viewport(page, page.get_by_role("button", name="Start recording now"))
    page.get_by_role("button", name="Start recording now").click()
    stop = page.get_by_role("button", name="Stop recording")
    timer = page.locator("[data-timer]")
    expect(stop).to_be_visible()
    expect(timer).to_contain_text("0:")
    # The page is taller than the screen, and Stop is reachable from anywhere in it.
    assert page.evaluate("document.documentElement.scrollHeight") > PHONE["height"]
    for where in ("0", "document.documentElement.scrollHeight", "300"):
        page.evaluate(f"window.scrollTo(0, {where})")
        page.wait_for_timeout(100)
        assert in_viewport(page, stop), f"Stop is off screen at scroll {where}"
        assert in_viewport(page, timer), f"the timer is off screen at scroll {where}"
    page.evaluate("window.scrollTo(0, 0)")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "recording-phone.png")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.screenshot(path=SHOTS / "recording-phone-scrolled.png")
    time.sleep(1.5)
    stop.click()
    # Stopped: the choice to keep the take is where Stop was.
    use = page.get_by_role("button", name="Use this answer")
    expect(use).to_be_focused()
    assert in_viewport(page, use)
    assert in_viewport(page, page.get_by_role("button", name="Record again"))
    page.screenshot(path=SHOTS / "recorded-phone.png")
    use.click()
    expect(page.get_by_text("Question 2 of 3").first).to_be_visible(timeout=20_000)
    assert_recording_stored(invite_obj, min_seconds=1.0)


def test_a_consent_error_takes_the_focus_to_the_message(live_server, invite, phone):
    _invite_obj, token = invite
    page = phone.new_page()
    page.goto(f"{live_server.url}/i/{token}/")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Agree and continue").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Tick the box to agree before you start.")
    assert in_viewport(page, summary)
    # The field's own message stays next to the checkbox, and the summary links to it.
    expect(page.locator("#agree-error")).to_have_text("Tick the box to agree before you start.")
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "consent-error-phone.png")
    summary.get_by_role("link").click()
    expect(page.get_by_label("I have read this and agree to take part.")).to_be_focused()


@pytest.mark.allow_page_errors("Failed to load resource")
def test_the_connection_notice_goes_as_soon_as_a_chunk_gets_through(live_server, invite, phone):
    invite_obj, token = invite
    page = phone.new_page()
    to_first_question(page, live_server.url, token)
    down = {"now": True}

    def flaky(route: Route, request: Request) -> None:
        if request.method == "PATCH" and down["now"]:
            route.abort("connectionfailed")
        else:
            route.continue_()

    page.route("**/uploads/**", flaky)
    page.get_by_role("button", name="Start recording now").click()
    label = page.locator("[data-upload-label]")
    expect(label).to_contain_text("Connection lost", timeout=15_000)
    down["now"] = False
    # Still recording, nothing saved yet: the notice goes with the first chunk that arrives.
    expect(label).not_to_contain_text("Connection lost", timeout=20_000)
    expect(page.get_by_role("button", name="Stop recording")).to_be_visible()
    assert not Answer.objects.filter(
        candidate_interview=invite_obj, status__in=("submitted", "processing", "processed")
    ).exists()
    page.get_by_role("button", name="Stop recording").click()
    page.get_by_role("button", name="Use this answer").click()
    expect(page.get_by_text("Question 2 of 3").first).to_be_visible(timeout=30_000)


SAVED_RECORDING = """async () => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open("panelist-recordings", 1);
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
  });
  const all = await new Promise((ok) => {
    const r = db.transaction("recordings").objectStore("recordings").getAll();
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  return all;
}"""


def test_a_tab_closed_mid_upload_resumes_from_its_offset(live_server, invite, phone):
    invite_obj, token = invite
    page = phone.new_page()
    to_first_question(page, live_server.url, token)
    patches: list[Request] = []

    def hold_after_first(route: Route, request: Request) -> None:
        if request.method != "PATCH":
            route.continue_()
            return
        patches.append(request)
        if len(patches) == 1:
            route.continue_()
        # Later chunks never leave the browser: the tab is closed before they do.

    page.route("**/uploads/**", hold_after_first)
    page.get_by_role("button", name="Start recording now").click()
    expect(page.get_by_role("button", name="Stop recording")).to_be_visible()
    deadline = time.monotonic() + 20
    while len(patches) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert len(patches) >= 2, "the second chunk was never sent"
    page.get_by_role("button", name="Stop recording").click()
    expect(page.get_by_role("button", name="Use this answer")).to_be_visible()
    # IndexedDB holds a plain record: the resume address and the acknowledged offset.
    wait_until(
        page, f"({SAVED_RECORDING})().then(a => a.length === 1 && a[0].finished && a[0].offset > 0)"
    )
    saved = page.evaluate(SAVED_RECORDING)[0]
    assert saved["url"].startswith(f"{live_server.url}/uploads/")
    page.close()

    again = phone.new_page()
    sent: list[Request] = []
    again.on("request", lambda r: sent.append(r) if "/uploads/" in r.url else None)
    again.goto(f"{live_server.url}/interview/")
    # The upload finishes by itself and the next question opens.
    expect(again.get_by_text("Question 2 of 3").first).to_be_visible(timeout=30_000)
    assert [r.method for r in sent if r.method == "POST"] == [], "the upload started over"
    head = next(r for r in sent if r.method == "HEAD")
    first_patch = next(r for r in sent if r.method == "PATCH")
    assert head.url == first_patch.url == saved["url"]
    # It goes on from what the server holds: at least what the closed tab saw acknowledged
    # (a chunk cut off by the closing tab may have left a few more bytes there).
    server_offset = int(head.response().headers["upload-offset"])
    assert int(first_patch.headers["upload-offset"]) == server_offset >= saved["offset"] > 0
    assert again.evaluate(SAVED_RECORDING) == []
    assert_recording_stored(invite_obj, min_seconds=1.0)
