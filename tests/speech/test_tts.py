"""Text to speech: real eSpeak NG synthesis, Piper's configuration errors, and the
OpenAI-compatible provider against a small HTTP server on 127.0.0.1."""

import io
import json
import threading
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from speech.media import probe, to_mp3
from speech.tts import (
    ProviderUnavailable,
    TransientTTSError,
    TTSError,
    get_provider,
)
from tests.speech.media_helpers import decode

SCRIPT = "Tell me about yourself and your background."


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnframes() / wav.getframerate()


def test_it_speaks_with_espeak_by_default():
    provider = get_provider()
    assert provider.name == "espeak"
    wav = provider.synthesize(SCRIPT, voice="en-us", language="en", speed=1.0)
    assert wav[:4] == b"RIFF"
    assert wav_seconds(wav) > 1.0


def test_it_makes_an_mp3_that_decodes_to_the_speech():
    wav = get_provider("espeak").synthesize(SCRIPT, voice="", language="en", speed=1.0)
    mp3, duration = to_mp3(wav)
    name, rate, channels, decoded = decode(mp3)
    assert (name, rate, channels) == ("mp3", 24_000, 1)
    assert decoded > 0.5
    assert duration == pytest.approx(wav_seconds(wav), abs=0.05)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Erzählen Sie mir von sich."),
        ("fr", "Parlez-moi de vous."),
        ("es", "Hábleme de usted."),
    ],
)
def test_it_speaks_other_languages_from_the_language_alone(language, text):
    wav = get_provider("espeak").synthesize(text, voice="", language=language, speed=1.0)
    assert wav_seconds(wav) > 0.5


def test_it_speaks_faster_at_a_higher_speed():
    espeak = get_provider("espeak")
    normal = wav_seconds(espeak.synthesize(SCRIPT, voice="en-gb", language="en", speed=1.0))
    fast = wav_seconds(espeak.synthesize(SCRIPT, voice="en-gb", language="en", speed=2.0))
    assert fast < normal * 0.75


def test_it_lists_espeak_voices_by_the_name_it_accepts():
    ids = {voice.id for voice in get_provider("espeak").voices()}
    assert {"en-us", "en-gb", "de", "fr-fr", "pt-br"} <= ids


def test_it_picks_espeak_voices_by_language_tag_and_refuses_unknown_ones():
    espeak = get_provider("espeak")
    assert espeak.synthesize("Olá", voice="pt-BR", language="en", speed=1.0)[:4] == b"RIFF"
    with pytest.raises(TTSError, match="no voice “xx-nowhere”"):
        espeak.synthesize(SCRIPT, voice="xx-nowhere", language="en", speed=1.0)
    with pytest.raises(TTSError, match="no text"):
        espeak.synthesize("   ", voice="", language="en", speed=1.0)


def test_it_names_an_unknown_provider(settings):
    with pytest.raises(ProviderUnavailable, match="no text-to-speech provider called “nope”"):
        get_provider("nope")
    settings.TTS_DEFAULT_PROVIDER = "openai"
    assert get_provider().name == "openai"


def test_it_says_piper_needs_a_voice_file(settings, tmp_path):
    settings.PIPER_VOICE_PATH = ""
    with pytest.raises(ProviderUnavailable, match="PIPER_VOICE_PATH"):
        get_provider("piper").synthesize(SCRIPT, voice="", language="en", speed=1.0)
    settings.PIPER_VOICE_PATH = str(tmp_path)
    with pytest.raises(ProviderUnavailable, match=r"holds no \.onnx voice file"):
        get_provider("piper").check()


def test_it_lists_piper_voices_from_a_folder(settings, tmp_path):
    (tmp_path / "en_US-lessac-medium.onnx").write_bytes(b"model")
    (tmp_path / "de_DE-thorsten-low.onnx").write_bytes(b"model")
    settings.PIPER_VOICE_PATH = str(tmp_path)
    voices = get_provider("piper").voices()
    assert [v.id for v in voices] == ["de_DE-thorsten-low", "en_US-lessac-medium"]


