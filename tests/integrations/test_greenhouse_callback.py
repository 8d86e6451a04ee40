"""Greenhouse's completion PATCH: a local HTTP server stands in for Greenhouse's callback URL
(the only fake); the candidate completes through the real runner and the real beat task tells
Greenhouse, once, with the connector's key."""

from __future__ import annotations

import base64
import re
from http.server import BaseHTTPRequestHandler

import pytest
from django.core import mail

from candidates.models import CandidateInterview
from integrations import tasks
from integrations.models import AtsOrder, ConnectorRequest
from integrations.services import connector_key_rotate
from tests.integrations.test_greenhouse import _take_the_interview
from tests.local_http import serving

pytestmark = pytest.mark.django_db


class _Greenhouse(BaseHTTPRequestHandler):
    received: list[tuple[str, str, str | None]] = []
    status = 200

    def do_PATCH(self) -> None:
        type(self).received.append(("PATCH", self.path, self.headers.get("Authorization")))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def callback_server(settings):
    _Greenhouse.received = []
    _Greenhouse.status = 200
    with serving(_Greenhouse) as base:
        settings.GREENHOUSE_CALLBACK_PREFIXES = [base]
        yield base


def _send(greenhouse, interview, url, capture):
    with capture(execute=True):
        response = greenhouse.post(
            "send_test",
            {
                "partner_test_id": str(interview.pk),
                "candidate": {
                    "first_name": "Kate",
                    "last_name": "Austen",
                    "email": "kate@example.com",
                    "greenhouse_profile_url": "https://app.greenhouse.io/people/1?application_id=2",
                },
                "url": url,
            },
        )
    assert response.status_code == 200, response.content
    return response.json()["partner_interview_id"]


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def test_it_patches_greenhouse_once_when_the_candidate_completes(
    greenhouse,
    interview,
    connector_and_key,
    callback_server,
    settings,
    django_capture_on_commit_callbacks,
):
    url = callback_server + "integrations/testing_partners/take_home_tests/12345"
    invite_id = _send(greenhouse, interview, url, django_capture_on_commit_callbacks)
    assert tasks.ats_orders_notify.delay().get() == 0  # not complete yet: nothing to say
    assert _Greenhouse.received == []

    link = re.search(r"https?://\S+/i/[\w-]+/", mail.outbox[0].body).group(0)
    _take_the_interview(link.removeprefix(settings.SITE_URL), interview)
    assert CandidateInterview.objects.get(pk=invite_id).status == "COMPLETED"

    assert tasks.ats_orders_notify.delay().get() == 1
    assert _Greenhouse.received == [
        ("PATCH", "/integrations/testing_partners/take_home_tests/12345", _basic(greenhouse.key))
    ]
    assert AtsOrder.objects.get(invite_id=invite_id).notified_at is not None
    logged = ConnectorRequest.objects.filter(method="PATCH").get()
    assert logged.status_code == 200
    assert tasks.ats_orders_notify.delay().get() == 0  # told once
    assert len(_Greenhouse.received) == 1
    # Greenhouse then reads the status.
    assert greenhouse.test_status(invite_id).json()["partner_status"] == "complete"


def test_a_failed_patch_is_tried_again_with_the_current_key(
    greenhouse,
    interview,
    connector_and_key,
    owner,
    callback_server,
    settings,
    django_capture_on_commit_callbacks,
):
    invite_id = _send(
        greenhouse, interview, callback_server + "t/1", django_capture_on_commit_callbacks
    )
    link = re.search(r"https?://\S+/i/[\w-]+/", mail.outbox[0].body).group(0)
    _take_the_interview(link.removeprefix(settings.SITE_URL), interview)
    _Greenhouse.status = 503
    assert tasks.ats_orders_notify.delay().get() == 0
    failed = ConnectorRequest.objects.filter(method="PATCH").get()
    assert failed.status_code == 503
    assert "503" in failed.error
    _connector, new_key = connector_key_rotate(connector=connector_and_key[0], by=owner)
    _Greenhouse.status = 200
    assert tasks.ats_orders_notify.delay().get() == 1
    assert _Greenhouse.received[-1][2] == _basic(new_key)
    assert AtsOrder.objects.get(invite_id=invite_id).notified_at is not None


def test_it_never_calls_a_url_that_is_not_greenhouses(
    greenhouse, interview, callback_server, settings, django_capture_on_commit_callbacks
):
    _send(
        greenhouse, interview, "http://169.254.169.254/latest/", django_capture_on_commit_callbacks
    )
    link = re.search(r"https?://\S+/i/[\w-]+/", mail.outbox[0].body).group(0)
    _take_the_interview(link.removeprefix(settings.SITE_URL), interview)
    assert tasks.ats_orders_notify.delay().get() == 0
    refused = ConnectorRequest.objects.filter(method="PATCH").get()
    assert refused.status_code == 0
    assert "not Greenhouse's" in refused.error
    assert _Greenhouse.received == []


def test_a_notify_run_stops_before_beat_queues_the_next():
    # Bounded: a run of slow Greenhouse answers is cut before the next run starts, so one
    # order is never PATCHed by two runs at once.
    from django.conf import settings

    from integrations.tasks import ats_orders_notify

    every = settings.CELERY_BEAT_SCHEDULE["ats-orders-notify"]["schedule"]
    assert ats_orders_notify.soft_time_limit < ats_orders_notify.time_limit < every
