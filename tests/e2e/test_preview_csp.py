"""The preview plays a URL prompt (audio the team hosts elsewhere) under the site's
Content-Security-Policy, as the runner does: the browser loads it and reports no violation."""

import pytest
from playwright.sync_api import Page, Route, expect

from accounts.models import Role
from speech.media import to_mp3
from tests.e2e.waits import wait_until
from tests.factories import (
    PASSWORD,
    AudioQuestionFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    MembershipFactory,
)
from tests.speech.media_helpers import tone

pytestmark = pytest.mark.django_db(transaction=True)

PROMPT_URL = "https://media.example.org/prompts/why-us.mp3"
# A function, not an expression: Playwright evaluates an expression with eval(), which the
# page's policy (rightly) refuses.
PLAYABLE = """() => {
  const el = document.querySelector("audio[src='%s']");
  return el.readyState >= 1 && el.duration > 0.5;
}"""


def test_the_preview_plays_a_url_prompt_without_csp_violations(live_server, page: Page):
    membership = MembershipFactory(role=Role.RECRUITER, user__email="rita@preview.test")
    interview = InterviewFactory(team=membership.team, title="Support Lead")
    question = AudioQuestionFactory(
        team=membership.team, audio_type="url", audio_url=PROMPT_URL, question_script=""
    )
    InterviewQuestionFactory(interview=interview, audio_question=question)
    mp3, _seconds = to_mp3(tone("wav", "pcm_s16le", seconds=1.5))

    # The team's media host, played by the browser (the test never leaves this machine).
    served: list[str] = []

    def media_host(route: Route) -> None:
        served.append(route.request.url)
        route.fulfill(status=200, body=mp3, headers={"Content-Type": "audio/mpeg"})

    page.route("https://media.example.org/**", media_host)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("rita@preview.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{base}/interviews/{interview.pk}/preview/")
    player = page.locator(f'audio[src="{PROMPT_URL}"]')
    expect(player).to_be_visible()
    player.evaluate("el => { el.preload = 'auto'; el.load(); }")
    wait_until(page, PLAYABLE % PROMPT_URL)
    assert served, "the browser never asked the media host for the prompt"
    assert not violations, violations
