"""An operator adds a Piper voice with one command (issue 20, item 3): its language, dataset and
licence are read from its JSON and model card and shown; the voice is copied into the data
folder, offered by the Piper engine, listed in the models inventory, and refused once changed."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from speech.models import inventory
from speech.tts import get_provider
from speech.voices import VoiceRefused, voice_add, voices_folder


@pytest.fixture
def voice(tmp_path, settings):
    # A data folder of its own: added voices and trusted digests stay in this test.
    settings.DATA_DIR = tmp_path / "data"
    settings.PIPER_VOICE_PATH = ""
    source = tmp_path / "incoming"
    source.mkdir()
    onnx = source / "fr_FR-claire-medium.onnx"
    onnx.write_bytes(b"ONNX" + b"\0" * 256)
    config = {"language": {"code": "fr_FR"}, "dataset": "claire", "audio": {"quality": "medium"}}
    (source / "fr_FR-claire-medium.onnx.json").write_text(json.dumps(config))
    (source / "MODEL_CARD").write_text("# Model card\n\n* License: CC BY 4.0\n* Dataset: claire\n")
    return onnx


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
