"""Ashby's Assessments Partner API end to end. A fake Ashby calls Panelist's endpoints as Ashby
does (POST + JSON, HTTP Basic with the connector's key, the documented shapes of
https://developers.ashbyhq.com/reference/assessmentstart and friends), and a real local HTTP
server stands in for Ashby's ``assessment.update``, recording each body and its Authorization
header. Panelist is real throughout: the runner, the invite services and the beat task."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import Candidate, CandidateInterview
from candidates.services.invites import invite_cancel, invite_expire_due
from integrations import tasks
from integrations.models import AtsOrder, Connector, ConnectorRequest
from integrations.services import (
    connector_ats_configure,
    connector_disable,
    connector_enable,
    key_unseal,
)
from interviews.models import Interview
from tests.factories import EvaluationFactory, InterviewFactory
from tests.integrations.conftest import FakeGreenhouse
from tests.local_http import serving

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status
ASHBY_API_KEY = "ashby-customer-key-0123456789"


class FakeAshby:
    """Ashby, calling Panelist's partner endpoints."""

    def __init__(self, key: str) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.key = key

    def post(self, endpoint: str, body: Any, **headers: str) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        token = base64.b64encode(f"{self.key}:".encode()).decode()
        return self.client.post(
            reverse(f"integrations:ashby_assessment.{endpoint}"),
            data,
            content_type="application/json",
            headers={"Authorization": f"Basic {token}", "Accept": "application/json", **headers},
        )

    def list(self) -> Any:
        return self.post("list", {})

    def start(self, assessment_type_id: Any, application_id: str = "app_123abc", **person: Any):
        candidate = {
            "ashby_id": "cand_789xyz",
            "first_name": "Alex",
            "last_name": "Chen",
            "email": "alex.chen@example.com",
            "ashby_profile_url": "https://app.ashbyhq.com/candidates/cand_789xyz",
            **person,
        }
        return self.post(
            "start",
            {
                "assessment_type_id": assessment_type_id,
                "candidate": candidate,
                "application": {"ashby_id": application_id, "status": "Active"},
                "job": {
                    "ashby_id": "job_456def",
                    "name": "Support agent",
                    "req_id": "R-12",
                    "ashby_job_url": "https://app.ashbyhq.com/jobs/job_456def",
                    "hiringTeam": [],
                },
            },
        )

    def cancel(self, assessment_id: str) -> Any:
        return self.post("cancel", {"assessment_id": assessment_id})


class _AssessmentUpdate(BaseHTTPRequestHandler):
    """Ashby's POST /assessment.update."""

    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        type(self).received.append(
            {
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "body": json.loads(self.rfile.read(length)),
            }
        )
        self.send_response(type(self).status)
        if 300 <= type(self).status < 400:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"success": true}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def update_server(settings):
    _AssessmentUpdate.received = []
    _AssessmentUpdate.status = 200
    with serving(_AssessmentUpdate) as base:
        settings.ASHBY_UPDATE_URL_PREFIXES = [base]
        yield base


@pytest.fixture
def ashby_connector(team, owner, update_server):
    connector, key = connector_enable(team=team, kind="ashby", by=owner)
    connector_ats_configure(
        connector=connector,
        ats_url=update_server + "assessment.update",
        ats_key=ASHBY_API_KEY,
        by=owner,
    )
    connector.refresh_from_db()
    return connector, key


@pytest.fixture
def ashby(ashby_connector):
    return FakeAshby(ashby_connector[1])


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def _start(ashby, interview, capture, **kwargs) -> str:
    with capture(execute=True):
        response = ashby.start(str(interview.pk), **kwargs)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["success"] is True
    return answer["results"]["assessment_id"]


def _link(settings, index: int = 0) -> str:
    found = re.search(r"https?://\S+/i/[\w-]+/", mail.outbox[index].body)
    assert found is not None
    return found.group(0).removeprefix(settings.SITE_URL)


def _begin(link: str) -> Client:
    """The candidate opens the link and consents: the interview has started."""
    candidate = Client()
    candidate.get(link)
    candidate.post(reverse("candidates:runner_welcome"))
    candidate.post(reverse("candidates:runner_consent"), {"agree": "yes"})
    return candidate


