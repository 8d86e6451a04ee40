"""The server's operator adds a Piper voice from the owner's AI models page (issue 20, item 3),
on a phone: three files chosen and sent, the voice is listed
with the language and licence its files state, and the Piper engine offers it."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import Membership
from speech.tts import get_provider
from tests.e2e.conftest import SHOTS
from tests.factories import PASSWORD, MembershipFactory
from tests.voice_files import piper_voice

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_operator_adds_a_voice_on_a_phone(live_server, page: Page, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.PIPER_VOICE_PATH = ""
    member = MembershipFactory(role=Membership.Role.OWNER, user__email="olga@acme.test")
    member.user.is_staff = True
    member.user.save(update_fields=["is_staff"])
    incoming = tmp_path / "incoming"
    onnx = piper_voice(
        incoming, "es_ES-lucia-medium", language="es_ES", dataset="lucia", licence="CC0-1.0"
    )

    page.set_viewport_size({"width": 360, "height": 740})
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("olga@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + reverse("dashboard:ai_models"))
    form = page.get_by_test_id("voice-form")
    form.get_by_label("Voice file (.onnx)").set_input_files(str(onnx))
    form.get_by_label("Its settings (.onnx.json)").set_input_files(f"{onnx}.json")
    form.get_by_label("Its model card (optional)").set_input_files(str(incoming / "MODEL_CARD"))
    page.screenshot(path=SHOTS / "ai-models-voice-form-phone.png", full_page=True)
    form.get_by_role("button", name="Add voice").click()
    expect(page.locator("#messages")).to_contain_text("Added the voice es_ES-lucia-medium (es)")
    voices = page.get_by_test_id("voices")
    expect(voices).to_contain_text("es_ES-lucia-medium · es · dataset lucia · licence CC0-1.0")
    page.screenshot(path=SHOTS / "ai-models-voice-added-phone.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    [voice] = get_provider("piper").voices()
    assert (voice.id, voice.language) == ("es_ES-lucia-medium", "es")
