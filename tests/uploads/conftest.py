"""Fixtures for the upload tests: an invite with a recorded question, a candidate signed in
to it, and recordings made with PyAV in the formats browsers' MediaRecorder writes."""

from __future__ import annotations

import io
import math
import struct

import av
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from tests.factories import CandidateInterviewFactory, InterviewQuestionFactory
from tests.speech.media_helpers import tone

RATE = 48_000


@pytest.fixture(autouse=True)
def _upload_dirs(settings, tmp_path):
    """Partial files and stored recordings under the test's own folder."""
    settings.UPLOAD_TEMP_DIR = tmp_path / "partial"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture
def question(db):
    return InterviewQuestionFactory(interview__answer_time_seconds=60)


@pytest.fixture
def invite(question):
    return CandidateInterviewFactory(interview=question.interview, consented_at=timezone.now())


def sign_in(invite) -> str:
    """A candidate session for ``invite``, as the runner makes it; returns the session key."""
    session = SessionStore()
    session["invite_id"] = str(invite.pk)
    session.save()
    assert session.session_key is not None
    return session.session_key


@pytest.fixture
def session_key(invite) -> str:
    return sign_in(invite)


def webm_audio(seconds: float = 1.5) -> bytes:
    """Opus in WebM written as MediaRecorder does: live, with no duration in the header."""
    return tone("webm", "libopus", seconds=seconds, layout="mono", options={"live": "1"})


def webm_video(seconds: float = 1.5, fps: int = 15) -> bytes:
    """VP8 picture and Opus sound in WebM, like a camera recording."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm", options={"live": "1"}) as output:
        video = output.add_stream("libvpx", rate=fps)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio = output.add_stream("libopus", rate=RATE, layout="mono")
        for index in range(int(seconds * fps)):
            picture = av.VideoFrame(160, 120, "yuv420p")
            for plane in picture.planes:
                plane.update(bytes([(index * 8) % 256]) * plane.buffer_size)
            picture.pts = index
            output.mux(video.encode(picture))
        output.mux(video.encode(None))
        step = 960
        for start in range(0, int(seconds * RATE), step):
            pcm = b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (start + i) / RATE)))
                for i in range(step)
            )
            frame = av.AudioFrame(format="s16", layout="mono", samples=step)
            frame.planes[0].update(pcm)
            frame.sample_rate = RATE
            frame.pts = start
            output.mux(audio.encode(frame))
        output.mux(audio.encode(None))
    return buffer.getvalue()
