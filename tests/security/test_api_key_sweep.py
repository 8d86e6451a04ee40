"""Keys made by every role that can make one, tried on every team of their organization.

One organization, three teams (A, B, C), each with a candidate. Keys are made through the real
service by each persona that may make one; each key then tries, with ``teamId``, to list every
team's candidates, download a candidate's export zip and add a webhook. A key must answer 404
on every team its creator cannot manage *now* (issue 12, item 1), and work on the others.
Those who may not make keys (recruiters, hiring managers), and team owners or admins asking for
an organization key, are refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import ApiKey, Membership, Role, Team, User
from api.keys import SCOPES, api_key_create
from tests.factories import CandidateFactory, MembershipFactory, OrganizationFactory, TeamFactory
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db
TEAMS = ("A", "B", "C")
OW, AD, R, HM = Role.OWNER, Role.ADMIN, Role.RECRUITER, Role.HIRING_MANAGER

# Each persona's role in each team; "demoted_owner" owned every team when making its key.
PERSONAS: dict[str, dict[str, str]] = {
    "org_owner": {"A": OW, "B": OW, "C": OW},
    "demoted_owner": {"A": OW, "B": OW, "C": OW},
    "owner_a_admin_b": {"A": OW, "B": AD},
    "admin_a": {"A": AD},
    "admin_a_recruiter_b": {"A": AD, "B": R},
    "admin_a_hm_b": {"A": AD, "B": HM},
    "recruiter_a": {"A": R},
    "hiring_manager_a": {"A": HM},
}

LEGACY = "admin of A and recruiter in B, org key made before this release"

# The keys made: label -> (creator, team of a team key or None for an organization key,
# the teams it must reach; every other team of the organization must be a 404).
KEYS: dict[str, tuple[str, str | None, set[str]]] = {
    "org owner, org key": ("org_owner", None, {"A", "B", "C"}),
    "org owner, team key A": ("org_owner", "A", {"A"}),
    "owner since demoted to recruiter in C, org key": ("demoted_owner", None, {"A", "B"}),
    "owner of A, team key A": ("owner_a_admin_b", "A", {"A"}),
    "owner of A and admin of B, team key B": ("owner_a_admin_b", "B", {"B"}),
    "admin of A, team key A": ("admin_a", "A", {"A"}),
    "admin of A and recruiter in B, team key A": ("admin_a_recruiter_b", "A", {"A"}),
    "admin of A and hiring manager in B, team key A": ("admin_a_hm_b", "A", {"A"}),
    # As the old page made them for any admin (the door of issue 12); the service refuses now.
    LEGACY: ("admin_a_recruiter_b", None, {"A"}),
}

WEBHOOK_URL = "https://hooks.example.com/in"


@dataclass
class Org:
    teams: dict[str, Team]
    users: dict[str, User]
    candidates: dict[str, Any]
    keys: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def org(django_db_setup: None, django_db_blocker: Any) -> Iterator[Org]:
    """The organization and its keys, built once for the module and rolled back after it."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    fast.enable()
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            organization = OrganizationFactory(name="Sweep organization")
            teams = {
                name: TeamFactory(organization=organization, name=f"Team {name}") for name in TEAMS
            }
            candidates = {
                name: CandidateFactory(team=team, first_name="Quokka", last_name=f"Team{name}")
                for name, team in teams.items()
            }
            users: dict[str, Any] = {}
            for persona, roles in PERSONAS.items():
                for i, (team_name, role) in enumerate(roles.items()):
                    membership = MembershipFactory(
                        team=teams[team_name],
                        role=role,
                        **(
                            {"user": users[persona]}
                            if i
                            else {"user__email": f"{persona}@sweep.test"}
                        ),
                    )
                    users[persona] = membership.user
            built = Org(teams=teams, users=users, candidates=candidates)
            for label, (creator, key_team, _reach) in KEYS.items():
                team = teams[key_team] if key_team else None
                if label == LEGACY:
                    built.keys[label] = _legacy_key(organization, teams["A"], users[creator])
                    continue
                _key, raw = api_key_create(
                    organization=organization,
                    name=label[:100],
                    scopes=list(SCOPES),
                    team=team,
                    default_team=None if team else teams["A"],
                    by=users[creator],
                )
                built.keys[label] = raw
            # Made while an organization owner; then demoted in one team.
            Membership.objects.filter(user=users["demoted_owner"], team=teams["C"]).update(
                role=Role.RECRUITER
            )
            yield built
            transaction.set_rollback(True)
    finally:
        fast.disable()