def _finish(candidate: Client, interview: Interview) -> None:
    for item in interview.items.order_by("ordinal"):
        candidate.post(reverse("candidates:runner_answer", args=[item.pk]), {"choice": "YES"})
    finished = candidate.post(reverse("candidates:runner_finish"))
    assert finished["Location"] == reverse("candidates:runner_thanks")


def _notify() -> int:
    return tasks.ats_orders_notify.delay().get()


def _field(identifier: str, label: str, kind: str, value: Any) -> dict[str, Any]:
    return {"identifier": identifier, "label": label, "type": kind, "value": value}


# ---------------------------------------------------------------- assessment.list


def test_it_lists_the_teams_active_interviews_as_assessments(ashby, interview, team, other_team):
    InterviewFactory(team=team, title="Paused one", status=Interview.Status.PAUSED)
    InterviewFactory(team=other_team, title="Not ours")
    response = ashby.list()
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is True
    assert [(r["assessment_type_id"], r["name"]) for r in answer["results"]] == [
        (str(interview.pk), "Support agent")
    ]
    assert answer["results"][0]["description"]


# ---------------------------------------------------------------- the whole story


def test_a_candidate_who_completes_is_pushed_started_then_their_result(
    ashby, ashby_connector, interview, team, settings, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)

    invite = CandidateInterview.objects.get(pk=assessment_id)
    assert (invite.team, invite.status, invite.interview) == (team, Status.INVITED, interview)
    order = AtsOrder.objects.get(invite=invite)
    assert (order.external_candidate_id, order.application_id) == ("cand_789xyz", "app_123abc")
    assert order.connector == ashby_connector[0]
    assert invite.candidate.email == "alex.chen@example.com"
    assert invite.candidate.external_id == "cand_789xyz"
    [email] = mail.outbox
    assert email.to == ["alex.chen@example.com"]

    assert _notify() == 0  # invited: nothing to tell Ashby yet
    assert _AssessmentUpdate.received == []

    candidate = _begin(_link(settings))
    invite.refresh_from_db()
    assert invite.status == Status.IN_PROGRESS
    assert _notify() == 1
    [started] = _AssessmentUpdate.received
    assert started["path"] == "/assessment.update"
    assert started["authorization"] == _basic(ASHBY_API_KEY)
    assert started["content_type"] == "application/json"
    assert started["body"] == {
        "assessment_id": assessment_id,
        "timestamp": int(invite.started_at.timestamp() * 1000),
        "assessment_status": _field("status", "Status", "string", "Started"),
    }
    assert _notify() == 0  # told once
    assert len(_AssessmentUpdate.received) == 1

    _finish(candidate, interview)
    invite.refresh_from_db()
    assert invite.status == Status.COMPLETED
    assert _notify() == 1
    completed = _AssessmentUpdate.received[-1]["body"]
    assert completed["assessment_id"] == assessment_id
    assert completed["timestamp"] == int(invite.completed_at.timestamp() * 1000)
    assert completed["assessment_status"]["value"] == "Completed"
    assert completed["assessment_profile_url"] == _field(
        "profile_url",
        "Review in Panelist",
        "url",
        f"{settings.SITE_URL}/invites/{invite.pk}/review/",
    )
    # Completion is what assessment_result signals to Ashby, scored or not.
    assert completed["assessment_result"]["identifier"] == "score"
    assert completed["assessment_result"]["type"] == "string"
    assert completed["metadata"][0]["type"] == "numeric_duration_minutes"
    assert "cancelled_reason" not in completed
    assert _notify() == 0
    assert len(_AssessmentUpdate.received) == 2

    order.refresh_from_db()
    assert order.pushed_status == Status.COMPLETED
    assert order.notified_at is not None
    pushes = ConnectorRequest.objects.filter(connector=ashby_connector[0], method="POST")
    pushes = pushes.exclude(path__startswith="/integrations/")
    assert list(pushes.values_list("path", "status_code")) == [
        (ashby_connector[0].ats_url, 200),
        (ashby_connector[0].ats_url, 200),
    ]


