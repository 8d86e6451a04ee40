"""A key reaches only the teams its creator may manage now; organization keys belong to
organization owners (issue 12, item 1)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from accounts.models import AuditEvent, Membership, Role
from accounts.selectors import organization_owner
from api.keys import SCOPES, api_key_check, api_key_create, api_key_revoke
from tests.factories import (
    InterviewFactory,
    MembershipFactory,
    NarratorFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/qsi/gather/narrators"


@pytest.fixture
def sibling(team, owner):
    """A second team of the organization, owned by the same owner."""
    sibling = TeamFactory(organization=team.organization, name="Sibling")
    MembershipFactory(team=sibling, user=owner, role=Role.OWNER)
    NarratorFactory(team=sibling, name="Sibling voice")
    return sibling


def _client(raw):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def _key(by, *, team=None, default_team=None, organization=None):
    _api_key, raw = api_key_create(
        organization=organization or (team or default_team).organization,
        name="Integration",
        scopes=list(SCOPES),
        team=team,
        default_team=default_team,
        by=by,
    )
    return raw


def _set_role(user, team, role):
    Membership.objects.filter(user=user, team=team).update(role=role)


def test_it_defines_an_organization_owner_as_an_owner_of_every_team(team, owner, admin_user):
    assert organization_owner(user=owner, organization_id=team.organization_id)
    assert not organization_owner(user=admin_user, organization_id=team.organization_id)
    newcomer = TeamFactory(organization=team.organization)
    MembershipFactory(team=newcomer, user=owner, role=Role.ADMIN)
    assert not organization_owner(user=owner, organization_id=team.organization_id)
    _set_role(owner, newcomer, Role.OWNER)
    assert organization_owner(user=owner, organization_id=team.organization_id)
    owner.is_active = False
    owner.save()
    assert not organization_owner(user=owner, organization_id=team.organization_id)


def test_it_refuses_an_organization_key_from_a_team_admin(team, admin_user):
    with pytest.raises(ValidationError) as caught:
        _key(admin_user, default_team=team, organization=team.organization)
    assert set(caught.value.message_dict) == {"level"}
    assert "organization owners" in caught.value.message_dict["level"][0]


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "outsider"])
def test_it_refuses_a_team_key_from_someone_who_cannot_manage_the_team(request, team, persona):
    with pytest.raises(PermissionDenied):
        _key(request.getfixturevalue(persona), team=team)


def test_a_team_key_stops_when_its_creator_is_demoted(team, admin_user):
    client = _client(_key(admin_user, team=team))
    assert client.get(URL).status_code == 200
    _set_role(admin_user, team, Role.RECRUITER)
    response = client.get(URL)
    assert response.status_code == 401
    assert "can no longer manage its team" in response.json()["detail"]
    assert client.get(URL, {"teamId": str(team.pk)}).status_code == 401


@pytest.mark.parametrize("how", ["removed", "deactivated", "deleted"])
def test_a_team_key_stops_when_its_creator_leaves(team, admin_user, how):
    client = _client(_key(admin_user, team=team))
    if how == "removed":
        Membership.objects.filter(user=admin_user).delete()
    elif how == "deactivated":
        admin_user.is_active = False
        admin_user.save()
    else:
        admin_user.delete()
    assert client.get(URL).status_code == 401


def test_an_organization_key_reaches_only_teams_its_creator_still_manages(team, owner, sibling):
    client = _client(_key(owner, default_team=team, organization=team.organization))
    assert client.get(URL, {"teamId": str(sibling.pk)}).status_code == 200
    _set_role(owner, sibling, Role.RECRUITER)
    response = client.get(URL, {"teamId": str(sibling.pk)})
    assert response.status_code == 404
    assert "Sibling voice" not in response.content.decode()
    Membership.objects.filter(user=owner, team=sibling).delete()
    assert client.get(URL, {"teamId": str(sibling.pk)}).status_code == 404
    assert client.get(URL, {"teamId": str(team.pk)}).status_code == 200


def test_an_organization_key_is_refused_its_default_team_once_its_creator_cannot_manage_it(
    team, owner, sibling
):
    client = _client(_key(owner, default_team=sibling, organization=team.organization))
    _set_role(owner, sibling, Role.HIRING_MANAGER)
    response = client.get(URL)
    assert response.status_code == 403
    assert "default team" in response.json()["detail"]
    assert client.get(URL, {"teamId": str(team.pk)}).status_code == 200


def test_an_organization_key_never_copies_into_or_out_of_a_team_its_creator_left(
    team, owner, sibling
):
    client = _client(_key(owner, default_team=team, organization=team.organization))
    theirs = InterviewFactory(team=sibling)
    mine = InterviewFactory(team=team)
    Membership.objects.filter(user=owner, team=sibling).delete()
    url = "/qsi/gather/interviews/{}/copy"
    assert client.post(url.format(theirs.pk), {}, format="json").status_code == 404
    into = client.post(url.format(mine.pk), {"teamId": str(sibling.pk)}, format="json")
    assert into.status_code == 404
    assert client.post(url.format(mine.pk), {}, format="json").status_code == 201


def test_only_an_organization_owner_revokes_an_organization_key(team, owner, admin_user):
    raw = _key(owner, default_team=team, organization=team.organization)
    api_key = api_key_check(raw)
    with pytest.raises(PermissionDenied):
        api_key_revoke(api_key=api_key, by=admin_user)
    api_key_revoke(api_key=api_key, by=owner)
    assert _client(raw).get(URL).status_code == 401
    event = AuditEvent.objects.get(action="api_key.revoked")
    assert (event.team, event.actor) == (team, owner)


def test_a_team_admin_revokes_a_team_key_of_their_team_only(team, owner, admin_user, other_team):
    api_key = api_key_check(_key(owner, team=team))
    stranger = UserFactory()
    MembershipFactory(team=other_team, user=stranger, role=Role.OWNER)
    with pytest.raises(PermissionDenied):
        api_key_revoke(api_key=api_key, by=stranger)
    assert api_key_revoke(api_key=api_key, by=admin_user).revoked_at is not None
