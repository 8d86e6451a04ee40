"""Webhooks: recording events with the change, signed delivery, retries, redelivery,
disabling a failing endpoint, refusing private addresses, and the team-admin pages."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from candidates.models import CandidateInterview
from candidates.services.invites import candidate_interview_transition, invite_expire_due
from interviews.services.interviews import interview_update
from tests.factories import CandidateInterviewFactory, InterviewFactory
from webhooks.models import Delivery, Endpoint, Event, EventType
from webhooks.services import (
    delivery_attempt,
    delivery_redeliver,
    endpoint_create,
    event_record,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(team, receiver):
    return endpoint_create(team=team, url=receiver.url, event_types=EventType.values)


def _send(team, run, type=EventType.INTERVIEW_UPDATED, payload=None):
    with run(execute=True):
        return event_record(team=team, type=type, payload=payload or {"id": "abc"})


# --- recording ---------------------------------------------------------------------------------


def test_it_records_one_pending_delivery_per_subscribed_endpoint(team, other_team):
    wants = endpoint_create(
        team=team, url="https://a.example.com", event_types=[EventType.INTERVIEW_UPDATED]
    )
    endpoint_create(team=team, url="https://b.example.com", event_types=[EventType.COMPLETED])
    off = endpoint_create(
        team=team, url="https://c.example.com", event_types=[EventType.INTERVIEW_UPDATED]
    )
    Endpoint.objects.filter(pk=off.pk).update(enabled=False)
    endpoint_create(
        team=other_team, url="https://d.example.com", event_types=[EventType.INTERVIEW_UPDATED]
    )
    event = event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={"id": "1"})
    assert [(d.endpoint, d.status) for d in Delivery.objects.all()] == [
        (wants, Delivery.Status.PENDING)
    ]
    assert event.body()["data"] == {"id": "1"}


def test_it_records_nothing_when_nobody_listens(team):
    assert event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={}) is None
    assert not Event.objects.exists()


def test_it_records_no_event_when_the_change_rolls_back(team, endpoint):
    interview = InterviewFactory(team=team)

    def change() -> None:
        with transaction.atomic():
            interview_update(interview=interview, title="Renamed")
            assert Event.objects.count() == 1
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        change()
    assert not Event.objects.exists()
    assert not Delivery.objects.exists()


def test_it_records_interview_updates(team, endpoint):
    interview = InterviewFactory(team=team)
    interview_update(interview=interview, title="Renamed")
    event = Event.objects.get()
    assert event.type == EventType.INTERVIEW_UPDATED
    assert event.payload["id"] == str(interview.pk)
    assert event.payload["title"] == "Renamed"


def test_it_records_invite_transitions(team, endpoint):
    invite = CandidateInterviewFactory(interview__team=team)
    candidate_interview_transition(invite=invite, to=CandidateInterview.Status.IN_PROGRESS)
    candidate_interview_transition(invite=invite, to=CandidateInterview.Status.COMPLETED)
    # Each change also records candidate_interview.status_changed (issue 17): the specific
    # events are the ones checked here.
    events = list(
        Event.objects.exclude(type=EventType.STATUS_CHANGED)
        .order_by("created_at")
        .values_list("type", "payload")
    )
    assert [t for t, _p in events] == [EventType.STARTED, EventType.COMPLETED]
    assert events[1][1]["id"] == str(invite.pk)
    assert events[1][1]["status"] == "COMPLETED"
    assert events[1][1]["candidateId"] == str(invite.candidate_id)


def test_it_records_batched_expiry(team, endpoint):
    past = timezone.now() - timedelta(hours=1)
    invite = CandidateInterviewFactory(interview__team=team, expires_at=past)
    CandidateInterviewFactory(expires_at=past)  # another team, no endpoint
    assert invite_expire_due() == 2
    event = Event.objects.get(type=EventType.EXPIRED)
    assert event.payload["id"] == str(invite.pk)


# --- delivery ----------------------------------------------------------------------------------


def test_it_delivers_a_signed_webhook(team, endpoint, receiver, django_capture_on_commit_callbacks):
    event = _send(team, django_capture_on_commit_callbacks, payload={"id": "q1"})
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    verified = Webhook(endpoint.secret).verify(request["body"], headers)
    assert verified == {
        "type": "interview.updated",
        "timestamp": verified["timestamp"],
        "data": {"id": "q1"},
    }
    assert headers["webhook-id"] == str(event.pk)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.response_status == 200
    assert json.loads(delivery.response_excerpt) == {"ok": True}
    assert delivery.duration_ms is not None


def test_a_wrong_secret_does_not_verify(
    team, endpoint, receiver, django_capture_on_commit_callbacks
):
    from standardwebhooks.webhooks import WebhookVerificationError

    _send(team, django_capture_on_commit_callbacks)
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    other = endpoint_create(team=team, url=receiver.url, event_types=["interview.updated"])
    with pytest.raises(WebhookVerificationError):
        Webhook(other.secret).verify(request["body"], headers)


def test_it_retries_until_the_receiver_succeeds(
    team, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0, 0]
    receiver.statuses = [500, 503, 200]
    _send(team, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 3
    attempts = list(
        Delivery.objects.order_by("attempt").values_list("attempt", "status", "response_status")
    )
    assert attempts == [
        (1, Delivery.Status.RETRYING, 500),
        (2, Delivery.Status.RETRYING, 503),
        (3, Delivery.Status.SUCCEEDED, 200),
    ]
    # One event, one id: receivers can drop duplicates.
    ids = {
        v for r in receiver.requests for k, v in r["headers"].items() if k.lower() == "webhook-id"
    }
    assert len(ids) == 1
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_it_stops_after_the_last_retry(
    team, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.statuses = [500]
    _send(team, django_capture_on_commit_callbacks)
    assert list(Delivery.objects.order_by("attempt").values_list("status", flat=True)) == [
        Delivery.Status.RETRYING,
        Delivery.Status.FAILED,
    ]


def test_a_delivery_is_sent_once_even_if_its_task_runs_twice(team, endpoint, receiver):
    event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={})
    delivery = Delivery.objects.get()
    assert delivery_attempt(delivery_id=delivery.pk) is not None
    assert delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1


def test_redeliver_makes_a_new_attempt(
    team, endpoint, receiver, django_capture_on_commit_callbacks
):
    _send(team, django_capture_on_commit_callbacks)
    first = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = delivery_redeliver(delivery=first)
    again.refresh_from_db()
    assert (again.attempt, again.is_redelivery, again.status) == (
        2,
        True,
        Delivery.Status.SUCCEEDED,
    )
    assert len(receiver.requests) == 2


def test_it_disables_an_endpoint_failing_for_five_days_and_emails_admins(
    team, owner, admin_user, recruiter, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={})
    start = timezone.now()
    first = Delivery.objects.get()
    delivery_attempt(delivery_id=first.pk, now=start)
    endpoint.refresh_from_db()
    assert endpoint.failing_since == start
    assert endpoint.enabled
    retry = Delivery.objects.get(attempt=2)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=retry.pk, now=start + timedelta(days=5, seconds=1))
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "5 days" in endpoint.disabled_reason
    retry.refresh_from_db()
    assert retry.status == Delivery.Status.FAILED
    assert not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([owner.email, admin_user.email])
    assert endpoint.url in mail.outbox[0].body
    assert endpoint.secret not in mail.outbox[0].body


def test_a_success_ends_the_failure_streak(team, endpoint, receiver):
    receiver.statuses = [500, 200]
    event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={})
    start = timezone.now()
    delivery_attempt(delivery_id=Delivery.objects.get().pk, now=start)
    delivery_attempt(delivery_id=Delivery.objects.get(attempt=2).pk, now=start + timedelta(days=4))
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert endpoint.enabled


def test_it_refuses_private_addresses_unless_allowed(
    team, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_RETRY_SCHEDULE = []
    _send(team, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert "127.0.0.1" in delivery.error
    assert "private" in delivery.error
    assert receiver.requests == []


@pytest.mark.parametrize(
    "host", ["10.0.0.5", "192.168.1.1", "169.254.169.254", "[::1]", "[fe80::1]", "localhost"]
)
def test_it_refuses_every_kind_of_internal_address(settings, host):
    from webhooks.services import RefusedAddress, _resolve_checked

    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(RefusedAddress):
        _resolve_checked(f"http://{host}/x")


def test_the_connection_goes_to_the_address_that_was_checked(
    settings, team, endpoint, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS rebinding: the name resolves to a public address when checked, then to another
    address. The sender must connect to the checked address, never resolve again."""
    import socket

    settings.WEBHOOK_RETRY_SCHEDULE = []
    port = receiver.url.split(":")[2].split("/")[0]
    endpoint.url = f"http://receiver.example:{port}/hook"
    endpoint.save(update_fields=["url"])
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        lookups.append(host)
        if host == "receiver.example":
            # First answer: the address the check sees. Any later lookup would get another one.
            target = "127.0.0.1" if len(lookups) == 1 else "10.9.9.9"
            return real_getaddrinfo(target, port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    _send(team, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED, delivery.error
    assert lookups.count("receiver.example") == 1
    assert receiver.requests[0]["headers"]["Host"] == f"receiver.example:{port}"


def test_the_sweep_enqueues_lost_deliveries(team, endpoint, receiver):
    from webhooks.services import deliveries_enqueue_due

    event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={})  # task never queued
    assert deliveries_enqueue_due(now=timezone.now() + timedelta(minutes=1)) == 1
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED


# --- dashboard pages ---------------------------------------------------------------------------

LIST = "webhooks:endpoint_list"


def test_the_list_works_for_admins(login, owner, endpoint):
    response = login(owner).get(reverse(LIST))
    assert response.status_code == 200
    assert endpoint.url in response.text
    assert endpoint.secret not in response.text
    assert "HX-Request" in response["Vary"]


def test_the_pages_need_login(client, endpoint):
    response = client.get(reverse(LIST))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_the_pages_are_forbidden_to_other_roles(login, request, endpoint, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).status_code == 403
    assert client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk])).status_code == 403
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_other_teams_endpoints_are_not_found(login, outsider, endpoint):
    client = login(outsider)
    assert client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).status_code == 404
    assert client.post(reverse("webhooks:endpoint_toggle", args=[endpoint.pk])).status_code == 404
    assert client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk])).status_code == 404
    assert client.get("/settings/webhooks/nope/").status_code == 404


