"""The upload server honours an invite's accommodation: the extra retakes, and the longer (or
untimed) answer time in its duration check."""

from __future__ import annotations

import pytest

from candidates.models import Answer
from candidates.services.accommodations import accommodation_set
from tests.uploads.conftest import webm_audio
from tests.uploads.test_verify import create, send
from uploads.models import Upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(client, invite):
    session = client.session
    session["invite_id"] = str(invite.pk)
    session.save()
    return client


def test_no_retake_is_left_without_an_accommodation(candidate, invite, question):
    invite.interview.retakes_allowed = 0
    invite.interview.save()
    assert send(candidate, question, webm_audio(1.0)).status_code == 204

    refused = create(candidate, 100, question=str(question.pk))

    assert refused.status_code == 403
    assert "no retakes are left" in refused.content.decode()


def test_an_extra_retake_lets_the_answer_be_recorded_once_more(candidate, invite, question):
    invite.interview.retakes_allowed = 0
    invite.interview.save()
    accommodation_set(invite=invite, by=None, extra_retakes=1)
    assert send(candidate, question, webm_audio(1.0)).status_code == 204

    assert send(candidate, question, webm_audio(1.2)).status_code == 204

    answer = Answer.objects.get(candidate_interview=invite, interview_question=question)
    assert answer.retakes_used == 1
    assert create(candidate, 100, question=str(question.pk)).status_code == 403


def test_more_time_lets_a_longer_recording_through(candidate, invite, question, settings):
    settings.UPLOAD_DURATION_SLACK_SECONDS = 0
    question.answer_time_seconds = None
    question.save()
    invite.interview.answer_time_seconds = 1
    invite.interview.save()
    assert send(candidate, question, webm_audio(seconds=1.5)).status_code == 422

    accommodation_set(invite=invite, by=None, time="2")

    assert send(candidate, question, webm_audio(seconds=1.5)).status_code == 204
    assert Upload.objects.filter(status=Upload.Status.VERIFIED).count() == 1


def test_untimed_lets_a_recording_past_the_answer_time_through(
    candidate, invite, question, settings
):
    settings.UPLOAD_DURATION_SLACK_SECONDS = 0
    question.answer_time_seconds = None
    question.save()
    invite.interview.answer_time_seconds = 1
    invite.interview.save()
    accommodation_set(invite=invite, by=None, time="untimed")

    assert send(candidate, question, webm_audio(seconds=2.5)).status_code == 204
