"""Recordings that seek and play anywhere: the pipeline's remux step, the rendition views and
the player partial."""

from __future__ import annotations

import io

import av
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidates.models import Answer, CandidateInterview
from candidates.recordings import answer_recording_prepare
from candidates.services.privacy import candidate_erase, retention_run
from candidates.services.processing import answer_process, answer_process_enqueue
from candidates.services.share import share_link_create
from candidates.templatetags.recordings import clock
from tests.candidates.recording_helpers import browser_webm
from tests.factories import (
    AnswerFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    InterviewQuestionFactory,
)

pytestmark = pytest.mark.django_db

CUES = b"\x1c\x53\xbb\x6b"  # the Matroska Cues element's ID


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Backend Engineer")


def _recorded(interview, data, *, video=False, seconds_allowed=120):
    invite = CandidateInterviewFactory(
        interview=interview,
        status=CandidateInterview.Status.COMPLETED,
        completed_at=timezone.now(),
    )
    item = InterviewQuestionFactory(interview=interview, answer_time_seconds=seconds_allowed)
    answer = AnswerFactory(
        candidate_interview=invite,
        interview_question=item,
        text="",
        media_type="video/webm" if video else "audio/webm",
    )
    answer.media.save("answer.webm", ContentFile(data))
    return answer


def _read(name):
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _seconds(container):
    """The duration a container's header gives (none in a live-stream WebM)."""
    assert container.duration is not None
    return container.duration / av.time_base


def _decoded_seconds(data, kind):
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0] if kind == "audio" else container.streams.video[0]
        frames = list(container.decode(stream))
        return stream.codec_context.name, frames


def test_a_browser_recording_has_no_duration_to_begin_with():
    with av.open(io.BytesIO(browser_webm(2.0))) as container:
        assert not container.duration
    assert CUES not in browser_webm(2.0)


def test_it_gives_a_sound_recording_a_duration_cues_and_an_m4a(
    interview, django_capture_on_commit_callbacks
):
    answer = _recorded(interview, browser_webm(3.0))
    original = answer.media.name

    with django_capture_on_commit_callbacks(execute=True):
        processed = answer_process(answer_id=answer.pk)

    assert processed.status == Answer.Status.PROCESSED, processed.processing
    assert processed.processing["remux"]["status"] == "done"
    assert processed.media.name == original  # the recording as uploaded stays, as it was
    assert _read(original) == _read(answer.media.name)
    assert processed.playback.name.endswith("-s.webm")
    remuxed = _read(processed.playback.name)
    assert CUES in remuxed
    with av.open(io.BytesIO(remuxed)) as container:
        assert _seconds(container) == pytest.approx(3.0, abs=0.2)
        container.seek(int(2.0 * av.time_base))
        packet = next(p for p in container.demux(audio=0) if p.pts is not None)
        pts, time_base = packet.pts, packet.time_base
        assert pts is not None
        assert time_base is not None
        assert float(pts * time_base) == pytest.approx(2.0, abs=0.2)
    assert processed.duration_seconds == pytest.approx(3.0, abs=0.2)
    assert processed.rendition.name.endswith(".m4a")
    assert processed.rendition_type.startswith("audio/mp4")
    codec, frames = _decoded_seconds(_read(processed.rendition.name), "audio")
    assert codec == "aac"
    heard = sum(f.samples for f in frames) / frames[0].sample_rate
    assert heard == pytest.approx(3.0, abs=0.2)
    with av.open(io.BytesIO(_read(processed.rendition.name))) as container:
        assert _seconds(container) == pytest.approx(3.0, abs=0.2)


def test_it_gives_a_video_recording_an_h264_mp4_safari_plays(interview):
    answer = _recorded(interview, browser_webm(2.0, video=True), video=True)

    processed = answer_process(answer_id=answer.pk)

    assert processed.processing["remux"]["status"] == "done", processed.processing
    with av.open(io.BytesIO(_read(processed.playback.name))) as container:
        assert _seconds(container) == pytest.approx(2.0, abs=0.2)
        assert {s.codec_context.name for s in container.streams} == {"opus", "vp8"}
    assert processed.rendition.name.endswith(".mp4")
    assert processed.rendition_type.startswith("video/mp4")
    rendition = _read(processed.rendition.name)
    codec, pictures = _decoded_seconds(rendition, "video")
    assert codec == "h264"
    assert len(pictures) == pytest.approx(60, abs=3)
    assert (pictures[0].width, pictures[0].height) == (320, 240)
    assert _decoded_seconds(rendition, "audio")[0] == "aac"
    with av.open(io.BytesIO(rendition)) as container:
        assert _seconds(container) == pytest.approx(2.0, abs=0.2)


