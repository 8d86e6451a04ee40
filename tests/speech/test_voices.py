"""An operator adds a Piper voice with one command (issue 20, item 3): its language, dataset and
licence are read from its JSON and model card and shown; the voice is copied into the data
folder, offered by the Piper engine, listed in the models inventory, and refused once changed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from speech.models import inventory
from speech.tts import get_provider
from speech.voices import VoiceRefused, voice_add, voices_folder
from tests.voice_files import piper_voice


@pytest.fixture
def voice(tmp_path, settings):
    # A data folder of its own: added voices and trusted digests stay in this test.
    settings.DATA_DIR = tmp_path / "data"
    settings.PIPER_VOICE_PATH = ""
    return piper_voice(
        tmp_path / "incoming",
        "fr_FR-claire-medium",
        language="fr_FR",
        dataset="claire",
        licence="CC BY 4.0",
    )


def test_one_command_adds_a_voice_with_what_its_card_says(voice):
    out = StringIO()
    call_command("voices", "add", str(voice), stdout=out)
    text = out.getvalue()
    assert "language fr, dataset claire, licence CC BY 4.0" in text
    copied = voices_folder() / voice.name
    assert copied.read_bytes() == voice.read_bytes()
    assert (voices_folder() / "fr_FR-claire-medium.onnx.json").is_file()
    assert (voices_folder() / "fr_FR-claire-medium.MODEL_CARD").is_file()
    # The Piper engine offers it, in French.
    [offered] = get_provider("piper").voices()
    assert (offered.id, offered.language) == ("fr_FR-claire-medium", "fr")
    listing = StringIO()
    call_command("voices", "list", stdout=listing)
    assert "fr_FR-claire-medium: fr, dataset claire, quality medium, licence CC BY 4.0" in (
        listing.getvalue()
    )


def test_an_added_voice_changed_afterwards_is_refused(voice):
    voice_add(voice)
    rows = {row.key: row for row in inventory()}
    assert rows[voice.name].state.startswith("trusted since")
    (voices_folder() / voice.name).write_bytes(b"ONNX" + b"\1" * 256)
    rows = {row.key: row for row in inventory()}
    assert rows[voice.name].state.startswith("refused: changed since")


def test_a_voice_without_its_json_is_refused_naming_it(voice):
    voice.with_name(voice.name + ".json").unlink()
    with pytest.raises(VoiceRefused, match=r"fr_FR-claire-medium\.onnx\.json is missing"):
        voice_add(voice)
    with pytest.raises(CommandError, match="is missing"):
        call_command("voices", "add", str(voice), stdout=StringIO())
    assert not voices_folder().exists() or not list(voices_folder().glob("*.onnx"))


def test_a_file_that_is_not_a_voice_is_refused(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(VoiceRefused, match=r"is not a \.onnx voice file"):
        voice_add(other)


@pytest.mark.django_db
def test_the_api_gives_a_piper_narrators_licence_from_its_card(voice, team, client):
    from api.narrators import NarratorOut
    from tests.factories import NarratorFactory

    voice_add(voice)
    narrator = NarratorFactory(
        team=team, provider="piper", voice="fr_FR-claire-medium", language="fr"
    )
    data = NarratorOut(narrator).data
    assert data["licence"] == "CC BY 4.0"
    assert data["clarity"] == "not measured"


# --- from the owner's AI models page ---------------------------------------------------------


def upload(voice, name=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    name = name or voice.name
    return {
        "voice": SimpleUploadedFile(name, voice.read_bytes()),
        "config": SimpleUploadedFile(
            f"{name}.json", voice.with_name(voice.name + ".json").read_bytes()
        ),
        "card": SimpleUploadedFile("MODEL_CARD", voice.with_name("MODEL_CARD").read_bytes()),
    }


@pytest.fixture
def operator(owner):
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    return owner


@pytest.mark.django_db
def test_the_operator_adds_a_voice_on_the_models_page(voice, login, operator, team):
    from django.urls import reverse

    from accounts.models import AuditEvent

    client = login(operator)
    url = reverse("dashboard:ai_models")
    assert 'data-testid="voice-form"' in client.get(url).content.decode()
    response = client.post(url, upload(voice), follow=True)
    html = response.content.decode()
    assert "Added the voice fr_FR-claire-medium (fr)" in html
    assert "<code>fr_FR-claire-medium</code> · fr · dataset claire · licence CC BY 4.0" in html
    assert (voices_folder() / voice.name).read_bytes() == voice.read_bytes()
    [offered] = get_provider("piper").voices()
    assert offered.language == "fr"
    event = AuditEvent.objects.get(action="voice.added")
    assert (event.team, event.actor, event.data["licence"]) == (team, operator, "CC BY 4.0")
    # Nothing but the voice, its JSON and its card is left in the folder.
    assert sorted(p.name for p in voices_folder().iterdir()) == [
        "fr_FR-claire-medium.MODEL_CARD",
        "fr_FR-claire-medium.onnx",
        "fr_FR-claire-medium.onnx.json",
    ]


@pytest.mark.django_db
def test_a_voice_without_a_language_is_refused_next_to_its_json(voice, login, operator):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    files = {**upload(voice), "config": SimpleUploadedFile("x.onnx.json", b'{"dataset": "x"}')}
    response = login(operator).post(reverse("dashboard:ai_models"), files)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_config-error"' in html
    assert "does not say the voice&#x27;s language (language.code)" in html
    assert not list(voices_folder().glob("*.onnx"))


@pytest.mark.django_db
def test_a_file_that_is_not_onnx_is_refused_next_to_the_voice_field(voice, login, operator):
    from django.urls import reverse

    response = login(operator).post(
        reverse("dashboard:ai_models"), upload(voice, name="claire.exe")
    )
    assert response.status_code == 400
    assert 'id="id_voice-error"' in response.content.decode()
    assert not voices_folder().exists() or not list(voices_folder().glob("*.onnx"))


@pytest.mark.django_db
def test_an_owner_who_is_not_the_operator_cannot_add_a_voice(voice, login, owner):
    from django.urls import reverse

    client = login(owner)
    url = reverse("dashboard:ai_models")
    html = client.get(url).content.decode()
    assert 'data-testid="voice-form"' not in html
    assert "The server's operator adds voices" in html
    assert client.post(url, upload(voice)).status_code == 403
    assert not voices_folder().exists() or not list(voices_folder().glob("*.onnx"))
