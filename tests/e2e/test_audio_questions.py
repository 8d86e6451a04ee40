"""Audio questions in a real browser: write a script, hear it spoken, preview a narrator."""

import re

import pytest
from playwright.sync_api import Page, expect

from interviews.models import AudioQuestion
from tests.e2e.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

PLAYABLE = "el => el.readyState >= 1 && el.duration > 0.5"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sign_in(page: Page, base: str, email: str = "recruiter@panelist.demo") -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("panelist-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_it_speaks_a_new_question_records_one_and_previews_a_narrator(
    live_server, demo, page: Page
):
    base = live_server.url
    sign_in(page, base)

    # Preview a narrator: htmx swaps in a player whose source is the synthesised sample.
    page.goto(f"{base}/narrators/")
    row = page.get_by_role("row").filter(has_text="Northwind voice")
    row.get_by_role("link", name="Preview").click()
    player = row.get_by_test_id("narrator-preview-player")
    expect(player).to_be_visible()
    sample = page.request.get(base + player.get_attribute("src"))
    assert sample.headers["content-type"] == "audio/mpeg"
    wait_until(
        page, f"({PLAYABLE})(document.querySelector('[data-testid=narrator-preview-player]'))"
    )

    # Write a new question; the narrator reads it (Celery is eager here, so it is ready at once).
    page.goto(f"{base}/questions/audio/")
    page.get_by_role("link", name="New audio question").click()
    page.get_by_label("Title", exact=True).fill("Why this team?")
    page.get_by_role("textbox", name=re.compile("^Script")).fill(
        "Why do you want to join this team, and what would you change?"
    )
    page.get_by_label("Narrator").select_option(
        label="Northwind voice (English, understandable with effort)"
    )
    page.get_by_role("button", name="Create audio question").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Why this team?")
    status = page.locator("#audio-status")
    expect(status).to_have_attribute("data-status", re.compile("pending|processing|completed"))
    player = page.get_by_test_id("audio-player")
    expect(player).to_be_visible()
    expect(status).to_have_attribute("data-status", "completed")
    expect(status).not_to_have_attribute("hx-trigger", re.compile("."))
    wait_until(page, f"({PLAYABLE})(document.querySelector('[data-testid=audio-player]'))")
    assert AudioQuestion.objects.get(title="Why this team?").transcription_status == "completed"

    # Record a prompt with the (fake) microphone instead, and upload it through the same form.
    page.get_by_role("button", name="Record in the browser").click()
    expect(page.get_by_role("button", name="Stop recording")).to_be_visible()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Stop recording").click()
    expect(page.locator("[data-recorder-status]")).to_contain_text("Recorded")
    page.get_by_role("button", name="Upload recording").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(
        "The recording is now this question's audio."
    )
    expect(player).to_be_visible()
    expect(status).to_contain_text("Uploaded recording")
    recorded = AudioQuestion.objects.get(title="Why this team?")
    assert recorded.audio_type == "upload"

    # The bank lists it as ready.
    page.get_by_role("link", name="Audio questions").first.click()
    page.get_by_label("Search").fill("Why this team")
    row = page.get_by_role("row").filter(has_text="Why this team?")
    expect(row).to_contain_text("Ready")
    expect(page.get_by_role("row")).to_have_count(2)


def test_it_polls_a_pending_question_until_its_audio_is_ready(live_server, demo, page: Page):
    """A pending question's page polls and shows the player once the task has run."""
    from interviews.tasks import audio_question_synthesize

    question = AudioQuestion.objects.filter(narrator__name="Northwind voice").first()
    question.audio_file = ""
    question.transcription_status = "pending"
    question.audio_script_hash = "a" * 64
    question.save()
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/questions/audio/{question.pk}/")
    expect(page.locator("#audio-status")).to_have_attribute("hx-trigger", "every 2s")
    expect(page.get_by_test_id("audio-player")).to_have_count(0)

    audio_question_synthesize.delay(str(question.pk), "a" * 64)

    expect(page.get_by_test_id("audio-player")).to_be_visible(timeout=10_000)
    expect(page.locator("#audio-status")).not_to_have_attribute("hx-trigger", re.compile("."))