def test_a_tall_picture_is_scaled_to_720_lines(interview):
    answer = _recorded(interview, browser_webm(1.0, video=True, size=(1280, 960)), video=True)
    prepared = answer_recording_prepare(answer=answer)
    codec, pictures = _decoded_seconds(_read(prepared.rendition.name), "video")
    assert (codec, pictures[0].width, pictures[0].height) == ("h264", 960, 720)
    assert prepared.rendition_type.startswith('video/mp4; codecs="avc1.64')  # High profile


def test_chromes_h264_in_matroska_is_copied_not_encoded(interview):
    answer = _recorded(interview, browser_webm(2.0, h264=True), video=True)
    prepared = answer_recording_prepare(answer=answer)
    assert prepared.playback.name.endswith("-s.mkv")
    with av.open(io.BytesIO(_read(prepared.playback.name))) as container:
        assert _seconds(container) == pytest.approx(2.0, abs=0.2)
    rendition = _read(prepared.rendition.name)
    with av.open(io.BytesIO(rendition)) as container:
        assert _seconds(container) == pytest.approx(2.0, abs=0.2)
        copied = [p.size for p in container.demux(video=0) if p.size]
    with av.open(io.BytesIO(_read(prepared.media.name))) as container:
        original = [p.size for p in container.demux(video=0) if p.size]
    assert copied == original  # the very same pictures
    assert _decoded_seconds(rendition, "audio")[0] == "aac"


def test_running_it_twice_changes_nothing(interview):
    answer = _recorded(interview, browser_webm(1.5))
    first = answer_recording_prepare(answer=Answer.objects.get(pk=answer.pk))
    names = (first.media.name, first.playback.name, first.rendition.name)
    again = answer_recording_prepare(answer=Answer.objects.get(pk=answer.pk))
    assert (again.media.name, again.playback.name, again.rendition.name) == names
    assert all(default_storage.exists(name) for name in names)
    assert again.duration_seconds == pytest.approx(1.5, abs=0.2)
    assert len(default_storage.listdir(names[0].rsplit("/", 1)[0])[1]) == 3


def test_a_recording_over_the_limit_is_kept_as_uploaded_and_still_transcribed(interview, settings):
    settings.UPLOAD_DURATION_SLACK_SECONDS = 0
    answer = _recorded(interview, browser_webm(3.0), seconds_allowed=1)
    original = answer.media.name

    processed = answer_process(answer_id=answer.pk)

    assert processed.status == Answer.Status.PROCESSED, processed.processing
    step = processed.processing["remux"]
    assert step["status"] == "skipped"
    assert "limit" in step["error"]
    assert processed.processing["transcribe"]["status"] == "done"
    assert processed.media.name == original
    assert default_storage.exists(original)
    assert not processed.playback
    assert not processed.rendition


def test_a_damaged_recording_skips_the_remux_and_fails_in_transcription(interview):
    answer = _recorded(interview, b"not a recording at all")
    processed = answer_process(answer_id=answer.pk)
    assert processed.processing["remux"]["status"] == "skipped"
    assert processed.processing["transcribe"]["status"] == "failed"
    assert default_storage.exists(processed.media.name)


def test_a_retake_forgets_the_old_rendition(interview, django_capture_on_commit_callbacks):
    answer = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    copies = [answer.playback.name, answer.rendition.name]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer_process_enqueue(answer=answer)
    callbacks[0]()  # the first deletes the old copies (the second queues the task)
    answer.refresh_from_db()
    assert not answer.playback
    assert not answer.rendition
    assert not answer.rendition_type
    assert not any(default_storage.exists(name) for name in copies)
    assert default_storage.exists(answer.media.name)


