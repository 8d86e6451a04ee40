"""The webhooks API: /qsi/gather/webhooks."""

import pytest

from tests.factories import InterviewFactory
from webhooks.models import Delivery, Endpoint, EventType
from webhooks.services import endpoint_create, event_record

# The webhooks take example.com names, which must resolve to a public address.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_dns")]

URL = "/qsi/gather/webhooks"


@pytest.fixture
def endpoint(team, owner):
    return endpoint_create(
        team=team, url="https://hooks.example.com/in", event_types=[EventType.INTERVIEW_UPDATED]
    )


def test_it_creates_a_webhook_and_shows_the_secret_once(api, team):
    response = api.post(
        URL,
        {"url": "https://hooks.example.com/x", "eventTypes": ["interview.updated"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    webhook = response.json()["data"]["webhook"]
    assert webhook["secret"].startswith("whsec_")
    assert webhook["eventTypes"] == ["interview.updated"]
    endpoint = Endpoint.objects.get(pk=webhook["id"])
    assert endpoint.team == team
    assert endpoint.secret == webhook["secret"]

    listed = api.get(URL).json()["data"]["webhooks"]
    assert [w["id"] for w in listed] == [webhook["id"]]
    assert "secret" not in listed[0]
    detail = api.get(f"{URL}/{webhook['id']}").json()["data"]["webhook"]
    assert "secret" not in detail


def test_it_rejects_unknown_event_types_and_bad_urls(api):
    response = api.post(URL, {"url": "ftp://x", "eventTypes": ["nope"]}, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"url", "eventTypes.0"}


def test_it_updates_and_deletes_a_webhook(api, endpoint):
    response = api.patch(
        f"{URL}/{endpoint.pk}",
        {"enabled": False, "eventTypes": ["candidate_interview.completed"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]["webhook"]
    assert data["enabled"] is False
    assert data["eventTypes"] == ["candidate_interview.completed"]
    assert api.delete(f"{URL}/{endpoint.pk}").status_code == 204
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_it_lists_deliveries_and_redelivers(
    api, team, endpoint, django_capture_on_commit_callbacks
):
    event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={"id": "x"})
    delivery = Delivery.objects.get()
    response = api.get(f"{URL}/{endpoint.pk}/deliveries")
    assert response.status_code == 200
    rows = response.json()["data"]["deliveries"]
    assert [r["id"] for r in rows] == [delivery.pk]
    assert rows[0]["eventType"] == "interview.updated"

    response = api.post(f"{URL}/{endpoint.pk}/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 202, response.content
    again = response.json()["data"]["delivery"]
    assert again["attempt"] == 2
    assert again["redelivery"] is True
    assert Delivery.objects.filter(endpoint=endpoint).count() == 2


def test_it_refuses_a_receiver_on_the_internal_network_with_400_naming_url(api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    for url in ("http://10.1.2.3/hook", "http://169.254.169.254/", "http://[::1]:8000/"):
        response = api.post(URL, {"url": url, "eventTypes": ["interview.updated"]}, format="json")
        assert response.status_code == 400, response.content
        problem = response.json()
        assert [e["field"] for e in problem["errors"]] == ["url"]
        assert "webhooks may only reach public addresses" in problem["detail"]
    assert not Endpoint.objects.exists()


def test_it_hides_other_teams_webhooks(api, other_team):
    theirs = endpoint_create(
        team=other_team, url="https://hooks.example.com/t", event_types=["interview.updated"]
    )
    assert api.get(f"{URL}/{theirs.pk}").status_code == 404
    assert api.patch(f"{URL}/{theirs.pk}", {"enabled": False}, format="json").status_code == 404
    assert api.delete(f"{URL}/{theirs.pk}").status_code == 404
    assert api.get(f"{URL}/{theirs.pk}/deliveries").status_code == 404
    assert api.get(f"{URL}/not-a-uuid").status_code == 404
    assert api.get(URL).json()["data"]["webhooks"] == []


def test_it_needs_the_webhook_scopes(make_key, endpoint):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_X_API_KEY=make_key(scopes=["webhooks:read"]))
    assert client.get(URL).status_code == 200
    response = client.post(
        URL, {"url": "https://h.example.com", "eventTypes": ["interview.updated"]}, format="json"
    )
    assert response.status_code == 403
    assert client.delete(f"{URL}/{endpoint.pk}").status_code == 403
    client.credentials(HTTP_X_API_KEY=make_key(scopes=["interviews:read"]))
    assert client.get(URL).status_code == 403


def test_it_needs_a_key(anonymous_api):
    assert anonymous_api.get(URL).status_code == 401


def test_it_lists_deliveries_in_constant_queries(
    api, team, endpoint, django_assert_max_num_queries
):
    interview = InterviewFactory(team=team)
    for _ in range(30):
        event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={"id": str(interview.pk)})
    with django_assert_max_num_queries(8):
        response = api.get(f"{URL}/{endpoint.pk}/deliveries?pageSize=50")
    assert len(response.json()["data"]["deliveries"]) == 30
    with django_assert_max_num_queries(8):
        assert api.get(URL).status_code == 200