def test_a_scored_result_is_a_numeric_score_on_the_1_to_5_scale(
    ashby, interview, settings, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)
    _finish(_begin(_link(settings)), interview)
    invite = CandidateInterview.objects.get(pk=assessment_id)
    EvaluationFactory(candidate_interview=invite, overall_score=Decimal("3.75"), is_current=True)
    assert _notify() == 1  # started and completed before the run: only the result is told
    [update] = _AssessmentUpdate.received
    assert update["body"]["assessment_result"] == {
        "identifier": "score",
        "label": "Score (1-5)",
        "type": "numeric_score",
        "value": 3.8,
        "description": "Panelist's 1-5 scale; from the AI evaluation (advice).",
    }


def test_an_expired_invite_is_pushed_as_cancelled_with_its_reason(
    ashby, interview, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)
    assert invite_expire_due(now=timezone.now() + timedelta(days=365)) == 1
    assert _notify() == 1
    [update] = _AssessmentUpdate.received
    assert update["body"]["assessment_id"] == assessment_id
    assert update["body"]["cancelled_reason"] == _field(
        "cancelled_reason",
        "Cancelled",
        "string",
        "The invite expired before the candidate handed in the interview.",
    )
    assert "assessment_status" not in update["body"]
    assert _notify() == 0


def test_an_invite_cancelled_in_panelist_is_pushed(
    ashby, interview, owner, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)
    invite_cancel(invite=CandidateInterview.objects.get(pk=assessment_id), by=owner)
    assert _notify() == 1
    [update] = _AssessmentUpdate.received
    assert update["body"]["cancelled_reason"]["value"] == "The invite was cancelled in Panelist."
    invite = CandidateInterview.objects.get(pk=assessment_id)
    assert update["body"]["timestamp"] == int(invite.cancelled_at.timestamp() * 1000)


def test_ashby_cancels_an_assessment_once_and_is_not_told_back(
    ashby, ashby_connector, interview, settings, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)
    response = ashby.cancel(assessment_id)
    assert response.status_code == 200
    assert response.json() == {"success": True, "results": {"assessment_id": assessment_id}}
    invite = CandidateInterview.objects.get(pk=assessment_id)
    assert invite.status == Status.CANCELLED
    assert AuditEvent.objects.filter(action="invite.cancelled").count() == 1
    # Again (a retry): the same answer, nothing more happens.
    assert ashby.cancel(assessment_id).status_code == 200
    assert AuditEvent.objects.filter(action="invite.cancelled").count() == 1
    # The candidate's link no longer starts the interview.
    _begin(_link(settings))
    assert CandidateInterview.objects.get(pk=assessment_id).status == Status.CANCELLED
    assert _notify() == 0
    assert _AssessmentUpdate.received == []


def test_a_completed_assessment_cannot_be_cancelled(
    ashby, interview, settings, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)
    _finish(_begin(_link(settings)), interview)
    response = ashby.cancel(assessment_id)
    assert response.status_code == 422
    assert response.json()["success"] is False
    assert response.json()["message"]
    assert CandidateInterview.objects.get(pk=assessment_id).status == Status.COMPLETED


def test_a_failed_push_is_tried_again_on_the_next_run(
    ashby, ashby_connector, interview, owner, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)
    invite_cancel(invite=CandidateInterview.objects.get(pk=assessment_id), by=owner)
    _AssessmentUpdate.status = 503
    assert _notify() == 0
    failed = ConnectorRequest.objects.filter(path=ashby_connector[0].ats_url).get()
    assert (failed.status_code, "503" in failed.error) == (503, True)
    assert AtsOrder.objects.get(invite_id=assessment_id).pushed_status == ""
    # The team changes its Ashby key meanwhile: the retry carries the new one.
    connector = ashby_connector[0]
    connector_ats_configure(
        connector=connector, ats_url=connector.ats_url, ats_key="new-ashby-key", by=owner
    )
    _AssessmentUpdate.status = 200
    assert _notify() == 1
    assert _AssessmentUpdate.received[-1]["authorization"] == _basic("new-ashby-key")
    assert len(_AssessmentUpdate.received) == 2
    assert _notify() == 0


