"""The answer player in Chromium: a browser-made WebM (no duration) is remuxed by the pipeline
step, then the review page shows its length before it plays, seeks, and changes speed from
the mouse and the keyboard; the Safari rendition loads too."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from candidates.models import CandidateInterview
from candidates.recordings import answer_recording_prepare
from tests.candidates.recording_helpers import browser_webm
from tests.e2e.conftest import SHOTS
from tests.e2e.waits import wait_until
from tests.factories import (
    PASSWORD,
    AnswerFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    MembershipFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = 4.0


@pytest.fixture
def recorded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    team = TeamFactory(name="Acme Recruiting")
    MembershipFactory(team=team, role=Role.RECRUITER, user__email="rita@acme.test")
    interview = InterviewFactory(team=team, title="Backend Engineer")
    invite = CandidateInterviewFactory(
        interview=interview,
        candidate__first_name="Ada",
        candidate__last_name="Lovelace",
        status=CandidateInterview.Status.COMPLETED,
        completed_at=timezone.now(),
    )
    answer = AnswerFactory(
        candidate_interview=invite,
        interview_question=InterviewQuestionFactory(interview=interview),
        text="",
        media_type="video/webm",
        status="processed",
    )
    answer.media.save("answer.webm", ContentFile(browser_webm(SECONDS, video=True)))
    return answer_recording_prepare(answer=answer)


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("rita@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_player_shows_the_length_seeks_and_changes_speed(live_server, recorded, page: Page):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, base)
    page.goto(f"{base}/invites/{recorded.candidate_interview_id}/review/")

    # The length is on the page before anything plays (from the server, not the media).
    expect(page.get_by_test_id("player-duration")).to_have_text("Length 0:04")
    video = page.locator("video[data-player-media]")
    assert video.evaluate("v => v.paused && v.currentTime === 0")

    wait_until(page, "() => document.querySelector('video[data-player-media]').readyState >= 1")
    assert video.evaluate("v => v.duration") == pytest.approx(SECONDS, abs=0.2)
    assert video.evaluate("v => v.currentSrc").endswith(f"/answers/{recorded.pk}/media/")
    video.evaluate("v => { v.currentTime = 3.0; }")
    wait_until(
        page,
        "() => { const v = document.querySelector('video[data-player-media]');"
        " return !v.seeking && Math.abs(v.currentTime - 3.0) < 0.3; }",
    )

    speeds = page.get_by_role("group", name="Playback speed")
    expect(speeds).to_be_visible()
    speeds.get_by_role("button", name="1.5×").click()
    assert video.evaluate("v => v.playbackRate") == 1.5
    expect(speeds.get_by_role("button", name="1.5×")).to_have_attribute("aria-pressed", "true")
    expect(speeds.get_by_role("button", name="1×", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    # The keyboard: Tab to a speed, Enter chooses it.
    speeds.get_by_role("button", name="0.75×").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert video.evaluate("v => v.playbackRate") == 1
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert video.evaluate("v => v.playbackRate") == 2
    video.evaluate("v => v.play()")
    wait_until(page, "() => document.querySelector('video[data-player-media]').currentTime > 0")
    assert video.evaluate("v => v.playbackRate") == 2
    video.evaluate("v => v.pause()")

    # The Safari rendition is a real, loadable H.264/AAC MP4 at its own tenant-scoped URL.
    rendition = page.locator("video[data-player-media] source").nth(1)
    assert rendition.get_attribute("type").startswith("video/mp4")
    src = rendition.get_attribute("src")
    response = page.request.get(f"{base}{src}", headers={"Range": "bytes=0-1023"})
    assert response.status == 206
    assert response.headers["content-type"] == "video/mp4"
    mp4 = 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"'
    if page.evaluate("type => document.createElement('video').canPlayType(type)", mp4):
        duration = page.evaluate(
            """src => new Promise((resolve, reject) => {
                const v = document.createElement('video');
                v.preload = 'metadata';
                v.onloadedmetadata = () => resolve(v.duration);
                v.onerror = () => reject(new Error('rendition failed to load'));
                v.src = src;
            })""",
            src,
        )
        assert duration == pytest.approx(SECONDS, abs=0.2)

    page.screenshot(path=SHOTS / "player-1280.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})
    page.locator("[data-answer-player]").scroll_into_view_if_needed()
    for button in speeds.get_by_role("button").all():
        box = button.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["width"] >= 44
    page.screenshot(path=SHOTS / "player-360.png", full_page=True)


def test_the_share_page_player_works_without_signing_in(live_server, recorded, page: Page):
    from accounts.models import User
    from candidates.services.share import share_link_create

    invite = recorded.candidate_interview
    _link, token = share_link_create(
        interview=invite.interview,
        invites=[invite],
        by=User.objects.get(email="rita@acme.test"),
    )
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/s/{token}/c/{invite.pk}/")
    expect(page.get_by_test_id("player-duration")).to_have_text("Length 0:04")
    video = page.locator("video[data-player-media]")
    wait_until(page, "() => document.querySelector('video[data-player-media]').readyState >= 1")
    assert video.evaluate("v => v.duration") == pytest.approx(SECONDS, abs=0.2)
    page.get_by_role("group", name="Playback speed").get_by_role("button", name="0.75×").click()
    assert video.evaluate("v => v.playbackRate") == 0.75
    page.locator("[data-answer-player]").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "share-player-360.png")
