"""Signed media links (api.media): ``audioURL`` and ``mediaUrl`` play without a key, expire,
cannot be bent to another object, and stop at once when the media is erased or removed."""

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from accounts.models import Team
from api.media import ANSWER, QUESTION, media_link
from candidates.models import Answer
from candidates.services.privacy import candidate_erase, retention_run
from tests.factories import (
    AnswerFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    InterviewQuestionFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/qsi/gather"
RECORDING = b"\x1aE\xdf\xa3webm-recording-bytes"
MP3 = b"ID3question-audio"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def question(team):
    question = AudioQuestionFactory(team=team, audio_type="tts")
    question.audio_file.save("q.mp3", ContentFile(MP3), save=True)
    return question


def _answer(team, *, media=RECORDING):
    invite = CandidateInterviewFactory(interview=InterviewFactory(team=team))
    answer = AnswerFactory(
        candidate_interview=invite, media_type="audio/webm", duration_seconds=12.5
    )
    answer.media.save("a.webm", ContentFile(media), save=True)
    return answer


@pytest.fixture
def answer(team):
    return _answer(team)


def _play(url, **headers):
    """A browser's request: no key, no session, only the URL (and a Range, if given)."""
    parts = urlsplit(url)
    return Client().get(f"{parts.path}?{parts.query}", headers=headers)


def _signature(url):
    return parse_qs(urlsplit(url).query)["signature"][0]


def _body(response):
    return b"".join(response.streaming_content)


def _answer_json(api, answer):
    invite = api.get(f"{BASE}/candidate-interviews/{answer.candidate_interview_id}")
    assert invite.status_code == 200
    return invite.json()["data"]["candidateInterview"]["answers"][0]


# --- it plays ------------------------------------------------------------------------------


def test_it_plays_a_questions_audio_without_a_key(api, team, question):
    url = api.get(f"{BASE}/questions/{question.pk}").json()["data"]["question"]["audioURL"]
    assert url.startswith(f"http://testserver{BASE}/media/questions/{question.pk}?signature=")
    response = _play(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, no-store"
    assert _body(response) == MP3


def test_an_interviews_questions_carry_the_signed_audio_url(api, team, question):
    interview = InterviewFactory(team=team)
    InterviewQuestionFactory(interview=interview, audio_question=question)
    items = api.get(f"{BASE}/questions/interview/{interview.pk}").json()["data"]["questions"]
    response = _play(items[0]["audioURL"])
    assert response.status_code == 200
    assert _body(response) == MP3


def test_the_keyed_download_still_works(api, anonymous_api, question):
    keyed = f"{BASE}/questions/{question.pk}/audio.mp3"
    response = api.get(keyed)
    assert response.status_code == 200
    assert _body(response) == MP3
    assert anonymous_api.get(keyed).status_code == 401


def test_it_plays_an_answers_recording_without_a_key(api, answer):
    data = _answer_json(api, answer)
    assert data["mediaDurationSeconds"] == 12.5
    assert data["mediaContentType"] == "audio/webm"
    assert data["text"] == "An answer."  # the fields a seed-written client reads are kept
    response = _play(data["mediaUrl"])
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/webm"
    assert _body(response) == RECORDING


def test_an_answer_without_a_recording_has_no_media(api, team):
    invite = CandidateInterviewFactory(interview=InterviewFactory(team=team))
    answer = AnswerFactory(candidate_interview=invite, text="Written")
    data = _answer_json(api, answer)
    assert data["mediaUrl"] is None
    assert data["mediaDurationSeconds"] is None
    assert data["mediaContentType"] is None


def test_it_serves_a_byte_range_so_players_can_seek(api, answer):
    url = _answer_json(api, answer)["mediaUrl"]
    response = _play(url, Range="bytes=4-9")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 4-9/{len(RECORDING)}"
    assert _body(response) == RECORDING[4:10]


# --- it refuses -----------------------------------------------------------------------------


def _signed_at(monkeypatch, moment, kind, pk):
    """A link as it was signed at ``moment`` (a Unix time): the signer's clock, turned back."""
    with monkeypatch.context() as patch:
        patch.setattr(
            signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(moment))
        )
        return media_link(kind, pk)


def test_a_link_expires_after_its_time(monkeypatch, settings, answer):
    ttl = settings.MEDIA_URL_TTL_SECONDS
    assert ttl == 4 * 3600
    fresh = _signed_at(monkeypatch, time.time() - ttl + 60, ANSWER, answer.pk)
    assert _play(fresh).status_code == 200
    stale = _signed_at(monkeypatch, time.time() - ttl - 1, ANSWER, answer.pk)
    response = _play(stale)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "expired" in response.json()["detail"]


def test_a_tampered_link_is_404(answer):
    path = f"{BASE}/media/answers/{answer.pk}"
    stamp, signature = _signature(media_link(ANSWER, answer.pk)).split(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for query in (f"?signature={stamp}:{flipped}", f"?signature={stamp}", "?signature=", ""):
        response = Client().get(path + query)
        assert response.status_code == 404, query
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"].startswith("No media at this link")
        assert RECORDING not in response.content
    assert Client().get(f"{BASE}/media/answers/not-a-uuid").status_code == 404


def test_one_objects_signature_does_not_open_another(answer, other_team):
    theirs = _answer(other_team, media=b"their-recording")
    mine = _signature(media_link(ANSWER, answer.pk))
    swapped = Client().get(f"{BASE}/media/answers/{theirs.pk}", {"signature": mine})
    assert swapped.status_code == 404
    assert b"their-recording" not in swapped.content
    # The kind is signed too: an answer's signature opens no question of the same id, and a
    # question's link with an answer's id finds no question.
    assert (
        Client().get(f"{BASE}/media/questions/{answer.pk}", {"signature": mine}).status_code == 404
    )
    assert _play(media_link(QUESTION, theirs.pk)).status_code == 404
    assert _play(media_link(ANSWER, answer.pk)).status_code == 200


def test_my_key_gets_no_link_to_another_teams_answer(api, other_team):
    theirs = _answer(other_team, media=b"their-recording")
    response = api.get(f"{BASE}/candidate-interviews/{theirs.candidate_interview_id}")
    assert response.status_code == 404
    assert "/media/" not in response.content.decode()


def test_an_erased_answers_link_is_404_at_once(
    api, owner, answer, django_capture_on_commit_callbacks
):
    url = _answer_json(api, answer)["mediaUrl"]
    assert _play(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        candidate_erase(candidate=answer.candidate_interview.candidate, by=owner)
    response = _play(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_recording_removed_by_retention_is_404_at_once(
    api, team, answer, django_capture_on_commit_callbacks
):
    url = _answer_json(api, answer)["mediaUrl"]
    Team.objects.filter(pk=team.pk).update(retention_months=24, media_retention_months=1)
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_run(now=timezone.now() + timedelta(days=60))
    assert report.media == 1
    assert Answer.objects.filter(pk=answer.pk).exists()  # the answer stays, its media not
    assert _play(url).status_code == 404
    assert _answer_json(api, answer)["mediaUrl"] is None


def test_a_file_gone_from_the_disk_is_404(api, answer):
    url = _answer_json(api, answer)["mediaUrl"]
    answer.media.storage.delete(answer.media.name)
    assert _play(url).status_code == 404


def test_it_only_reads(answer):
    parts = urlsplit(media_link(ANSWER, answer.pk))
    url = f"{parts.path}?{parts.query}"
    response = Client().post(url)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert Client().head(url).status_code == 200