def test_nothing_is_pushed_until_the_team_sets_its_ashby_key(
    team, owner, interview, update_server, django_capture_on_commit_callbacks
):
    connector, key = connector_enable(team=team, kind="ashby", by=owner)
    assessment_id = _start(FakeAshby(key), interview, django_capture_on_commit_callbacks)
    invite_cancel(invite=CandidateInterview.objects.get(pk=assessment_id), by=owner)
    assert _notify() == 0
    assert not ConnectorRequest.objects.exclude(path__startswith="/integrations/").exists()
    connector_ats_configure(
        connector=connector,
        ats_url=update_server + "assessment.update",
        ats_key=ASHBY_API_KEY,
        by=owner,
    )
    assert _notify() == 1
    assert _AssessmentUpdate.received[0]["authorization"] == _basic(ASHBY_API_KEY)


def test_it_never_posts_to_a_url_outside_the_allowed_prefixes(
    ashby, ashby_connector, interview, owner, settings, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)
    invite_cancel(invite=CandidateInterview.objects.get(pk=assessment_id), by=owner)
    settings.ASHBY_UPDATE_URL_PREFIXES = ["https://api.ashbyhq.com/"]
    assert _notify() == 0
    refused = ConnectorRequest.objects.get(path=ashby_connector[0].ats_url)
    assert refused.status_code == 0
    assert "not an allowed URL" in refused.error
    assert _AssessmentUpdate.received == []


def test_a_redirect_is_not_followed_with_the_key(
    ashby, ashby_connector, interview, owner, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)
    invite_cancel(invite=CandidateInterview.objects.get(pk=assessment_id), by=owner)
    _AssessmentUpdate.status = 302
    assert _notify() == 0
    assert [r["path"] for r in _AssessmentUpdate.received] == ["/assessment.update"]
    assert ConnectorRequest.objects.get(path=ashby_connector[0].ats_url).status_code == 302


def test_a_disabled_connectors_orders_are_not_pushed(
    ashby, ashby_connector, interview, owner, django_capture_on_commit_callbacks
):
    assessment_id = _start(ashby, interview, django_capture_on_commit_callbacks)
    invite_cancel(invite=CandidateInterview.objects.get(pk=assessment_id), by=owner)
    connector_disable(connector=ashby_connector[0], by=owner)
    assert _notify() == 0
    assert _AssessmentUpdate.received == []


# ---------------------------------------------------------------- orders


def test_a_retry_of_the_same_application_gets_the_same_assessment(
    ashby, interview, django_capture_on_commit_callbacks
):
    first = _start(ashby, interview, django_capture_on_commit_callbacks)
    again = _start(ashby, interview, django_capture_on_commit_callbacks)
    assert again == first
    assert len(mail.outbox) == 1
    assert AtsOrder.objects.count() == 1


def test_another_application_while_the_invite_is_open_is_a_409(
    ashby, interview, django_capture_on_commit_callbacks
):
    first = _start(ashby, interview, django_capture_on_commit_callbacks)
    response = ashby.start(str(interview.pk), application_id="app_other")
    assert response.status_code == 409
    assert first in response.json()["message"]
    assert AtsOrder.objects.count() == 1