# --- the OpenAI-compatible provider against a real HTTP server ----------------------------


class SpeechServer:
    """Answers POST /v1/audio/speech with ``status`` and ``body``; records the requests."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b""
        self.content_type = "audio/wav"
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                server.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization"),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(server.status)
                self.send_header("Content-Type", server.content_type)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def speech_server(settings):
    server = SpeechServer()
    settings.OPENAI_TTS_BASE_URL = server.url
    settings.OPENAI_TTS_API_KEY = "sk-test"
    settings.OPENAI_TTS_MODEL = "tts-1"
    settings.OPENAI_TTS_TIMEOUT = 5
    yield server
    server.close()


@pytest.fixture
def spoken_wav():
    return get_provider("espeak").synthesize(SCRIPT, voice="en-us", language="en", speed=1.0)


def test_it_asks_an_openai_compatible_server_for_speech(speech_server, spoken_wav):
    speech_server.body = spoken_wav

    wav = get_provider("openai").synthesize(SCRIPT, voice="nova", language="en", speed=1.25)

    assert wav == spoken_wav
    [request] = speech_server.requests
    assert request["path"] == "/v1/audio/speech"
    assert request["auth"] == "Bearer sk-test"
    assert request["json"] == {
        "model": "tts-1",
        "input": SCRIPT,
        "voice": "nova",
        "response_format": "wav",
        "speed": 1.25,
    }


def test_it_accepts_a_base_url_that_ends_in_v1(speech_server, spoken_wav, settings):
    settings.OPENAI_TTS_BASE_URL = speech_server.url + "/v1/"
    settings.OPENAI_TTS_API_KEY = ""
    speech_server.body = spoken_wav
    get_provider("openai").synthesize(SCRIPT, voice="", language="en", speed=1.0)
    [request] = speech_server.requests
    assert request["path"] == "/v1/audio/speech"
    assert request["auth"] is None
    assert request["json"]["voice"] == "alloy"


def test_it_converts_a_server_that_answers_mp3(speech_server, spoken_wav):
    speech_server.body, _ = to_mp3(spoken_wav)
    speech_server.content_type = "audio/mpeg"
    wav = get_provider("openai").synthesize(SCRIPT, voice="alloy", language="en", speed=1.0)
    assert wav[:4] == b"RIFF"
    assert probe(wav).duration > 1.0


def test_it_treats_server_errors_as_transient_and_refusals_as_final(speech_server):
    speech_server.status, speech_server.body = 503, b'{"error": "overloaded"}'
    with pytest.raises(TransientTTSError, match="503"):
        get_provider("openai").synthesize(SCRIPT, voice="alloy", language="en", speed=1.0)

    speech_server.status, speech_server.body = 400, b'{"error": "unknown voice"}'
    with pytest.raises(TTSError, match="refused the request \\(400\\)") as refused:
        get_provider("openai").synthesize(SCRIPT, voice="zz", language="en", speed=1.0)
    assert not isinstance(refused.value, TransientTTSError)


def test_it_refuses_an_answer_that_is_not_audio(speech_server):
    speech_server.body, speech_server.content_type = b"<html>hello</html>", "text/html"
    with pytest.raises(TTSError, match="not audio"):
        get_provider("openai").synthesize(SCRIPT, voice="alloy", language="en", speed=1.0)


def test_it_retries_when_the_server_is_unreachable(settings):
    settings.OPENAI_TTS_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(TransientTTSError, match="could not be reached"):
        get_provider("openai").synthesize(SCRIPT, voice="alloy", language="en", speed=1.0)


def test_it_needs_a_base_url_for_openai(settings):
    settings.OPENAI_TTS_BASE_URL = ""
    with pytest.raises(ProviderUnavailable, match="OPENAI_TTS_BASE_URL"):
        get_provider("openai").check()
