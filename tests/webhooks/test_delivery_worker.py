"""A real Celery worker process delivers a signed webhook to a local receiver."""

import time

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from tests.test_worker import worker  # noqa: F401  (the real-worker fixture)
from webhooks.models import Delivery, EventType
from webhooks.services import endpoint_create, event_record

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_delivers_a_signed_webhook(worker, team, receiver):  # noqa: F811
    endpoint = endpoint_create(team=team, url=receiver.url, event_types=EventType.values)
    with transaction.atomic():
        event = event_record(
            team=team, type=EventType.COMPLETED, payload={"id": "invite-1", "status": "COMPLETED"}
        )
    assert receiver.received.wait(60), "the worker did not deliver the webhook within 60 s"
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    body = Webhook(endpoint.secret).verify(request["body"], headers)
    assert body["type"] == "candidate_interview.completed"
    assert body["data"] == {"id": "invite-1", "status": "COMPLETED"}
    assert headers["webhook-id"] == str(event.pk)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        delivery = Delivery.objects.get()
        if delivery.status != Delivery.Status.PENDING:
            break
        time.sleep(0.2)
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.response_status == 200
