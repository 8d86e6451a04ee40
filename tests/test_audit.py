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