def test_the_greenhouse_and_ashby_orders_share_one_core(
    ashby, greenhouse, interview, team, django_capture_on_commit_callbacks
):
    # The same person ordered through both ATSs is one candidate of the team.
    _start(ashby, interview, django_capture_on_commit_callbacks, email="hpotter@hogwarts.example")
    other = InterviewFactory(team=team, title="Second round")
    with django_capture_on_commit_callbacks(execute=True):
        assert greenhouse.send_test(str(other.pk)).status_code == 200
    assert Candidate.objects.filter(team=team).count() == 1
    assert set(AtsOrder.objects.values_list("connector__kind", flat=True)) == {
        "ashby",
        "greenhouse",
    }


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("{not json", 400, "not valid JSON"),
        ("[1, 2]", 400, "must be a JSON object"),
        ({"candidate": {}, "application": {}}, 400, "assessment_type_id is required"),
        ({"assessment_type_id": "$interview"}, 400, "candidate must be a JSON object"),
        (
            {"assessment_type_id": "$interview", "candidate": "$candidate"},
            400,
            "application must be a JSON object",
        ),
        (
            {
                "assessment_type_id": "$interview",
                "candidate": "$candidate",
                "application": {"status": "Active"},
            },
            400,
            "application.ashby_id is required",
        ),
        (
            {
                "assessment_type_id": "$interview",
                "candidate": {"ashby_id": "c", "first_name": "A", "email": "a@x.io"},
                "application": {"ashby_id": "a"},
            },
            400,
            "candidate.last_name is required",
        ),
        (
            {
                "assessment_type_id": "$interview",
                "candidate": {
                    "ashby_id": "c",
                    "first_name": "A" * 101,
                    "last_name": "B",
                    "email": "a@x.io",
                },
                "application": {"ashby_id": "a"},
            },
            400,
            "candidate.first_name is longer than 100 characters",
        ),
        (
            {
                "assessment_type_id": "$interview",
                "candidate": {
                    "ashby_id": "c",
                    "first_name": "A",
                    "last_name": "B",
                    "email": "nope",
                },
                "application": {"ashby_id": "a"},
            },
            400,
            "is not an email address",
        ),
        (
            {
                "assessment_type_id": "pkg_456",
                "candidate": "$candidate",
                "application": {"ashby_id": "a"},
            },
            422,
            "“pkg_456” is not an active interview of this team",
        ),
    ],
)
def test_it_refuses_a_malformed_start_naming_the_problem(
    ashby, ashby_connector, interview, body, status, message
):
    if isinstance(body, dict):
        if body.get("assessment_type_id") == "$interview":
            body["assessment_type_id"] = str(interview.pk)
        if body.get("candidate") == "$candidate":
            body["candidate"] = {
                "ashby_id": "c",
                "first_name": "A",
                "last_name": "B",
                "email": "a@x.io",
            }
    response = ashby.post("start", body)
    assert response.status_code == status
    answer = response.json()
    assert answer["success"] is False
    assert message in answer["message"]
    assert answer["errors"] == [answer["message"]]
    assert not CandidateInterview.objects.exists()
    assert not Candidate.objects.exists()
    logged = ConnectorRequest.objects.get(connector=ashby_connector[0])
    assert (logged.status_code, message in logged.error) == (status, True)


def test_cancel_needs_an_assessment_id(ashby):
    response = ashby.post("cancel", {})
    assert response.status_code == 400
    assert "assessment_id is required" in response.json()["message"]


