"""Decision files through the API: an integrator lists open requests, reads one with the file's
text, sends it (once), and sees an invite's requests; another team's are 404."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import CandidateInterview
from tests.factories import CandidateInterviewFactory, DecisionFileRequestFactory

pytestmark = pytest.mark.django_db
BASE = "/qsi/gather"


def completed(team, **kwargs):
    return CandidateInterviewFactory(
        team=team,
        interview__team=team,
        status=CandidateInterview.Status.COMPLETED,
        completed_at=timezone.now(),
        **kwargs,
    )


def test_it_lists_open_requests_oldest_first_in_few_queries(
    api, team, other_team, django_assert_max_num_queries
):
    now = timezone.now()
    for n in range(25):
        DecisionFileRequestFactory(
            candidate_interview=completed(team),
            requested_at=now - timedelta(hours=n),
        )
    DecisionFileRequestFactory(candidate_interview=completed(team), status="sent", sent_at=now)
    DecisionFileRequestFactory(candidate_interview__interview__team=other_team)
    with django_assert_max_num_queries(10):
        response = api.get(f"{BASE}/decision-files", {"pageSize": 20})
    body = response.json()["data"]
    assert body["pagination"]["total"] == 25
    rows = body["decisionFiles"]
    assert len(rows) == 20
    assert {row["status"] for row in rows} == {"requested"}
    assert rows[0]["requestedAt"] < rows[1]["requestedAt"]
    sent = api.get(f"{BASE}/decision-files", {"status": "sent"}).json()["data"]
    assert [row["status"] for row in sent["decisionFiles"]] == ["sent"]
    assert (
        api.get(f"{BASE}/decision-files", {"status": "all"}).json()["data"]["pagination"]["total"]
        == 26
    )
    bad = api.get(f"{BASE}/decision-files", {"status": "nope"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "status"


def test_it_reads_one_with_its_text_and_sends_it_once(api, team, owner):
    invite = completed(team, language="es", candidate__email="ada@example.com")
    file_request = DecisionFileRequestFactory(candidate_interview=invite, language="es")
    url = f"{BASE}/decision-files/{file_request.pk}"
    detail = api.get(url).json()["data"]["decisionFile"]
    assert detail["status"] == "requested"
    assert "Lo que se recopiló" in detail["text"]
    sent = api.post(f"{url}/send", {"note": "Suerte"}, format="json")
    assert sent.status_code == 200, sent.content
    body = sent.json()["data"]["decisionFile"]
    assert body["status"] == "sent"
    assert body["note"] == "Suerte"
    [email] = mail.outbox
    assert email.to == ["ada@example.com"]
    assert body["text"] == email.body
    again = api.post(f"{url}/send", {}, format="json")
    assert again.status_code == 200
    assert len(mail.outbox) == 1
    [event] = AuditEvent.objects.filter(action="decision_file.sent")
    assert event.actor == owner
    invite_rows = api.get(f"{BASE}/candidate-interviews/{invite.pk}/decision-files")
    assert [r["status"] for r in invite_rows.json()["data"]["decisionFiles"]] == ["sent"]


def test_a_closed_request_is_a_conflict_and_a_long_note_a_400(api, team):
    file_request = DecisionFileRequestFactory(
        candidate_interview=completed(team), status="cancelled", closed_reason="By post."
    )
    url = f"{BASE}/decision-files/{file_request.pk}/send"
    assert api.post(url, {}, format="json").status_code == 409
    open_one = DecisionFileRequestFactory(candidate_interview=completed(team))
    long_note = api.post(
        f"{BASE}/decision-files/{open_one.pk}/send", {"note": "x" * 1001}, format="json"
    )
    assert long_note.status_code == 400
    assert long_note.json()["errors"][0]["field"] == "note"
    assert not mail.outbox


def test_another_teams_requests_are_404(api, other_team):
    theirs = DecisionFileRequestFactory(candidate_interview__interview__team=other_team)
    assert api.get(f"{BASE}/decision-files/{theirs.pk}").status_code == 404
    assert api.post(f"{BASE}/decision-files/{theirs.pk}/send", {}, format="json").status_code == 404
    invite_url = f"{BASE}/candidate-interviews/{theirs.candidate_interview_id}/decision-files"
    assert api.get(invite_url).status_code == 404
    assert not mail.outbox
