"""Greenhouse's Assessment Partner API end to end: a fake Greenhouse (tests/integrations/
conftest.py) lists tests, sends one, and polls its status while a real candidate takes the
interview through the runner, lets it expire, or is cancelled."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import Candidate, CandidateInterview
from candidates.services.invites import invite_cancel, invite_expire_due
from integrations.models import REQUEST_LOG_KEEP, AtsOrder, ConnectorRequest
from integrations.services import (
    connector_disable,
    connector_enable,
    connector_key_rotate,
    connector_request_log,
)
from interviews.models import Interview
from tests.factories import (
    CandidateFactory,
    EvaluationFactory,
    InterviewFactory,
    RatingFactory,
    ScorecardFactory,
)
from tests.integrations.conftest import FakeGreenhouse

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status


def _send(greenhouse, interview, django_capture_on_commit_callbacks, **candidate):
    with django_capture_on_commit_callbacks(execute=True):
        response = greenhouse.send_test(str(interview.pk), **candidate)
    assert response.status_code == 200, response.content
    return response.json()["partner_interview_id"]


def _take_the_interview(link: str, interview: Interview) -> None:
    """The candidate, in their own browser: open the emailed link, consent, answer, hand in."""
    candidate = Client()
    candidate.get(link)
    candidate.post(reverse("candidates:runner_welcome"))
    candidate.post(reverse("candidates:runner_consent"), {"agree": "yes"})
    for item in interview.items.order_by("ordinal"):
        candidate.post(reverse("candidates:runner_answer", args=[item.pk]), {"choice": "YES"})
    finished = candidate.post(reverse("candidates:runner_finish"))
    assert finished["Location"] == reverse("candidates:runner_thanks")


def test_it_lists_the_teams_active_interviews_as_tests(greenhouse, interview, team, other_team):
    InterviewFactory(team=team, title="Paused one", status=Interview.Status.PAUSED)
    InterviewFactory(team=other_team, title="Not ours")
    response = greenhouse.list_tests()
    assert response.status_code == 200
    assert response.json() == [
        {"partner_test_id": str(interview.pk), "partner_test_name": "Support agent"}
    ]


def test_a_candidate_who_completes_is_reported_complete_with_score_and_link(
    greenhouse, interview, team, settings, django_capture_on_commit_callbacks
):
    invite_id = _send(greenhouse, interview, django_capture_on_commit_callbacks)

    invite = CandidateInterview.objects.get(pk=invite_id)
    assert invite.team == team
    assert invite.status == Status.INVITED
    order = AtsOrder.objects.get(invite=invite)
    assert (order.external_candidate_id, order.application_id) == ("17681532", "26234709")
    assert order.callback_url.endswith("/take_home_tests/12345")
    assert invite.candidate.email == "hpotter@hogwarts.example"
    assert invite.candidate.external_id == "17681532"
    # Panelist emailed the candidate their link, through the invite service's delivery.
    [email] = mail.outbox
    assert email.to == ["hpotter@hogwarts.example"]
    link = re.search(r"https?://\S+/i/[\w-]+/", email.body)
    assert link is not None
    assert greenhouse.test_status(invite_id).json() == {"partner_status": "invited"}

    _take_the_interview(link.group(0).removeprefix(settings.SITE_URL), interview)
    invite.refresh_from_db()
    assert invite.status == Status.COMPLETED

    status = greenhouse.test_status(invite_id).json()
    assert status["partner_status"] == "complete"
    assert status["partner_profile_url"] == (f"{settings.SITE_URL}/invites/{invite.pk}/review/")
    assert "partner_score" not in status  # nothing scored yet
    assert set(status["metadata"]) == {"Started At", "Completed At", "Score"}
    assert all(isinstance(v, str) for v in status["metadata"].values())

    # The AI's whole-interview score (advice) until reviewers rate; theirs wins after.
    EvaluationFactory(candidate_interview=invite, overall_score=Decimal("3.75"), is_current=True)
    status = greenhouse.test_status(invite_id).json()
    assert status["partner_score"] == 3.8
    assert status["metadata"]["Score"] == "3.8 of 5 (AI evaluation (advice))"
    RatingFactory(
        scorecard=ScorecardFactory(candidate_interview=invite, submitted_at=timezone.now()), score=5
    )
    assert greenhouse.test_status(invite_id).json()["partner_score"] == 5.0


def test_a_retry_of_the_same_application_gets_the_same_order(
    greenhouse, interview, django_capture_on_commit_callbacks
):
    first = _send(greenhouse, interview, django_capture_on_commit_callbacks)
    again = _send(greenhouse, interview, django_capture_on_commit_callbacks)
    assert again == first
    assert len(mail.outbox) == 1
    assert AtsOrder.objects.count() == 1


def test_it_reuses_the_teams_candidate_with_that_email(
    greenhouse, interview, team, django_capture_on_commit_callbacks
):
    existing = CandidateFactory(team=team, email="HPotter@Hogwarts.example", first_name="H.")
    invite_id = _send(greenhouse, interview, django_capture_on_commit_callbacks)
    assert CandidateInterview.objects.get(pk=invite_id).candidate == existing
    assert Candidate.objects.filter(team=team).count() == 1


def test_an_expired_invite_is_reported_expired(
    greenhouse, interview, django_capture_on_commit_callbacks
):
    invite_id = _send(greenhouse, interview, django_capture_on_commit_callbacks)
    assert invite_expire_due(now=timezone.now() + timedelta(days=365)) == 1
    assert greenhouse.test_status(invite_id).json() == {"partner_status": "expired"}


def test_a_cancelled_invite_is_reported_cancelled(
    greenhouse, interview, owner, django_capture_on_commit_callbacks
):
    invite_id = _send(greenhouse, interview, django_capture_on_commit_callbacks)
    invite_cancel(invite=CandidateInterview.objects.get(pk=invite_id), by=owner)
    assert greenhouse.test_status(invite_id).json() == {"partner_status": "cancelled"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({"candidate": {}}, "partner_test_id is required"),
        ({"partner_test_id": "$interview"}, "candidate must be a JSON object"),
        (
            {"partner_test_id": "$interview", "candidate": {"first_name": "A", "email": "a@x.io"}},
            "candidate.last_name is required",
        ),
        (
            {
                "partner_test_id": "$interview",
                "candidate": {"first_name": "A" * 101, "last_name": "B", "email": "a@x.io"},
            },
            "candidate.first_name is longer than 100 characters",
        ),
        (
            {
                "partner_test_id": "$interview",
                "candidate": {"first_name": "A", "last_name": "B", "email": "not-an-email"},
            },
            "is not an email address",
        ),
        (
            {
                "partner_test_id": "12345",
                "candidate": {"first_name": "A", "last_name": "B", "email": "a@x.io"},
            },
            "“12345” is not an active interview of this team",
        ),
    ],
)
def test_it_refuses_a_malformed_send_test_with_400_naming_the_problem(
    greenhouse, interview, connector_and_key, body, message
):
    if isinstance(body, dict) and body.get("partner_test_id") == "$interview":
        body["partner_test_id"] = str(interview.pk)
    response = greenhouse.post("send_test", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not CandidateInterview.objects.exists()
    assert not Candidate.objects.exists()
    logged = ConnectorRequest.objects.get(connector=connector_and_key[0])
    assert logged.status_code == 400
    assert message in logged.error


def test_another_teams_interview_is_not_a_test(greenhouse, other_team):
    theirs = InterviewFactory(team=other_team)
    response = greenhouse.send_test(str(theirs.pk))
    assert response.status_code == 400
    assert str(theirs.pk) in response.json()["error"]


def test_another_teams_order_is_a_404(
    greenhouse, interview, other_team, outsider, django_capture_on_commit_callbacks
):
    _connector, their_key = connector_enable(team=other_team, kind="greenhouse", by=outsider)
    theirs = FakeGreenhouse(their_key)
    their_interview = InterviewFactory(team=other_team)
    their_invite = _send(theirs, their_interview, django_capture_on_commit_callbacks)
    assert greenhouse.test_status(their_invite).status_code == 404
    assert greenhouse.test_status("not-a-uuid").status_code == 404
    assert greenhouse.get("test_status").status_code == 400
    assert theirs.test_status(their_invite).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer abc",
        "Basic !!!",
        "Basic " + base64.b64encode(b"pg_000000000000_wrong:").decode(),
        "Basic " + base64.b64encode(b"someone:secret").decode(),
    ],
)
def test_a_missing_or_wrong_key_is_a_401_with_www_authenticate(client, interview, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(reverse("integrations:greenhouse_list_tests"), headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Panelist Greenhouse"'


def test_a_rotated_key_stops_working_and_the_new_one_works(
    greenhouse, connector_and_key, owner, interview
):
    connector, _old_key = connector_and_key
    _connector, new_key = connector_key_rotate(connector=connector, by=owner)
    assert greenhouse.list_tests().status_code == 401
    assert FakeGreenhouse(new_key).list_tests().status_code == 200
    assert len(new_key) < 171


def test_a_disabled_connector_is_refused_and_logged(greenhouse, connector_and_key, owner):
    connector, _key = connector_and_key
    connector_disable(connector=connector, by=owner)
    response = greenhouse.list_tests()
    assert response.status_code == 403
    assert "turned off" in response.json()["error"]
    assert ConnectorRequest.objects.get(connector=connector).status_code == 403
    connector_enable(team=connector.team, kind="greenhouse", by=owner)
    assert greenhouse.list_tests().status_code == 200


def test_it_logs_what_greenhouse_reports_and_answers_200(greenhouse, connector_and_key):
    response = greenhouse.post(
        "response_error",
        {
            "api_call": "test_status",
            "errors": ["partner_status is 'complete' but partner_profile url is missing"],
            "partner_test_id": "12345",
            "partner_test_name": "My First Test",
            "partner_interview_id": "98765",
            "candidate_email": "kate_austen@example.com",
        },
    )
    assert response.status_code == 200
    logged = ConnectorRequest.objects.get(connector=connector_and_key[0])
    assert "test_status" in logged.error
    assert "partner_profile url is missing" in logged.error
    assert "partner_interview_id=98765" in logged.error


def test_the_wrong_method_is_a_405(greenhouse):
    assert greenhouse.post("list_tests", {}).status_code == 405


def test_every_call_is_logged_and_the_log_is_bounded(greenhouse, connector_and_key):
    connector = connector_and_key[0]
    greenhouse.list_tests()
    entry = ConnectorRequest.objects.get(connector=connector)
    assert (entry.method, entry.path, entry.status_code) == (
        "GET",
        "/integrations/greenhouse/list_tests",
        200,
    )
    for _ in range(REQUEST_LOG_KEEP + 5):
        connector_request_log(
            connector=connector, method="GET", path="/x", status_code=200, error="", duration_ms=1
        )
    assert ConnectorRequest.objects.filter(connector=connector).count() == REQUEST_LOG_KEEP


def test_enable_disable_and_rotate_are_audited(team, owner):
    connector, key = connector_enable(team=team, kind="greenhouse", by=owner)
    assert key.startswith(f"pg_{connector.key_prefix}_")
    assert connector.key_hash not in key
    connector_disable(connector=connector, by=owner)
    connector_key_rotate(connector=connector, by=owner)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["connector.enabled", "connector.disabled", "connector.key_rotated"]


def test_only_team_admins_can_enable(team, recruiter):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        connector_enable(team=team, kind="greenhouse", by=recruiter)
