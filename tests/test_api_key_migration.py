"""The release migration of issue 12 narrows or revokes every key that reaches past what its
creator may manage (accounts/migrations/0005_api_keys_narrow.py, the function it runs)."""

import importlib

import pytest
from django.apps import apps

from accounts.models import ApiKey, AuditEvent, Membership, Role
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("accounts.migrations.0005_api_keys_narrow")


def _key(name, *, by, team=None, default_team=None, organization=None):
    """A key as the old code could make it: any creator, any level (no service checks)."""
    return ApiKey.objects.create(
        organization=organization or (team or default_team).organization,
        team=team,
        default_team=default_team,
        name=name,
        prefix=name.lower().replace(" ", "-")[:16],
        secret_hash="0" * 64,
        scopes=["interviews:read"],
        created_by=by,
    )


def test_it_narrows_or_revokes_exactly_the_keys_that_reach_too_far(
    team, owner, admin_user, recruiter
):
    org = team.organization
    sibling = TeamFactory(organization=org)
    MembershipFactory(team=sibling, user=owner, role=Role.OWNER)
    MembershipFactory(team=sibling, user=recruiter, role=Role.ADMIN)
    keep = [
        _key("Owner org key", by=owner, default_team=team),
        _key("Owner team key", by=owner, team=team),
        _key("Admin team key", by=admin_user, team=team),
    ]
    narrowed = _key("Admin org key", by=admin_user, default_team=team)
    revoked = [
        _key("Admin org no default", by=admin_user, organization=org),
        _key("Recruiter org key", by=recruiter, default_team=team),
        _key("Demoted team key", by=recruiter, team=team),
        _key("Orphan team key", by=None, team=team),
        _key("Orphan org key", by=None, default_team=team),
    ]
    already = _key("Already revoked", by=recruiter, team=team)
    ApiKey.objects.filter(pk=already.pk).update(revoked_at="2026-01-01T00:00Z")

    done = migration.api_keys_narrow(apps)

    assert done == {
        "narrowed": [narrowed.prefix],
        "revoked": [key.prefix for key in revoked],
    }
    narrowed.refresh_from_db()
    assert (narrowed.team, narrowed.default_team, narrowed.revoked_at) == (team, None, None)
    assert not ApiKey.objects.filter(pk__in=[k.pk for k in keep], revoked_at__isnull=False)
    assert (
        ApiKey.objects.filter(pk__in=[k.pk for k in revoked], revoked_at__isnull=True).count() == 0
    )
    events = AuditEvent.objects.filter(action__in=["api_key.narrowed", "api_key.revoked"])
    assert events.count() == 1 + len(revoked)
    assert events.get(action="api_key.narrowed").team == team
    # Run twice, it changes nothing more.
    assert migration.api_keys_narrow(apps) == {"narrowed": [], "revoked": []}


def test_an_organization_owner_who_lost_one_team_keeps_no_organization_key(team, owner):
    """Owner of the default team but only admin of a sibling: no longer an organization
    owner, so the organization key is narrowed to the default team."""
    sibling = TeamFactory(organization=team.organization)
    MembershipFactory(team=sibling, user=owner, role=Role.ADMIN)
    key = _key("Was org", by=owner, default_team=team)
    assert migration.api_keys_narrow(apps)["narrowed"] == [key.prefix]
    Membership.objects.filter(user=owner, team=team).delete()
    key2 = _key("Was org 2", by=owner, default_team=team)
    assert migration.api_keys_narrow(apps)["revoked"] == [key.prefix, key2.prefix]
