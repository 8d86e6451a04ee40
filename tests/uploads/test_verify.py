"""The content check of finished uploads, the answer they record, and the sweep."""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from candidates.models import Answer, CandidateInterview
from speech.media import MediaError, probe_recording
from tests.factories import AnswerFactory
from tests.speech.media_helpers import silent_video, tone
from tests.uploads.conftest import webm_audio, webm_video
from uploads import services
from uploads.models import Upload

pytestmark = pytest.mark.django_db

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


@pytest.fixture
def candidate(client, invite):
    """The test client signed in to ``invite`` as the runner does it."""
    session = client.session
    session["invite_id"] = str(invite.pk)
    session.save()
    return client


def create(client, length: int, **metadata: str):
    """A tus creation request: an empty POST (the test client's post() would send a form)."""
    return client.generic(
        "POST",
        "/uploads/",
        b"",
        headers={
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": services.encode_metadata(metadata),
        },
    )


def send(client, question, data: bytes, *, attempt: int = 1):
    """Create an upload and send all of ``data`` in one PATCH; the PATCH's response."""
    created = create(client, len(data), question=str(question.pk), attempt=str(attempt))
    assert created.status_code == 201, created.content
    return client.generic(
        "PATCH",
        created["Location"],
        data,
        content_type=OCTETS,
        headers={**TUS, "Upload-Offset": "0"},
    )


def write(tmp_path, data: bytes):
    path = tmp_path / "recording.part"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "extension", "content_type", "video_codec"),
    [
        (webm_audio(), "webm", "audio/webm", ""),
        (webm_video(), "webm", "video/webm", "vp8"),
        (tone("mp4", "aac"), "mp4", "audio/mp4", ""),
        (tone("ogg", "libopus"), "ogg", "audio/ogg", ""),
    ],
    ids=["webm-audio", "webm-video", "mp4", "ogg"],
)
def test_it_recognises_browser_recordings_by_content(
    tmp_path, data, extension, content_type, video_codec
):
    info = probe_recording(write(tmp_path, data))

    assert (info.extension, info.content_type, info.video_codec) == (
        extension,
        content_type,
        video_codec,
    )
    assert info.duration == pytest.approx(1.5, abs=0.1)
    assert info.has_video is bool(video_codec)
    assert info.size == len(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"Dear hiring manager,\n" * 100, "not a recording"),
        (tone("wav", "pcm_s16le"), "WebM, MP4 or Ogg"),
        (silent_video(), "no sound"),
        (webm_audio(seconds=0.2), "too short"),
        (webm_audio()[:300], "not a recording"),
    ],
    ids=["empty", "text", "wav", "no-sound", "too-short", "truncated"],
)
def test_it_refuses_what_is_not_a_usable_recording(tmp_path, data, reason):
    with pytest.raises(MediaError, match=reason):
        probe_recording(write(tmp_path, data))


def test_it_refuses_a_recording_longer_than_allowed(tmp_path):
    with pytest.raises(MediaError, match="lasts 0:02; the limit is 0:01"):
        probe_recording(write(tmp_path, webm_audio(seconds=1.5)), max_seconds=1)


def test_a_recording_over_the_answer_time_is_rejected_with_its_reason(
    candidate, invite, question, settings
):
    settings.UPLOAD_DURATION_SLACK_SECONDS = 0
    question.answer_time_seconds = 1
    question.save()

    response = send(candidate, question, webm_audio(seconds=1.5))

    assert response.status_code == 422
    assert "the limit is 0:01" in response.content.decode()
    assert Upload.objects.get().status == Upload.Status.REJECTED
    assert not Answer.objects.filter(candidate_interview=invite).exists()


