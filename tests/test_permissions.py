"""The permission matrix in code and in docs/permissions.md are the same, and the access
helpers enforce it."""

import re
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from accounts.models import Membership, Role
from accounts.permissions import MATRIX, Perm
from accounts.tenancy import get_for_team
from interviews.models import Interview
from tests.factories import InterviewFactory

DOC = Path(__file__).resolve().parents[1] / "docs" / "permissions.md"
ROLE_COLUMNS = [Role.OWNER, Role.ADMIN, Role.RECRUITER, Role.HIRING_MANAGER]


def _documented_matrix() -> dict[str, set[str]]:
    granted: dict[str, set[str]] = {role: set() for role in ROLE_COLUMNS}
    for line in DOC.read_text().splitlines():
        match = re.match(r"\| `(\w+)` \|[^|]*\|(.*)\|\s*$", line)
        if not match:
            continue
        cells = [c.strip() for c in match.group(2).split("|")]
        assert len(cells) == len(ROLE_COLUMNS), line
        for role, cell in zip(ROLE_COLUMNS, cells, strict=True):
            if cell == "✓":
                granted[role].add(match.group(1))
    return granted


def test_it_documents_exactly_the_matrix_in_code():
    documented = _documented_matrix()
    assert {p for perms in documented.values() for p in perms} == {p.value for p in Perm}
    for role in ROLE_COLUMNS:
        assert documented[role] == {p.value for p in MATRIX[role]}, role


@pytest.mark.parametrize(
    ("role", "admin", "author", "owners"),
    [
        (Role.OWNER, True, True, True),
        (Role.ADMIN, True, True, False),
        (Role.RECRUITER, False, True, False),
        (Role.HIRING_MANAGER, False, False, False),
    ],
)
def test_it_derives_membership_abilities_from_the_matrix(role, admin, author, owners):
    membership = Membership(role=role)
    assert (membership.is_admin, membership.can_author, membership.can_manage_owners) == (
        admin,
        author,
        owners,
    )


def _request(user, team):
    request = RequestFactory().get("/")
    request.user = user
    request.membership = Membership.objects.select_related("team").get(user=user, team=team)
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["owner", "admin_user", "recruiter", "hiring_manager"])
def test_it_gives_every_role_read_access_to_its_teams_objects(request, persona, team):
    interview = InterviewFactory(team=team)
    user = request.getfixturevalue(persona)
    obj, can_edit = get_for_team(_request(user, team), Interview.objects.all(), interview.pk)
    assert obj == interview
    assert can_edit == (persona != "hiring_manager")


@pytest.mark.django_db
def test_it_refuses_writes_to_a_read_only_role(hiring_manager, team):
    interview = InterviewFactory(team=team)
    with pytest.raises(PermissionDenied):
        get_for_team(
            _request(hiring_manager, team), Interview.objects.all(), interview.pk, write=True
        )


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["other-team", "missing", "not-a-uuid"])
def test_it_answers_404_for_objects_outside_the_team(owner, team, other_team, pk):
    foreign = InterviewFactory(team=other_team)
    value = {"other-team": foreign.pk, "missing": uuid.uuid4(), "not-a-uuid": "42"}[pk]
    with pytest.raises(Http404):
        get_for_team(_request(owner, team), Interview.objects.all(), value)