def test_another_teams_assessment_is_a_404_naming_it(
    ashby, interview, other_team, outsider, django_capture_on_commit_callbacks
):
    _connector, their_key = connector_enable(team=other_team, kind="ashby", by=outsider)
    theirs = FakeAshby(their_key)
    their_interview = InterviewFactory(team=other_team)
    their_id = _start(theirs, their_interview, django_capture_on_commit_callbacks)
    response = ashby.cancel(their_id)
    assert response.status_code == 404
    assert their_id in response.json()["message"]
    assert CandidateInterview.objects.get(pk=their_id).status == Status.INVITED
    assert ashby.cancel("not-a-uuid").status_code == 404
    # Their interviews are not our assessment types either.
    response = ashby.start(str(their_interview.pk))
    assert response.status_code == 422
    assert theirs.cancel(their_id).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer abc",
        "Basic !!!",
        "Basic " + base64.b64encode(b"pg_000000000000_wrong:").decode(),
    ],
)
def test_a_missing_or_wrong_key_is_a_401(client, ashby, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post(
        reverse("integrations:ashby_assessment.list"),
        "{}",
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Panelist Ashby"'
    assert response.json()["success"] is False


def test_a_greenhouse_key_does_not_open_ashby(greenhouse, ashby):
    # Each kind's endpoints take only that kind's keys.
    assert FakeAshby(greenhouse.key).list().status_code == 401
    assert FakeGreenhouse(ashby.key).list_tests().status_code == 401


def test_a_disabled_connector_is_a_403(ashby, ashby_connector, owner, team):
    connector_disable(connector=ashby_connector[0], by=owner)
    response = ashby.list()
    assert response.status_code == 403
    assert "turned off" in response.json()["message"]
    connector_enable(team=team, kind="ashby", by=owner)
    assert ashby.list().status_code == 200


def test_the_wrong_method_is_a_405(ashby):
    response = ashby.client.get(
        reverse("integrations:ashby_assessment.list"),
        headers={"Authorization": _basic(ashby.key)},
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"


# ---------------------------------------------------------------- settings page

URL = reverse("integrations:settings")
CONFIGURE = reverse("integrations:ashby_configure")


def test_ashby_is_on_the_page_with_its_base_url(login, owner, settings):
    html = login(owner).get(URL).content.decode()
    assert 'data-testid="integration-ashby"' in html
    response = login(owner).post(reverse("integrations:ashby_enable"))
    assert response.status_code == 201
    html = response.content.decode()
    assert f"{settings.SITE_URL}/integrations/ashby</code>" in html
    for endpoint in ("list", "start", "cancel"):
        assert f"{settings.SITE_URL}/integrations/ashby/assessment.{endpoint}" in html
    assert "No Ashby API key yet" in html
    assert 'maxlength="200"' in html
    assert 'maxlength="500"' in html


def test_an_admin_sets_the_ashby_key_and_url_audited_and_sealed(
    login, admin_user, team, owner, settings
):
    connector, _key = connector_enable(team=team, kind="ashby", by=owner)
    client = login(admin_user)
    response = client.post(
        CONFIGURE,
        {"ats_url": "https://api.ashbyhq.com/assessment.update", "ats_key": " " + ASHBY_API_KEY},
    )
    assert response.status_code == 302
    connector.refresh_from_db()
    assert connector.ats_url == "https://api.ashbyhq.com/assessment.update"
    assert ASHBY_API_KEY not in connector.ats_key_sealed
    assert key_unseal(connector.ats_key_sealed) == ASHBY_API_KEY
    event = AuditEvent.objects.get(action="connector.configured")
    assert event.data == {"kind": "ashby", "changed": ["ats_url", "ats_key"]}
    assert ASHBY_API_KEY not in json.dumps(event.data)
    html = client.get(URL).content.decode()
    assert "An Ashby API key is set" in html
    assert ASHBY_API_KEY not in html
    # A blank key keeps the one there is.
    assert client.post(CONFIGURE, {"ats_url": "", "ats_key": ""}).status_code == 302
    connector.refresh_from_db()
    assert connector.ats_url == ""
    assert key_unseal(connector.ats_key_sealed) == ASHBY_API_KEY


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"ats_url": "http://api.ashbyhq.com/x", "ats_key": "k"}, "ats_url", "https://"),
        ({"ats_url": "not a url", "ats_key": "k"}, "ats_url", "valid URL"),
        ({"ats_url": "https://x.io/" + "a" * 500, "ats_key": "k"}, "ats_url", "at most 500"),
        ({"ats_url": "", "ats_key": "k" * 201}, "ats_key", "at most 200"),
        ({"ats_url": "", "ats_key": "two words"}, "ats_key", "no spaces"),
    ],
)
def test_the_settings_form_shows_each_error_next_to_its_field(
    login, owner, team, data, field, message
):
    connector, _key = connector_enable(team=team, kind="ashby", by=owner)
    response = login(owner).post(CONFIGURE, data)
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'id="id_{field}-error">([^<]*)<', html)
    assert error is not None, html
    assert message in error.group(1)
    connector.refresh_from_db()
    assert (connector.ats_url, connector.ats_key_sealed) == ("", "")
    assert not AuditEvent.objects.filter(action="connector.configured").exists()


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_only_admins_may_configure(login, request, persona, team, owner):
    connector_enable(team=team, kind="ashby", by=owner)
    client = login(request.getfixturevalue(persona))
    assert client.post(CONFIGURE, {"ats_url": "", "ats_key": "k"}).status_code == 403
    assert Connector.objects.get(kind="ashby").ats_key_sealed == ""


def test_configure_before_turning_ashby_on_is_a_404(login, owner):
    assert login(owner).post(CONFIGURE, {"ats_url": "", "ats_key": "k"}).status_code == 404


def test_another_teams_ashby_settings_are_untouched(login, owner, team, other_team, outsider):
    theirs, _key = connector_enable(team=other_team, kind="ashby", by=outsider)
    assert login(owner).post(CONFIGURE, {"ats_url": "", "ats_key": "k"}).status_code == 404
    connector_enable(team=team, kind="ashby", by=owner)
    assert login(owner).post(CONFIGURE, {"ats_url": "", "ats_key": "k"}).status_code == 302
    theirs.refresh_from_db()
    assert theirs.ats_key_sealed == ""
