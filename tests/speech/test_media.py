"""Media checks and conversion with PyAV, on real files made in the test."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from speech.media import MediaError, probe, to_mp3, to_wav
from tests.speech.media_helpers import decode, silent_video, tone


@pytest.mark.parametrize(
    ("fmt", "codec", "container"),
    [
        ("webm", "libopus", "matroska,webm"),
        ("mp4", "aac", "mov,mp4,m4a,3gp,3g2,mj2"),
        ("ogg", "libopus", "ogg"),
        ("wav", "pcm_s16le", "wav"),
    ],
)
def test_it_converts_browser_and_phone_audio_to_mono_mp3(fmt, codec, container):
    source = tone(fmt, codec, seconds=1.5)
    info = probe(source)
    assert (info.format, info.has_audio) == (container, True)
    assert info.duration == pytest.approx(1.5, abs=0.05)

    mp3, duration = to_mp3(source)

    assert duration == pytest.approx(1.5, abs=0.05)
    name, rate, channels, decoded = decode(mp3)
    assert (name, rate, channels) == ("mp3", 24_000, 1)
    assert decoded == pytest.approx(1.5, abs=0.1)


def test_it_measures_browser_webm_that_has_no_duration_in_its_header():
    # MediaRecorder writes "live" WebM: no duration, no cues.
    source = tone("webm", "libopus", seconds=2.0, options={"live": "1"})
    assert probe(source).duration == pytest.approx(2.0, abs=0.05)


def test_it_judges_by_content_not_by_file_name(tmp_path):
    disguised = tmp_path / "notes.txt"
    disguised.write_bytes(tone("mp4", "aac"))
    assert probe(disguised).format.startswith("mov,mp4")

    fake = tmp_path / "prompt.mp3"
    fake.write_text("Tell me about yourself.\n" * 50)
    with pytest.raises(MediaError, match="not audio"):
        probe(fake)


def test_it_reads_an_uploaded_file():
    upload = SimpleUploadedFile("answer.webm", tone(), content_type="audio/webm")
    assert probe(upload).codec == "opus"
    _mp3, duration = to_mp3(upload)
    assert duration == pytest.approx(1.5, abs=0.05)


def test_it_refuses_an_empty_file():
    with pytest.raises(MediaError, match="empty"):
        probe(b"")


def test_it_refuses_a_file_over_the_size_limit():
    with pytest.raises(MediaError, match=r"the limit is 1 MB"):
        probe(b"\0" * (1024 * 1024 + 1), max_bytes=1024 * 1024)


def test_it_takes_the_limits_from_settings(settings):
    settings.AUDIO_MAX_SECONDS = 1
    with pytest.raises(MediaError, match=r"lasts 0:02; the limit is 0:01"):
        probe(tone(seconds=2.0))


def test_it_refuses_a_video_without_sound():
    with pytest.raises(MediaError, match="no sound"):
        probe(silent_video())


def test_it_refuses_a_truncated_file():
    with pytest.raises(MediaError):
        probe(tone("mp4", "aac")[:200])


def test_it_makes_wav_from_mp3():
    mp3, _ = to_mp3(tone())
    wav = to_wav(mp3)
    assert wav[:4] == b"RIFF"
    assert probe(wav).duration == pytest.approx(1.5, abs=0.1)
