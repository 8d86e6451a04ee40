"""Speech to text for real: eSpeak NG speaks a known sentence, faster-whisper (tiny.en) writes
it down; the OpenAI-compatible transcriber against a real HTTP server on 127.0.0.1."""

import io
import re
import wave

import av
import numpy as np
import pytest

from speech.media import probe
from speech.stt import (
    ProviderUnavailable,
    Segment,
    STTError,
    TransientSTTError,
    UnsupportedLanguage,
    get_transcriber,
)
from speech.tts import get_provider
from tests.speech.media_helpers import decode
from tests.speech.openai_server import TRANSCRIPTIONS, openai_server_fixture  # noqa: F401

pytestmark = pytest.mark.engine_free  # CI runs it once, on PostgreSQL

SENTENCE = (
    "I rolled back the deploy and the service recovered within ten minutes. "
    "Afterwards we wrote a postmortem and added an alert."
)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower().replace("post-mortem", "postmortem"))


def heard(expected: str, transcript: str) -> float:
    """The share of the expected words (numbers aside) that the transcript contains."""
    wanted = [w for w in words(expected) if w not in {"ten"}]
    got = set(words(transcript))
    return sum(w in got for w in wanted) / len(wanted)


def webm_video(wav: bytes) -> bytes:
    """A browser-like recording: VP8 pictures and the speech as Opus, in WebM."""
    buffer = io.BytesIO()
    with wave.open(io.BytesIO(wav)) as source:
        rate = source.getframerate()
        pcm = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    with av.open(buffer, "w", format="webm") as output:
        video = output.add_stream("libvpx", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = output.add_stream("libopus", rate=48_000, layout="mono")
        for i in range(int(len(pcm) / rate * 10)):
            picture = av.VideoFrame(64, 48, "yuv420p")
            picture.pts = i
            output.mux(video.encode(picture))
        output.mux(video.encode(None))
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for resampled in resampler.resample(frame):
            output.mux(audio.encode(resampled))
        output.mux(audio.encode(None))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def spoken():
    return get_provider("espeak").synthesize(SENTENCE, voice="en-us", language="en", speed=1.0)


@pytest.fixture(scope="module")
def whisper():
    transcriber = get_transcriber("whisper")
    transcriber.check()  # loads the model once for the module
    return transcriber


def test_it_transcribes_speech_offline(whisper, spoken):
    transcript = whisper.transcribe(spoken, language="en")

    assert heard(SENTENCE, transcript.text) >= 0.85, transcript.text
    assert (transcript.provider, transcript.model, transcript.language) == (
        "whisper",
        "tiny.en",
        "en",
    )
    assert transcript.duration == pytest.approx(probe(spoken).duration, abs=0.05)
    assert transcript.segments
    assert transcript.text == " ".join(s.text for s in transcript.segments)
    previous_end = 0.0
    for segment in transcript.segments:
        assert previous_end <= segment.start < segment.end <= transcript.duration
        previous_end = segment.end


def test_it_does_not_hear_a_different_sentence(whisper):
    other = get_provider("espeak").synthesize(
        "My favourite hobby is baking bread.", voice="en-us", language="en", speed=1.0
    )
    assert heard(SENTENCE, whisper.transcribe(other, language=None).text) < 0.3


def test_it_transcribes_a_browser_video_recording(whisper, spoken):
    recording = webm_video(spoken)
    assert probe(recording).codec == "opus"

    transcript = whisper.transcribe(io.BytesIO(recording), language="en-US")

    assert heard(SENTENCE, transcript.text) >= 0.85, transcript.text
    assert transcript.language == "en"


def test_it_transcribes_an_mp3_file(whisper, spoken, tmp_path):
    from speech.media import to_mp3

    path = tmp_path / "answer.mp3"
    path.write_bytes(to_mp3(spoken)[0])

    transcript = whisper.transcribe(path, language=None)

    assert heard(SENTENCE, transcript.text) >= 0.85, transcript.text


def test_it_refuses_a_language_the_english_only_model_cannot_hear(whisper, spoken, settings):
    settings.WHISPER_MULTILINGUAL_MODEL_PATH = "off"
    with pytest.raises(UnsupportedLanguage, match=r"English only.*“de”.*WHISPER_MODEL_PATH"):
        whisper.transcribe(spoken, language="de-DE")


def test_it_refuses_a_file_that_is_not_audio(whisper):
    with pytest.raises(STTError, match="not audio"):
        whisper.transcribe(b"%PDF-1.7 definitely not sound", language="en")


def test_it_says_when_the_configured_model_folder_is_wrong(settings, tmp_path):
    settings.WHISPER_MODEL_PATH = str(tmp_path)
    with pytest.raises(ProviderUnavailable, match=r"has no model\.bin"):
        get_transcriber("whisper").check()


def test_it_uses_the_configured_provider(settings):
    assert get_transcriber().name == "whisper"
    settings.STT_PROVIDER = "openai"
    assert get_transcriber().name == "openai"
    with pytest.raises(ProviderUnavailable, match="no speech-to-text provider called “nope”"):
        get_transcriber("nope")


# --- the OpenAI-compatible transcriber against a real HTTP server -----------------------------

VERBOSE = {
    "task": "transcribe",
    "language": "english",
    "duration": 6.5,
    "text": "I rolled back the deploy. Afterwards we wrote a postmortem.",
    "segments": [
        {"id": 0, "start": 0.0, "end": 2.9, "text": " I rolled back the deploy."},
        {"id": 1, "start": 3.1, "end": 6.4, "text": " Afterwards we wrote a postmortem."},
        {"id": 2, "start": 6.4, "end": 6.5, "text": " "},
    ],
}


def test_it_posts_the_recording_to_an_openai_compatible_server(openai_server, spoken):
    openai_server.reply(TRANSCRIPTIONS, json=VERBOSE)

    transcript = get_transcriber("openai").transcribe(webm_video(spoken), language="en")

    assert transcript.text == VERBOSE["text"]
    assert transcript.segments == (
        Segment(0.0, 2.9, "I rolled back the deploy."),
        Segment(3.1, 6.4, "Afterwards we wrote a postmortem."),
    )
    assert (transcript.language, transcript.duration) == ("en", 6.5)
    assert (transcript.provider, transcript.model) == ("openai", "whisper-1")
    [request] = openai_server.requests
    assert request.path == TRANSCRIPTIONS
    assert request.headers["Authorization"] == "Bearer sk-stt-test"
    form = request.form
    assert {k: v for k, v in form.items() if k != "file"} == {
        "model": "whisper-1",
        "response_format": "verbose_json",
        "language": "en",
    }
    upload = form["file"]
    assert (upload.filename, upload.content_type) == ("answer.mp3", "audio/mpeg")
    name, _, channels, seconds = decode(upload.data)
    assert (name, channels) == ("mp3", 1)
    assert seconds == pytest.approx(probe(spoken).duration, abs=0.1)


def test_it_reads_the_language_the_server_detected(openai_server, spoken):
    openai_server.reply(TRANSCRIPTIONS, json={**VERBOSE, "language": "german"})
    transcript = get_transcriber("openai").transcribe(spoken, language=None)
    assert transcript.language == "de"
    assert "language" not in openai_server.requests[0].form


def test_it_accepts_a_plain_json_transcription(openai_server, spoken):
    openai_server.reply(TRANSCRIPTIONS, json={"text": "Hello there."})
    transcript = get_transcriber("openai").transcribe(spoken, language="en")
    assert (transcript.text, transcript.segments) == ("Hello there.", ())
    assert transcript.duration == pytest.approx(probe(spoken).duration, abs=0.1)


def test_it_treats_server_errors_as_transient_and_refusals_as_final(openai_server, spoken):
    transcriber = get_transcriber("openai")
    openai_server.reply(TRANSCRIPTIONS, status=500, json={"error": {"message": "overloaded"}})
    with pytest.raises(TransientSTTError, match="answered 500: overloaded"):
        transcriber.transcribe(spoken, language="en")

    openai_server.reply(
        TRANSCRIPTIONS, status=400, json={"error": {"message": "Audio file is too short"}}
    )
    with pytest.raises(
        STTError, match=r"refused the request \(400\): Audio file is too short"
    ) as e:
        transcriber.transcribe(spoken, language="en")
    assert not isinstance(e.value, TransientSTTError)


def test_it_treats_a_slow_server_as_transient(openai_server, spoken, settings):
    settings.OPENAI_STT_TIMEOUT = 0.5
    openai_server.reply(TRANSCRIPTIONS, json=VERBOSE, delay=3)
    with pytest.raises(TransientSTTError, match="could not be reached"):
        get_transcriber("openai").transcribe(spoken, language="en")


def test_it_refuses_an_answer_that_is_not_a_transcription(openai_server, spoken):
    openai_server.reply(TRANSCRIPTIONS, body="<html>proxy error</html>", content_type="text/html")
    with pytest.raises(STTError, match="not a transcription"):
        get_transcriber("openai").transcribe(spoken, language="en")


def test_it_needs_a_base_url_for_openai(settings):
    settings.OPENAI_STT_BASE_URL = ""
    with pytest.raises(ProviderUnavailable, match="OPENAI_STT_BASE_URL"):
        get_transcriber("openai").check()