def test_a_retake_replaces_the_answers_recording(
    candidate, invite, question, django_capture_on_commit_callbacks
):
    earlier = AnswerFactory(candidate_interview=invite, interview_question=question, text="")
    earlier.media.save("old.webm", ContentFile(b"old"), save=True)
    old_name = earlier.media.name
    data = webm_audio(seconds=2.0)

    with django_capture_on_commit_callbacks(execute=True):
        response = send(candidate, question, data)

    assert response.status_code == 204
    answer = Answer.objects.get(pk=earlier.pk)
    assert answer.media.name == f"answers/{invite.pk}/{question.pk}-1.webm"
    assert answer.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert answer.status == Answer.Status.PROCESSED  # eager Celery ran the pipeline
    assert not default_storage.exists(old_name)
    with default_storage.open(answer.media.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_each_attempt_gets_its_own_answer(candidate, invite, question):
    invite.interview.attempts_allowed = 2
    invite.interview.save()

    assert send(candidate, question, webm_audio(), attempt=1).status_code == 204
    assert send(candidate, question, webm_audio(), attempt=2).status_code == 204

    names = sorted(
        Answer.objects.filter(candidate_interview=invite).values_list("media", flat=True)
    )
    assert names == [
        f"answers/{invite.pk}/{question.pk}-1.webm",
        f"answers/{invite.pk}/{question.pk}-2.webm",
    ]


def test_an_attempt_the_interview_does_not_allow_is_refused(candidate, question):
    response = create(candidate, 10, question=str(question.pk), attempt="2")

    assert response.status_code == 400


def test_an_invite_that_no_longer_accepts_answers_cannot_upload(candidate, invite, question):
    CandidateInterview.objects.filter(pk=invite.pk).update(
        status=CandidateInterview.Status.COMPLETED, completed_at=timezone.now()
    )
    response = create(candidate, 10, question=str(question.pk))

    assert response.status_code == 403
    assert not Upload.objects.exists()


def test_an_upload_without_an_invite_is_stored_but_records_no_answer():
    data = webm_audio()
    upload = services.upload_create(owner=None, length=len(data), metadata={})

    services.upload_append(upload=upload, offset=0, chunks=[data], declared_length=len(data))

    upload.refresh_from_db()
    assert upload.status == Upload.Status.VERIFIED
    assert upload.stored_name == f"uploads/{upload.pk}.webm"
    assert default_storage.exists(upload.stored_name)
    assert not Answer.objects.exists()


def test_the_sweep_checks_again_an_upload_whose_check_was_cut_short(invite, question):
    data = webm_audio()
    upload = services.upload_create(
        owner=invite, length=len(data), metadata={"question": str(question.pk)}
    )
    upload.partial_file.write_bytes(data)
    Upload.objects.filter(pk=upload.pk).update(
        offset=len(data),
        status=Upload.Status.COMPLETE,
        completed_at=timezone.now() - timedelta(hours=1),
    )

    counts = services.uploads_cleanup()

    assert counts["rechecked"] == 1
    assert Upload.objects.get(pk=upload.pk).status == Upload.Status.VERIFIED
    assert Answer.objects.filter(candidate_interview=invite, interview_question=question).exists()


def test_the_sweep_removes_old_partial_files_nothing_receives_into(invite, question, settings):
    upload = services.upload_create(
        owner=invite, length=10, metadata={"question": str(question.pk)}
    )
    orphan = settings.UPLOAD_TEMP_DIR / "leftover.part"
    orphan.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(orphan, (two_hours_ago, two_hours_ago))
    os.utime(upload.partial_file, (two_hours_ago, two_hours_ago))

    counts = services.uploads_cleanup()

    assert counts == {"expired": 0, "rechecked": 0, "orphans": 1}
    assert not orphan.exists()
    assert upload.partial_file.exists()  # still receiving, not expired


def test_a_post_may_stand_in_for_delete_with_a_method_override(candidate, question):
    url = create(candidate, 10, question=str(question.pk))["Location"]

    response = candidate.generic(
        "POST", url, b"", headers={**TUS, "X-HTTP-Method-Override": "DELETE"}
    )

    assert response.status_code == 204
    assert Upload.objects.get().status == Upload.Status.TERMINATED


def test_the_sweep_leaves_an_upload_that_is_being_appended_to(invite, question):
    upload = services.upload_create(
        owner=invite, length=10, metadata={"question": str(question.pk)}
    )
    Upload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with upload.partial_file.open("rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        counts = services.uploads_cleanup()

    assert counts["expired"] == 0
    assert upload.partial_file.exists()
    assert services.uploads_cleanup()["expired"] == 1
