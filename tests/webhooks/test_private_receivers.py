"""A webhook aimed at the internal network is refused when it is made, not retried for days:
loopback, private, link-local and cloud-metadata addresses, and hosts that do not resolve, get a
400 naming ``url`` from the one service the dashboard and the API call (unless
WEBHOOK_ALLOW_PRIVATE is on, as in development)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from webhooks.models import Endpoint, EventType
from webhooks.services import endpoint_create, endpoint_update

pytestmark = pytest.mark.django_db

INTERNAL = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.0.0.5/hook",
    "http://192.168.1.1/hook",
    "http://172.16.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
]


@pytest.fixture(autouse=True)
def _production(settings, public_dns):
    settings.WEBHOOK_ALLOW_PRIVATE = False


@pytest.mark.parametrize("url", INTERNAL)
def test_it_refuses_an_internal_address_at_creation(team, url):
    with pytest.raises(ValidationError) as excinfo:
        endpoint_create(team=team, url=url, event_types=[EventType.INTERVIEW_UPDATED])
    [message] = excinfo.value.message_dict["url"]
    assert "webhooks may only reach public addresses" in message
    assert not Endpoint.objects.exists()


def test_it_refuses_a_host_that_does_not_resolve(team):
    with pytest.raises(ValidationError) as excinfo:
        endpoint_create(
            team=team, url="https://hooks.nowhere.invalid/in", event_types=["interview.updated"]
        )
    assert excinfo.value.message_dict["url"] == [
        "Cannot resolve hooks.nowhere.invalid (Name or service not known): check the host name."
    ]


def test_it_takes_a_public_host(team):
    endpoint = endpoint_create(
        team=team, url="https://hooks.example.com/in", event_types=["interview.updated"]
    )
    assert endpoint.url == "https://hooks.example.com/in"


def test_it_refuses_moving_an_endpoint_to_an_internal_address(team):
    endpoint = endpoint_create(
        team=team, url="https://hooks.example.com/in", event_types=["interview.updated"]
    )
    with pytest.raises(ValidationError) as excinfo:
        endpoint_update(endpoint=endpoint, url="http://169.254.169.254/")
    assert "url" in excinfo.value.message_dict
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/in"


def test_private_receivers_are_taken_when_allowed(team, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    endpoint = endpoint_create(
        team=team, url="http://127.0.0.1:9000/hook", event_types=["interview.updated"]
    )
    assert endpoint.url == "http://127.0.0.1:9000/hook"


def test_the_dashboard_shows_the_refusal_on_the_url_field(login, owner, team):
    response = login(owner).post(
        reverse("webhooks:endpoint_create"),
        {"url": "http://169.254.169.254/latest/", "event_types": ["interview.updated"]},
    )
    assert response.status_code == 422
    assert "webhooks may only reach public addresses" in response.context["form"].errors["url"][0]
    assert not Endpoint.objects.exists()