def test_erasure_and_media_retention_delete_the_rendition(
    interview, team, django_capture_on_commit_callbacks
):
    answer = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    files = [answer.media.name, answer.playback.name, answer.rendition.name]
    with django_capture_on_commit_callbacks(execute=True):
        candidate_erase(candidate=answer.candidate_interview.candidate, by=None)
    assert not any(default_storage.exists(name) for name in files)

    kept = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    files = [kept.media.name, kept.playback.name, kept.rendition.name]
    team.media_retention_months = 1
    team.save()
    Answer.objects.filter(pk=kept.pk).update(created_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        retention_run(now=timezone.now() + timezone.timedelta(days=400))
    kept.refresh_from_db()
    assert not kept.media
    assert not kept.playback
    assert not kept.rendition
    assert not any(default_storage.exists(name) for name in files)


# ---------------------------------------------------------------- views


def _rendition_url(answer):
    return reverse("candidates:answer_rendition", args=[answer.candidate_interview_id, answer.pk])


def test_the_rendition_is_served_with_ranges(login, recruiter, interview):
    answer = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    client = login(recruiter)
    whole = client.get(_rendition_url(answer))
    assert whole.status_code == 200
    assert whole["Content-Type"] == "audio/mp4"
    assert whole["Accept-Ranges"] == "bytes"
    partial = client.get(_rendition_url(answer), headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 0-99/{answer.rendition.size}"
    assert b"".join(partial.streaming_content) == _read(answer.rendition.name)[:100]


def test_the_recording_view_serves_the_seekable_copy(login, recruiter, interview):
    answer = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    url = reverse("candidates:answer_media", args=[answer.candidate_interview_id, answer.pk])
    response = login(recruiter).get(url, headers={"Range": "bytes=0-"})
    assert response.status_code == 206
    assert response["Content-Type"] == "audio/webm"
    assert b"".join(response.streaming_content) == _read(answer.playback.name)


def test_the_rendition_needs_login(client, interview):
    answer = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    response = client.get(_rendition_url(answer))
    assert response.status_code == 302


def test_another_teams_rendition_is_404(login, outsider, interview):
    answer = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    assert login(outsider).get(_rendition_url(answer)).status_code == 404


def test_an_answer_without_a_rendition_is_404(login, recruiter, interview):
    answer = _recorded(interview, browser_webm(1.0))
    assert login(recruiter).get(_rendition_url(answer)).status_code == 404


def test_the_share_link_serves_the_rendition_of_shared_answers_only(interview, recruiter, login):
    shared = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    other = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    _link, token = share_link_create(
        interview=interview, invites=[shared.candidate_interview], by=recruiter
    )
    browser = Client()
    url = reverse("candidates:share_rendition", args=[token, shared.pk])
    partial = browser.get(url, headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206
    assert partial["Content-Type"] == "audio/mp4"
    missing = reverse("candidates:share_rendition", args=[token, other.pk])
    assert browser.get(missing).status_code == 404
    page = browser.get(reverse("candidates:share_public", args=[token])).content.decode()
    assert f'<source src="{url}" type="audio/mp4; codecs=&quot;mp4a.40.2&quot;">' in page


# ---------------------------------------------------------------- the player


def test_the_review_player_offers_both_sources_the_length_and_speeds(login, recruiter, interview):
    answer = answer_recording_prepare(answer=_recorded(interview, browser_webm(1.0)))
    Answer.objects.filter(pk=answer.pk).update(duration_seconds=83.4)
    invite = answer.candidate_interview
    html = login(recruiter).get(reverse("candidates:invite_review", args=[invite.pk])).text
    media = reverse("candidates:answer_media", args=[invite.pk, answer.pk])
    assert 'preload="metadata"' in html
    assert f'<source src="{media}" type="audio/webm">' in html
    assert f'<source src="{_rendition_url(answer)}" type="audio/mp4;' in html
    assert '<time datetime="PT83S">1:23</time>' in html
    for rate in ("0.75", "1", "1.25", "1.5", "2"):
        assert f'data-rate="{rate}"' in html
    assert "js/player.js" in html
    assert "data-review-media" in html


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0:00"),
        (59.6, "0:59"),
        (3.98, "0:04"),
        (83.9, "1:23"),
        (3725, "1:02:05"),
        (None, ""),
        ("x", ""),
    ],
)
def test_the_clock_shows_minutes_and_seconds(seconds, shown):
    assert clock(seconds) == shown