def test_the_list_answers_htmx_with_the_table(login, owner, endpoint):
    response = login(owner).get(reverse(LIST), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert endpoint.url in response.text


def test_creating_shows_the_secret_once(login, owner, team):
    client = login(owner)
    assert client.get(reverse("webhooks:endpoint_create")).status_code == 200
    response = client.post(
        reverse("webhooks:endpoint_create"),
        {
            "url": "https://hooks.example.com/in",
            "description": "ATS",
            "event_types": ["candidate_interview.completed", "evaluation.completed"],
        },
    )
    assert response.status_code == 200
    endpoint = Endpoint.objects.get(team=team)
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.text
    assert endpoint.event_types == ["candidate_interview.completed", "evaluation.completed"]
    assert endpoint.created_by == owner
    for page in (reverse(LIST), reverse("webhooks:endpoint_detail", args=[endpoint.pk])):
        assert endpoint.secret not in client.get(page).text


def test_creating_needs_an_event_type(login, owner, team):
    response = login(owner).post(
        reverse("webhooks:endpoint_create"), {"url": "https://hooks.example.com/in"}
    )
    assert response.status_code == 422
    assert "Choose at least one event type." in response.text
    assert not Endpoint.objects.exists()


def test_editing_toggling_and_deleting(login, owner, endpoint):
    client = login(owner)
    url = reverse("webhooks:endpoint_edit", args=[endpoint.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"url": "https://new.example.com/h", "event_types": ["interview.updated"]}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://new.example.com/h"
    client.post(reverse("webhooks:endpoint_toggle", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    client.post(reverse("webhooks:endpoint_toggle", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk])).status_code == 302
    assert not Endpoint.objects.exists()


def test_the_detail_page_lists_deliveries_and_redelivers(
    login, owner, team, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [418]
    _send(team, django_capture_on_commit_callbacks)
    client = login(owner)
    response = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk]))
    assert response.status_code == 200
    assert "418" in response.text
    assert "Redeliver" in response.text
    first = Delivery.objects.order_by("attempt").first()
    receiver.statuses = [200]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:delivery_redeliver", args=[endpoint.pk, first.pk]))
    assert response.status_code == 302
    assert Delivery.objects.filter(is_redelivery=True, status=Delivery.Status.SUCCEEDED).exists()


def test_the_pages_query_count_is_constant(
    login, owner, team, endpoint, django_assert_max_num_queries
):
    for n in range(30):
        endpoint_create(
            team=team, url=f"https://h{n}.example.com", event_types=["interview.updated"]
        )
    for _ in range(30):
        event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={})
    client = login(owner)
    with django_assert_max_num_queries(12):
        assert client.get(reverse(LIST)).status_code == 200
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).status_code == 200
        )
