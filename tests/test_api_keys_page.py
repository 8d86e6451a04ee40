"""Settings → API keys: who may see it, creating a key (shown once), revoking."""

import pytest
from django.urls import reverse

from accounts.models import ApiKey, Role
from api.keys import api_key_check, api_key_create
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:api_keys")


@pytest.fixture
def team_key(team, owner):
    api_key, _raw = api_key_create(
        organization=team.organization,
        name="ATS sync",
        scopes=["questions:read"],
        team=team,
        by=owner,
    )
    return api_key


def test_it_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["owner", "admin_user"])
def test_it_lists_keys_for_owners_and_admins(login, request, persona, team_key):
    response = login(request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ATS sync" in html
    assert f"pk_{team_key.prefix}_…" in html
    assert "questions:read" in html
    assert "Never" in html


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_it_forbids_other_roles(login, request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x", "scopes": ["questions:read"]}).status_code == 403


def test_it_hides_another_organizations_keys(login, owner, outsider, other_team):
    api_key_create(
        organization=other_team.organization,
        name="Globex secret",
        scopes=["questions:read"],
        default_team=other_team,
        by=outsider,
    )
    assert "Globex secret" not in login(owner).get(URL).content.decode()


def test_it_creates_a_team_key_and_shows_it_once(login, owner, team):
    client = login(owner)
    response = client.post(
        URL, {"name": "ATS sync", "scopes": ["questions:read", "questions:write"], "level": "team"}
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    raw = response.context["secret"]
    assert raw in response.content.decode()
    api_key = api_key_check(raw)
    assert api_key.team == team
    assert api_key.scopes == ["questions:read", "questions:write"]
    assert api_key.created_by == owner
    assert raw not in client.get(URL).content.decode()


def test_it_creates_an_organization_key_with_this_team_as_default(login, owner, team):
    response = login(owner).post(
        URL, {"name": "Org sync", "scopes": ["interviews:read"], "level": "organization"}
    )
    api_key = api_key_check(response.context["secret"])
    assert api_key.team is None
    assert api_key.default_team == team
    assert "default team Acme Recruiting" in login(owner).get(URL).content.decode()


def test_it_explains_a_missing_name_or_scope(login, owner):
    response = login(owner).post(URL, {"name": "", "level": "team"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"name", "scopes"}
    assert not ApiKey.objects.exists()


def test_it_revokes_a_key(login, owner, team_key):
    client = login(owner)
    response = client.post(reverse("dashboard:api_key_revoke", args=[team_key.pk]))
    assert response.status_code == 302
    team_key.refresh_from_db()
    assert team_key.revoked_at is not None
    assert "Revoked" in client.get(URL).content.decode()


def test_it_refuses_to_revoke_with_get(login, owner, team_key):
    response = login(owner).get(reverse("dashboard:api_key_revoke", args=[team_key.pk]))
    assert response.status_code == 405


def test_it_answers_404_for_an_outsiders_key(login, owner, other_team, outsider):
    theirs, _raw = api_key_create(
        organization=other_team.organization,
        name="Globex",
        scopes=["questions:read"],
        team=other_team,
        by=outsider,
    )
    client = login(owner)
    assert client.post(reverse("dashboard:api_key_revoke", args=[theirs.pk])).status_code == 404
    assert client.post("/settings/api-keys/nope/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_it_lists_keys_in_constant_queries(login, owner, team, django_assert_max_num_queries):
    for n in range(30):
        api_key_create(
            organization=team.organization,
            name=f"Key {n}",
            scopes=["questions:read"],
            team=team,
            by=owner,
        )
    client = login(owner)
    client.get(URL)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.content.decode().count("pk_") == 30


@pytest.fixture
def org_key(team, owner):
    api_key, _raw = api_key_create(
        organization=team.organization,
        name="Org sync",
        scopes=["questions:read"],
        default_team=team,
        by=owner,
    )
    return api_key


def test_it_shows_organization_keys_and_the_choice_to_organization_owners(
    login, owner, team_key, org_key
):
    response = login(owner).get(URL)
    html = response.content.decode()
    assert "ATS sync" in html
    assert "Org sync" in html
    assert 'value="organization"' in html
    assert "organization keys are made and revoked only by organization owners" in html


def test_it_shows_a_team_admin_only_the_teams_keys_and_no_organization_choice(
    login, admin_user, team_key, org_key
):
    response = login(admin_user).get(URL)
    html = response.content.decode()
    assert "ATS sync" in html
    assert "Org sync" not in html
    assert 'value="organization"' not in html
    assert "where that person is still an owner or admin" in html


def test_it_refuses_an_organization_key_to_a_team_admin(login, admin_user):
    response = login(admin_user).post(
        URL, {"name": "Org sync", "scopes": ["interviews:read"], "level": "organization"}
    )
    assert response.status_code == 422
    assert "Only organization owners" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_a_team_owner_who_does_not_own_every_team_is_not_an_organization_owner(
    login, owner, team, org_key
):
    sibling = TeamFactory(organization=team.organization)
    MembershipFactory(team=sibling, user=owner, role=Role.ADMIN)
    client = login(owner)
    html = client.get(URL).content.decode()
    assert "Org sync" not in html
    assert 'value="organization"' not in html
    response = client.post(
        URL, {"name": "Again", "scopes": ["interviews:read"], "level": "organization"}
    )
    assert response.status_code == 422


def test_a_team_admin_cannot_revoke_an_organization_key(login, admin_user, org_key):
    response = login(admin_user).post(reverse("dashboard:api_key_revoke", args=[org_key.pk]))
    assert response.status_code == 404
    org_key.refresh_from_db()
    assert org_key.revoked_at is None


def test_an_organization_owner_revokes_an_organization_key(login, owner, org_key):
    response = login(owner).post(reverse("dashboard:api_key_revoke", args=[org_key.pk]))
    assert response.status_code == 302
    org_key.refresh_from_db()
    assert org_key.revoked_at is not None
