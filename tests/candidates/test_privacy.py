"""Export, erasure and the retention schedule: what a candidate's data rights promise."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent
from candidates.models import Answer, Candidate, CandidateInterview, RetentionTally
from candidates.services import privacy
from tests import factories
from uploads.models import Upload
from webhooks.models import Event
from webhooks.services import candidate_interview_changed

pytestmark = pytest.mark.django_db

MARKERS = ("Zebulon", "Quillfeather", "zebulon.q@example.org", "+14155550199")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_TEMP_DIR = tmp_path / "partial"
    settings.UPLOAD_TEMP_DIR.mkdir()


def _person(team, **kwargs):
    """A candidate with everything Panelist can hold about them: answers with a recording,
    a transcript, an AI evaluation, a scorecard, a comment, a webhook event, an audit event,
    an import row and a self-identification."""
    candidate = factories.CandidateFactory(
        team=team,
        first_name="Zebulon",
        last_name="Quillfeather",
        email="zebulon.q@example.org",
        phone="+14155550199",
        **kwargs,
    )
    invite = factories.CandidateInterviewFactory(
        team=team,
        candidate=candidate,
        status=CandidateInterview.Status.COMPLETED,
        completed_at=timezone.now(),
        decision="advance",
    )
    answer = factories.AnswerFactory(candidate_interview=invite, text="Zebulon here, hello")
    answer.media.save("zq.webm", ContentFile(b"recording-bytes"), save=True)
    factories.TurnFactory(candidate_interview=invite, answer=answer, content="I am Zebulon")
    evaluation = factories.EvaluationFactory(candidate_interview=invite, answer=answer)
    factories.CriterionScoreFactory(evaluation=evaluation, evidence="I am Zebulon")
    factories.RatingFactory(scorecard=factories.ScorecardFactory(candidate_interview=invite))
    factories.CommentFactory(candidate_interview=invite, body="Zebulon was great")
    factories.SelfIdentificationFactory(candidate_interview=invite, sex="female")
    factories.ImportJobFactory(
        team=team,
        rows=[
            {"first_name": "Zebulon", "email": "zebulon.q@example.org"},
            {"first_name": "Ada", "email": "ada@example.org"},
        ],
    )
    candidate_interview_changed(invite=invite)
    audit_record(action="candidate.exported", team=team, obj=candidate)
    upload = Upload.objects.create(
        candidate_interview=invite,
        partial_path="zq.part",
        expires_at=timezone.now() + timedelta(days=1),
    )
    (Path(privacy.settings.UPLOAD_TEMP_DIR) / upload.partial_path).write_bytes(b"part")
    return candidate, invite, answer


def _rows_naming_them() -> list[str]:
    """Every text or JSON value in the database that contains one of the markers."""
    found = []
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        if not fields:
            continue
        for row in model._base_manager.values(*fields):
            text = json.dumps(row, default=str)
            for marker in MARKERS:
                if marker.lower() in text.lower():
                    found.append(f"{model.__name__}: {marker}")
    return found


def test_erasure_leaves_no_file_and_no_row_that_names_them(
    team, owner, django_capture_on_commit_callbacks
):
    candidate, invite, answer = _person(team)
    media_path = Path(answer.media.path)
    partial = Path(privacy.settings.UPLOAD_TEMP_DIR) / "zq.part"
    assert media_path.exists()
    assert partial.exists()
    assert _rows_naming_them()  # the markers are there to be found before
    other = factories.CandidateFactory(team=team, first_name="Ada")

    with django_capture_on_commit_callbacks(execute=True):
        removed = privacy.candidate_erase(candidate=candidate, by=owner)

    assert _rows_naming_them() == []
    assert not media_path.exists()
    assert not partial.exists()
    assert not list(Path(privacy.settings.MEDIA_ROOT).rglob("*.webm"))
    assert removed["invites"] == 1
    assert removed["files"] == 2
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    assert Candidate.objects.filter(pk=other.pk).exists()
    assert not Event.objects.filter(payload__id=str(invite.pk)).exists()
    event = AuditEvent.objects.get(action="candidate.erased")
    assert event.actor == owner
    assert event.data["candidateId"] == str(candidate.pk)
    tally = RetentionTally.objects.get()
    assert (tally.invites, tally.completed, tally.advanced, tally.reason) == (1, 1, 1, "erasure")


def test_a_failed_erasure_keeps_the_files(team, monkeypatch, django_capture_on_commit_callbacks):
    candidate, _invite, answer = _person(team)

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(privacy, "audit_record", explode)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        privacy.candidate_erase(candidate=candidate, by=None)
    assert Path(answer.media.path).exists()
    assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_the_export_holds_their_data_and_recordings(team, owner):
    candidate, invite, _answer = _person(team)
    archive = zipfile.ZipFile(io.BytesIO(privacy.candidate_export(candidate=candidate, by=owner)))
    data = json.loads(archive.read("candidate.json"))
    assert data["candidate"]["email"] == "zebulon.q@example.org"
    [interview] = data["interviews"]
    assert interview["id"] == str(invite.pk)
    assert interview["answers"][0]["text"] == "Zebulon here, hello"
    assert interview["transcript"][0]["content"] == "I am Zebulon"
    assert interview["aiEvaluations"][0]["criteria"][0]["evidence"] == "I am Zebulon"
    # Self-identification is kept apart: not even the export shows it to the team.
    assert "selfIdentification" not in interview
    assert "female" not in archive.read("candidate.json").decode()
    assert archive.read(interview["answers"][0]["media"]) == b"recording-bytes"
    assert AuditEvent.objects.filter(action="candidate.exported", actor=owner).exists()


def _age(candidate: Candidate, days: int) -> None:
    past = timezone.now() - timedelta(days=days)
    Candidate.objects.filter(pk=candidate.pk).update(last_activity_at=past)
    CandidateInterview.objects.filter(candidate=candidate).update(updated_at=past)


def test_retention_deletes_exactly_what_is_expired_and_a_second_run_changes_nothing(
    team, other_team, django_capture_on_commit_callbacks
):
    team.retention_months = 12
    team.save()
    expired, _invite, answer = _person(team)
    _age(expired, 400)
    recent = factories.CandidateFactory(team=team)
    _age(recent, 300)
    fresh_invite = factories.CandidateInterviewFactory(team=team)
    _age(fresh_invite.candidate, 400)
    # An old candidate whose invite moved recently is still active.
    CandidateInterview.objects.filter(pk=fresh_invite.pk).update(updated_at=timezone.now())
    elsewhere = factories.CandidateFactory(team=other_team)  # 24 months by default
    _age(elsewhere, 400)

    with django_capture_on_commit_callbacks(execute=True):
        report = privacy.retention_run()

    assert report.candidates == 1
    assert not Candidate.objects.filter(pk=expired.pk).exists()
    assert not Path(answer.media.path).exists()
    assert set(Candidate.objects.values_list("pk", flat=True)) == {
        recent.pk,
        fresh_invite.candidate_id,
        elsewhere.pk,
    }
    assert AuditEvent.objects.filter(action="candidate.retention_deleted").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        again = privacy.retention_run()
    assert (again.candidates, again.media) == (0, 0)
    assert AuditEvent.objects.filter(action="candidate.retention_deleted").count() == 1


def test_media_retention_removes_recordings_and_keeps_the_rest(
    team, django_capture_on_commit_callbacks
):
    team.media_retention_months = 3
    team.save()
    candidate, _invite, answer = _person(team)
    _age(candidate, 120)
    path = Path(answer.media.path)

    with django_capture_on_commit_callbacks(execute=True):
        report = privacy.retention_run()

    assert (report.candidates, report.media) == (0, 1)
    assert not path.exists()
    answer.refresh_from_db()
    assert not answer.media
    assert answer.text == "Zebulon here, hello"
    assert privacy.retention_run().media == 0


def test_the_preview_lists_who_goes_in_the_next_30_days(team):
    team.retention_months = 12
    team.save()
    soon = factories.CandidateFactory(team=team)
    _age(soon, 360)  # due in about 5 days
    later = factories.CandidateFactory(team=team)
    _age(later, 200)
    preview = privacy.retention_preview(team=team)
    assert preview.candidate_count == 1
    assert [c.pk for c in preview.candidates] == [soon.pk]


def test_answers_of_erased_candidates_are_gone(team):
    candidate, _invite, _answer = _person(team)
    privacy.candidate_erase(candidate=candidate, by=None)
    assert Answer.objects.count() == 0
