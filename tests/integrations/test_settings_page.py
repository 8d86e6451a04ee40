"""Settings → Integrations: who may see it, turning Greenhouse on (the key shown once), off,
rotating the key, and the request log."""

import pytest
from django.urls import reverse

from integrations.models import Connector, ConnectorRequest
from integrations.services import connector_enable
from tests.factories import ConnectorRequestFactory

pytestmark = pytest.mark.django_db
URL = reverse("integrations:settings")
ENABLE = reverse("integrations:greenhouse_enable")
DISABLE = reverse("integrations:greenhouse_disable")
ROTATE = reverse("integrations:greenhouse_rotate")


def test_it_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["owner", "admin_user"])
def test_owners_and_admins_see_it_with_an_empty_state(login, request, persona):
    response = login(request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not set up" in html
    assert "No calls yet. Enable an integration above" in html
    assert reverse("integrations:settings") in html  # the settings menu links it


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_it_forbids_other_roles(login, request, persona, team):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    for url in (ENABLE, DISABLE, ROTATE):
        assert client.post(url).status_code == 403
    assert not Connector.objects.exists()


def test_enabling_shows_the_key_once_and_the_four_urls(login, owner, team, settings):
    client = login(owner)
    response = client.post(ENABLE)
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    connector = Connector.objects.get(team=team, kind="greenhouse")
    html = response.content.decode()
    assert f'value="pg_{connector.key_prefix}_' in html
    assert "data-copy-button" in html
    for endpoint in ("list_tests", "send_test", "test_status", "response_error"):
        assert f"{settings.SITE_URL}/integrations/greenhouse/{endpoint}" in html
    again = client.get(URL).content.decode()
    assert f'value="pg_{connector.key_prefix}_' not in again
    assert f"pg_{connector.key_prefix}_…" in again


def test_disable_then_enable_keeps_the_key(login, owner, team):
    connector, _key = connector_enable(team=team, kind="greenhouse", by=owner)
    client = login(owner)
    assert client.post(DISABLE).status_code == 302
    connector.refresh_from_db()
    assert not connector.enabled
    response = client.post(ENABLE)
    assert response.status_code == 302
    connector.refresh_from_db()
    assert connector.enabled


def test_rotating_shows_a_new_key(login, owner, team):
    connector, old = connector_enable(team=team, kind="greenhouse", by=owner)
    response = login(owner).post(ROTATE)
    assert response.status_code == 200
    connector.refresh_from_db()
    html = response.content.decode()
    assert f'value="pg_{connector.key_prefix}_' in html
    assert old not in html
    assert "Make a new key" in html  # the rotate confirmation


def test_disable_without_a_connector_is_a_404(login, owner):
    assert login(owner).post(DISABLE).status_code == 404


def test_it_shows_only_this_teams_calls(login, owner, team, other_team):
    ConnectorRequestFactory(connector__team=team, path="/integrations/greenhouse/ours")
    ConnectorRequestFactory(connector__team=other_team, path="/integrations/greenhouse/theirs")
    html = login(owner).get(URL).content.decode()
    assert "/integrations/greenhouse/ours" in html
    assert "/integrations/greenhouse/theirs" not in html


def test_the_request_log_costs_the_same_at_any_size(
    login, owner, team, django_assert_max_num_queries
):
    connector, _key = connector_enable(team=team, kind="greenhouse", by=owner)
    ConnectorRequest.objects.bulk_create(
        ConnectorRequest(
            connector=connector, method="GET", path=f"/p/{n}", status_code=200, duration_ms=n
        )
        for n in range(80)
    )
    client = login(owner)
    client.get(URL)
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert response.content.decode().count("/p/") == 50
