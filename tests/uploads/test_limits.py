"""One candidate link cannot fill the disk: a few unfinished uploads per answer, a bounded
number of bytes in flight per invite, each refused with a 429 the runner explains; an idle
upload is superseded by a newer one of the same answer, and an expired one counts no more.

Against the real tus endpoints on a live server."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from tests.factories import InterviewQuestionFactory
from tests.uploads.test_tus_protocol import TUS, cookie, create, created, head, patch, upload_of
from uploads.models import Upload
from uploads.services import encode_metadata

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024


@pytest.fixture
def limits(settings):
    settings.UPLOAD_MAX_SIZE = 10 * MB
    settings.UPLOAD_OPEN_PER_ANSWER = 2
    settings.UPLOAD_IN_FLIGHT_MAX = 20 * MB
    return settings


def test_sixty_uploads_of_one_answer_open_only_two(live_server, session_key, question, limits):
    statuses = [create(live_server, session_key, question, 10 * MB).status_code for _ in range(60)]
    assert statuses[:2] == [201, 201]
    assert set(statuses[2:]) == {429}
    assert Upload.objects.filter(status=Upload.Status.RECEIVING).count() == 2
    refused = create(live_server, session_key, question, 10 * MB)
    assert refused.headers["Retry-After"]
    assert "already has uploads in progress" in refused.text


def test_bytes_in_flight_are_limited_per_invite(live_server, session_key, question, limits):
    second = InterviewQuestionFactory(interview=question.interview)
    third = InterviewQuestionFactory(interview=question.interview)
    created(live_server, session_key, question, 10 * MB)
    created(live_server, session_key, second, 10 * MB)
    refused = create(live_server, session_key, third, 1)
    assert refused.status_code == 429
    assert "Too much is being uploaded for this interview at once (the limit is 20 MB)" in (
        refused.text
    )


def test_a_deferred_upload_is_counted_by_the_bytes_it_sends(
    live_server, session_key, question, limits
):
    limits.UPLOAD_IN_FLIGHT_MAX = 1000
    second = InterviewQuestionFactory(interview=question.interview)
    first = created(live_server, session_key, question, 600)
    deferred = requests.post(
        f"{live_server.url}/uploads/",
        headers={
            **TUS,
            **cookie(session_key),
            "Upload-Defer-Length": "1",
            "Upload-Metadata": encode_metadata({"question": str(second.pk), "attempt": "1"}),
        },
        timeout=10,
    )
    assert deferred.status_code == 201
    url = deferred.headers["Location"]
    assert patch(url, session_key, b"x" * 400, 0).status_code == 204
    refused = patch(url, session_key, b"x" * 1, 400)
    assert refused.status_code == 429
    assert upload_of(url).offset == 400  # nothing of the refused body was written
    # Once the first upload is stopped, its bytes no longer count.
    requests.delete(first, headers={**TUS, **cookie(session_key)}, timeout=10)
    assert patch(url, session_key, b"x" * 1, 400).status_code == 204


def test_an_idle_upload_is_superseded_by_a_new_one_of_the_same_answer(
    live_server, session_key, question, limits
):
    old = created(live_server, session_key, question, 10 * MB)
    created(live_server, session_key, question, 10 * MB)
    assert create(live_server, session_key, question, 10 * MB).status_code == 429
    Upload.objects.filter(pk=upload_of(old).pk).update(
        updated_at=timezone.now() - timedelta(minutes=2)
    )
    assert create(live_server, session_key, question, 10 * MB).status_code == 201
    superseded = upload_of(old)
    assert superseded.status == Upload.Status.TERMINATED
    assert superseded.rejection_reason == "Superseded by a newer upload of the same answer."
    assert not superseded.partial_file.exists()
    assert head(old, session_key).status_code == 410


def test_an_expired_upload_counts_no_more(live_server, session_key, question, limits):
    first = created(live_server, session_key, question, 10 * MB)
    created(live_server, session_key, question, 10 * MB)
    Upload.objects.filter(pk=upload_of(first).pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert create(live_server, session_key, question, 10 * MB).status_code == 201
