import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.audit import ACTION_LABELS

ROOT = Path(__file__).resolve().parents[1]


def test_it_has_a_readable_label_for_every_action_the_code_records():
    recorded = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text()
        recorded |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
        recorded |= set(re.findall(r'_audit\(request, "([a-z_]+\.[a-z_]+)"', text))
    assert recorded, "found no audit actions in the code"
    assert recorded - set(ACTION_LABELS) == set()


# --- append-only, filters and export ---------------------------------------------------------


def test_audit_events_cannot_be_changed_or_deleted(team):
    from accounts.audit import audit_record
    from accounts.models import AppendOnly, AuditEvent

    event = audit_record(action="auth.login", team=team, actor_label="a@example.org")
    event.action = "auth.logout"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="auth.logout")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "auth.login"


def test_the_audit_log_filters_by_group_actor_dates_and_object(login, owner, team):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.audit import audit_record
    from accounts.models import AuditEvent

    audit_record(
        action="candidate.exported", team=team, actor_label="rita@example.org", data={}, obj=team
    )
    old = AuditEvent(
        team=team,
        action="candidate.erased",
        actor_label="sam@example.org",
        created_at=timezone.now() - timedelta(days=40),
    )
    old.save()
    audit_record(action="webhook.created", team=team, actor_label="rita@example.org")
    client = login(owner)
    client.defaults["HTTP_HX_REQUEST"] = "true"  # the table alone, without the filter's options
    url = reverse("dashboard:audit")

    group = client.get(url, {"action": "candidate."})
    assert "Candidate data exported" in group.text
    assert "Candidate erased" in group.text
    assert "Webhook added" not in group.text
    by_actor = client.get(url, {"actor": "sam@"})
    assert "Candidate erased" in by_actor.text
    assert "Candidate data exported" not in by_actor.text
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    recent = client.get(url, {"action": "candidate.", "since": since})
    assert "Candidate erased" not in recent.text
    assert "Candidate data exported" in recent.text
    bad = {"since": "2026-05-02", "until": "2026-05-01"}
    assert client.get(url, bad)["HX-Redirect"].startswith(url)
    del client.defaults["HTTP_HX_REQUEST"]
    assert "The end date must be on or after the start date." in client.get(url, bad).text


def test_the_audit_log_exports_csv_and_audits_the_export(login, owner, team):
    from accounts.audit import audit_record
    from accounts.models import AuditEvent

    audit_record(action="candidate.exported", team=team, actor_label="=cmd|evil", data={"n": 1})
    response = login(owner).get(
        reverse("dashboard:audit"), {"action": "candidate.", "format": "csv"}
    )
    body = b"".join(response.streaming_content).decode()
    lines = body.splitlines()
    assert lines[0].startswith("time,actor,action,action_label")
    assert any("candidate.exported" in line for line in lines[1:])
    assert ",'=cmd|evil," in body
    assert AuditEvent.objects.filter(action="audit.exported").exists()


def test_the_audit_log_records_every_action_issue_7_lists(
    client, login, owner, recruiter, hiring_manager, team, settings, tmp_path
):
    """Logins and failures, denials, invites, views of answers, AI evaluations and overrides,
    exports, erasures, settings changes and API key use: each leaves an audit event."""
    from rest_framework.test import APIClient

    from accounts.models import AuditEvent
    from api.keys import api_key_create
    from candidates.services.evaluations import answer_evaluate
    from candidates.services.invites import invite_create
    from candidates.services.privacy import candidate_erase, candidate_export
    from candidates.services.review import criterion_score_override
    from tests import factories

    settings.MEDIA_ROOT = tmp_path
    # Sign-ins: a failure, then a success.
    client.post(reverse("accounts:login"), {"username": owner.email, "password": "wrong"})
    login(owner)
    # A refused action.
    manager = login(hiring_manager)
    manager.post(reverse("candidates:privacy_settings"), {})
    # An invite.
    candidate = factories.CandidateFactory(team=team)
    interview = factories.InterviewFactory(team=team)
    invite, _token = invite_create(
        team=team, by=recruiter, candidate=candidate, interview=interview
    )
    # Viewing the answers, an AI evaluation and an override.
    question = factories.AITextQuestionFactory(team=team)
    factories.RubricCriterionFactory(question=question)
    item = factories.InterviewQuestionFactory(
        interview=interview, kind="ai_text", audio_question=None, ai_text_question=question
    )
    answer = factories.AnswerFactory(
        candidate_interview=invite,
        interview_question=item,
        text="I would profile the slow query, add an index and cache the hot path for users.",
    )
    evaluation = answer_evaluate(answer=answer)
    criterion_score_override(
        score=evaluation.scores.first(), value=5, reason="Strong on trade-offs", by=recruiter
    )
    login(recruiter).get(reverse("candidates:invite_review", args=[invite.pk]))
    # Settings, export, erasure.
    login(owner).post(
        reverse("candidates:privacy_settings"), {"retention_months": "12", "privacy_notice": ""}
    )
    candidate_export(candidate=candidate, by=recruiter)
    candidate_erase(candidate=candidate, by=owner)
    # API key use.
    _key, raw = api_key_create(
        organization=team.organization,
        name="ATS",
        scopes=["interviews:read"],
        team=team,
        default_team=None,
        by=owner,
    )
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=raw)
    api.get("/qsi/gather/interviews")

    recorded = set(AuditEvent.objects.values_list("action", flat=True))
    for action in [
        "auth.login_failed",
        "auth.login",
        "permission.denied",
        "invite.sent",
        "invite.answers_viewed",
        "evaluation.completed",
        "evaluation.score_overridden",
        "team.privacy_updated",
        "candidate.exported",
        "candidate.erased",
        "api_key.used",
    ]:
        assert action in recorded, action
