"""The first review a newcomer opens in the demo: a real recording that plays and seeks, the
transcript Whisper made of it, and AI advice quoting it (issue 13, item 17)."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from candidates.models import Answer
from tests.e2e.conftest import SHOTS
from tests.e2e.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def full_demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # As ./panelist up seeds it, with the pipeline's tasks run inline (eager) after the commit.
    call_command("seed_demo", "--recordings", "1", stdout=io.StringIO())


def test_the_newest_backend_candidate_has_a_playable_recording_transcript_and_ai_advice(
    live_server, full_demo, page: Page
):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("recruiter@panelist.demo")
    page.get_by_label("Password").fill("panelist-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.get_by_role("link", name="Interviews", exact=True).first.click()
    page.get_by_role("link", name="Backend Engineer").first.click()
    page.get_by_role("link", name="Results").first.click()
    # Results lists the most recently completed first: the recorded candidate.
    page.get_by_role("link", name=re.compile(r"^Review ")).first.click()

    recorded = Answer.objects.exclude(media="").first()
    assert recorded is not None
    assert recorded.status == Answer.Status.PROCESSED
    player = page.locator("[data-review-player]").first
    media = player.locator("[data-review-media]")
    expect(media).to_be_visible()
    duration = media.evaluate(
        """el => new Promise(resolve => {
            const done = () => resolve(el.duration);
            if (el.readyState >= 1) done(); else el.addEventListener('loadedmetadata', done);
        })"""
    )
    assert duration == pytest.approx(float(recorded.duration_seconds), abs=0.5)
    # It seeks: a transcript line moves the player to that line's start.
    lines = player.get_by_test_id("transcript-line")
    expect(lines.first).to_be_visible()
    assert lines.count() >= 1
    lines.last.click()
    wait_until(page, "el => el.currentTime > 0.5", arg=media.element_handle(), timeout=5000)
    expect(page.get_by_text("AI advice").first).to_be_visible()
    expect(page.locator("body")).to_contain_text(recorded.transcript.split(".")[0][:30])
    page.screenshot(path=str(SHOTS / "demo-review.png"), full_page=True)
