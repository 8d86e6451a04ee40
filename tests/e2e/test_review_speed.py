"""Review at speed in Chromium: the scorecard stays in view while the answers scroll, keyboard
shortcuts (listed behind "?") rate, submit and walk the candidates, and on a phone the
answers and the scorecard are two tabs within reach, every target at least 44 px."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from candidates.models import CandidateInterview, Scorecard
from tests.e2e.conftest import SHOTS
from tests.e2e.waits import wait_until
from tests.factories import (
    PASSWORD,
    AnswerFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    MembershipFactory,
    ScorecardCriterionFactory,
    ScorecardTemplateFactory,
    TeamFactory,
    TurnFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue():
    """Three completed candidates of one interview, many answers each (a long page)."""
    team = TeamFactory(name="Acme Recruiting")
    manager = MembershipFactory(
        team=team, role=Role.HIRING_MANAGER, user__email="hm@acme.test"
    ).user
    interview = InterviewFactory(team=team, title="Backend Engineer")
    interview.reviewers.add(manager)
    template = ScorecardTemplateFactory(interview=interview)
    for n, name in enumerate(("Depth", "Clarity", "Ownership"), start=1):
        ScorecardCriterionFactory(template=template, name=name, ordinal=n)
    items = [InterviewQuestionFactory(interview=interview) for _ in range(6)]
    invites = []
    now = timezone.now()
    for n, first in enumerate(("Ada", "Grace", "Linus")):
        invite = CandidateInterviewFactory(
            team=team,
            interview=interview,
            candidate__first_name=first,
            candidate__last_name="Test",
            status=CandidateInterview.Status.COMPLETED,
            completed_at=now - timezone.timedelta(days=3 - n),
        )
        for item in items:
            answer = AnswerFactory(candidate_interview=invite, interview_question=item, text="")
            for k in range(4):
                TurnFactory(
                    candidate_interview=invite,
                    answer=answer,
                    content=f"Sentence {k} of a long answer about queues and indexes.",
                    start_seconds=k * 3.0,
                    end_seconds=k * 3.0 + 2.5,
                )
        invites.append(invite)
    return manager, invites


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("hm@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_scorecard_stays_in_view_and_the_keyboard_reviews(live_server, queue, page: Page):
    manager, invites = queue
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, base)
    page.get_by_role("link", name="Start reviewing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Test")

    # Scrolled to the bottom of the answers, the scorecard is still on screen.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(200)
    box = page.locator("#scorecard-heading").bounding_box()
    assert box is not None
    assert box["y"] >= 0, box
    assert box["y"] + box["height"] <= 800, box
    page.screenshot(path=SHOTS / "review-speed-scrolled.png")

    # "?" lists the shortcuts; Escape closes the list and gives focus back.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("shortcuts")).to_contain_text("Next candidate")
    expect(dialog.get_by_test_id("shortcuts")).to_contain_text("Submit the scorecard")
    wait_until(page, "() => !!document.activeElement.closest('#shortcuts-dialog')")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # 1-5 rates the focused criterion; with none focused, the first one not rated yet.
    criteria = page.get_by_test_id("criterion")
    criteria.nth(1).locator("input[value='2']").focus()
    page.keyboard.press("4")
    expect(criteria.nth(1).locator("input[value='4']")).to_be_checked()
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("5")
    expect(criteria.nth(0).locator("input[value='5']")).to_be_checked()
    # Typing a digit in a note rates nothing.
    note = page.get_by_label("Note on Ownership")
    note.fill("")
    note.type("3 years of on-call")
    expect(criteria.nth(2).locator("input:checked")).to_have_count(0)
    criteria.nth(2).locator("input[value='3']").focus()
    page.keyboard.press("3")
    page.get_by_label("Yes", exact=True).check()

    # Ctrl+Enter submits the scorecard, even from a text field.
    page.get_by_label("Notes").fill("Solid.")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_test_id("submitted-note")).to_be_visible()
    card = Scorecard.objects.get(candidate_interview=invites[0], reviewer=manager)
    assert card.submitted_at is not None
    assert sorted(r.score for r in card.ratings.all()) == [3, 4, 5]

    # n walks to the next candidate of the queue, p back.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("n")
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Test")
    page.keyboard.press("p")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Test")


def test_a_phone_has_answers_and_scorecard_tabs_within_reach(live_server, queue, page: Page):
    _manager, invites = queue
    base = live_server.url
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, base)
    page.goto(f"{base}/invites/{invites[0].pk}/review/?queue=mine")
    answers_tab = page.get_by_role("tab", name="Answers")
    scorecard_tab = page.get_by_role("tab", name="Scorecard")
    expect(answers_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#scorecard-heading")).to_be_hidden()
    # The bar stays at the bottom of the screen while the answers scroll.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    bar = page.locator("[data-review-tabs]").bounding_box()
    assert bar is not None
    assert bar["y"] + bar["height"] <= 780, bar
    assert bar["y"] > 600, bar
    page.screenshot(path=SHOTS / "review-phone-answers.png")

    scorecard_tab.click()
    expect(scorecard_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#scorecard-heading")).to_be_in_viewport()
    expect(page.get_by_test_id("question").first).to_be_hidden()
    page.screenshot(path=SHOTS / "review-phone-scorecard.png")

    # Every control in reach is at least 44 px tall: tabs, ratings, buttons.
    controls = page.locator(
        "[data-review-tabs] .btn, #scorecard label.rating-btn, #scorecard button[type=submit]"
    )
    assert controls.count() >= 3 + 15 + 1
    for i in range(controls.count()):
        target = controls.nth(i)
        if not target.is_visible():
            continue
        box = target.bounding_box()
        assert box is not None
        assert box["height"] >= 44, (target.inner_text(), box)
    # The arrow keys move between the tabs.
    scorecard_tab.focus()
    page.keyboard.press("ArrowLeft")
    expect(answers_tab).to_be_focused()
    expect(answers_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("question").first).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360
