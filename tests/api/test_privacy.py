"""``GET /candidates/{id}/export`` and ``DELETE /candidates/{id}`` (erasure)."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from accounts.models import AuditEvent
from candidates.models import Answer, Candidate, CandidateInterview
from tests import factories

pytestmark = pytest.mark.django_db
BASE = "/qsi/gather"


@pytest.fixture
def person(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    candidate = factories.CandidateFactory(team=team, email="ines@example.org")
    invite = factories.CandidateInterviewFactory(team=team, candidate=candidate)
    answer = factories.AnswerFactory(candidate_interview=invite, text="My answer")
    answer.media.save("a.webm", ContentFile(b"webm-bytes"), save=True)
    return candidate


def test_export_answers_a_zip_with_their_data_and_recordings(api, person):
    response = api.get(f"{BASE}/candidates/{person.pk}/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("candidate.json"))
    assert data["candidate"]["email"] == "ines@example.org"
    media = data["interviews"][0]["answers"][0]["media"]
    assert archive.read(media) == b"webm-bytes"
    event = AuditEvent.objects.get(action="candidate.exported")
    assert event.actor_label  # the key's creator


def test_delete_erases_the_candidate_and_their_files(
    api, person, django_capture_on_commit_callbacks
):
    path = Path(Answer.objects.get().media.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"{BASE}/candidates/{person.pk}")
    assert response.status_code == 200
    body = response.json()["data"]["candidate"]
    assert body["erased"] is True
    assert body["invites"] == 1
    assert body["files"] == 1
    assert not Candidate.objects.filter(pk=person.pk).exists()
    assert not CandidateInterview.objects.exists()
    assert not path.exists()
    assert AuditEvent.objects.filter(action="candidate.erased").count() == 1
    assert api.get(f"{BASE}/candidates/{person.pk}").status_code == 404


def test_another_teams_candidate_is_a_404_and_untouched(api, other_team):
    stranger = factories.CandidateFactory(team=other_team)
    assert api.get(f"{BASE}/candidates/{stranger.pk}/export").status_code == 404
    assert api.delete(f"{BASE}/candidates/{stranger.pk}").status_code == 404
    assert Candidate.objects.filter(pk=stranger.pk).exists()


def test_erasure_needs_the_write_scope_and_export_the_read_scope(make_key, person):
    from rest_framework.test import APIClient

    reader = APIClient()
    reader.credentials(HTTP_X_API_KEY=make_key(scopes=["candidates:read"]))
    response = reader.delete(f"{BASE}/candidates/{person.pk}")
    assert response.status_code == 403
    assert "candidates:write" in response.json()["detail"]
    assert Candidate.objects.filter(pk=person.pk).exists()
    nobody = APIClient()
    nobody.credentials(HTTP_X_API_KEY=make_key(scopes=["interviews:read"]))
    assert nobody.get(f"{BASE}/candidates/{person.pk}/export").status_code == 403