def _legacy_key(organization: Any, default_team: Team, by: User) -> str:
    prefix, raw = "legacy000001", "pk_legacy000001_sweep"
    ApiKey.objects.create(
        organization=organization,
        default_team=default_team,
        name="Legacy organization key",
        prefix=prefix,
        secret_hash=hashlib.sha256(raw.encode()).hexdigest(),
        scopes=list(SCOPES),
        created_by=by,
    )
    return raw


def _request(method: str, url: str, key: str, body: dict[str, Any] | None = None) -> Any:
    """One API request in a savepoint that is rolled back; returns (response, endpoints made)."""
    client = Client(raise_request_exception=False)
    with transaction.atomic():
        before = Endpoint.objects.count()
        if method == "POST":
            response = client.post(
                url, json.dumps(body or {}), content_type="application/json", HTTP_X_API_KEY=key
            )
        else:
            response = client.get(url, HTTP_X_API_KEY=key)
        made = Endpoint.objects.count() - before
        transaction.set_rollback(True)
    return response, made


def _try(org: Org, action: str, key: str, team_name: str) -> tuple[Any, int]:
    team_id = str(org.teams[team_name].pk)
    if action == "list candidates":
        return _request("GET", f"/qsi/gather/candidates?teamId={team_id}", key)
    if action == "export a candidate":
        candidate = org.candidates[team_name]
        return _request(
            "GET", f"/qsi/gather/candidates/{candidate.pk}/export?teamId={team_id}", key
        )
    return _request(
        "POST",
        "/qsi/gather/webhooks",
        key,
        {"url": WEBHOOK_URL, "eventTypes": ["candidate_interview.completed"], "teamId": team_id},
    )


ACTIONS = ("list candidates", "export a candidate", "add a webhook")


@pytest.mark.parametrize("team_name", TEAMS)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("label", list(KEYS))
def test_a_key_reaches_exactly_the_teams_its_creator_manages(
    org, public_dns, label, action, team_name
):
    _creator, _team, reach = KEYS[label]
    response, made = _try(org, action, org.keys[label], team_name)
    body = response.content.decode(errors="replace")
    print(f"{label:50} {action:20} team {team_name} -> {response.status_code}")
    if team_name not in reach:
        assert response.status_code == 404, body
        assert "Quokka" not in body
        assert not made
        return
    expected = {"list candidates": 200, "export a candidate": 200, "add a webhook": 201}[action]
    assert response.status_code == expected, body
    if action == "list candidates":
        assert f"Team{team_name}" in body
    elif action == "export a candidate":
        assert response["Content-Type"] == "application/zip"
    else:
        assert made == 1


@pytest.mark.parametrize(
    ("persona", "team_name"),
    [(p, t) for p, roles in PERSONAS.items() for t, role in roles.items() if role in (R, HM)],
)
def test_recruiters_and_hiring_managers_cannot_make_keys(org, persona, team_name):
    team = org.teams[team_name]
    with pytest.raises(PermissionDenied):
        api_key_create(
            organization=team.organization,
            name="Not mine to make",
            scopes=list(SCOPES),
            team=team,
            by=org.users[persona],
        )
    if set(PERSONAS[persona]) == {team_name}:
        client = Client()
        client.force_login(org.users[persona])
        page = reverse("dashboard:api_keys")
        assert client.get(page).status_code == 403
        form = {"name": "x", "scopes": ["candidates:read"], "level": "team"}
        assert client.post(page, form).status_code == 403


@pytest.mark.parametrize(
    "persona",
    [p for p, roles in PERSONAS.items() if set(roles.values()) != {OW} and roles["A"] in (OW, AD)],
)
def test_team_owners_and_admins_cannot_make_an_organization_key(org, persona):
    user = org.users[persona]
    count = ApiKey.objects.count()
    with pytest.raises(ValidationError) as caught:
        api_key_create(
            organization=org.teams["A"].organization,
            name="Whole organization",
            scopes=list(SCOPES),
            default_team=org.teams["A"],
            by=user,
        )
    assert "level" in caught.value.message_dict
    client = Client()
    client.force_login(user)  # their current team is their first by name: Team A
    with transaction.atomic():
        response = client.post(
            reverse("dashboard:api_keys"),
            {"name": "Whole organization", "scopes": ["candidates:read"], "level": "organization"},
        )
        transaction.set_rollback(True)
    assert response.status_code == 422
    assert ApiKey.objects.count() == count
