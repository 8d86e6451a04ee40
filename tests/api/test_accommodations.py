"""``/candidate-interviews/{id}/accommodations``: read, set (partially), clear, errors named by
field, the candidate's request, tenant scoping and scopes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.services.accommodations import accommodation_request
from tests.factories import CandidateInterviewFactory, InterviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(team):
    interview = InterviewFactory(
        team=team, think_time_seconds=30, answer_time_seconds=60, retakes_allowed=1
    )
    return CandidateInterviewFactory(interview=interview)


def url(invite):
    return f"/qsi/gather/candidate-interviews/{invite.pk}/accommodations"


def test_it_reads_the_standard_limits_when_nothing_is_set(api, invite):
    response = api.get(url(invite))

    assert response.status_code == 200
    body = response.json()["data"]["accommodations"]
    assert body["applied"] is False
    assert body["extraTime"] is None
    assert (body["thinkSeconds"], body["answerSeconds"], body["retakesAllowed"]) == (30, 60, 1)
    assert body["request"] is None


def test_patch_sets_what_it_names_and_keeps_the_rest(api, invite, owner):
    expires = invite.expires_at
    first = api.patch(url(invite), {"extraTime": "2", "extraDays": 3}, format="json")
    assert first.status_code == 200, first.content
    second = api.patch(url(invite), {"extraRetakes": 2}, format="json")

    body = second.json()["data"]["accommodations"]
    assert body["applied"] is True
    assert (body["extraTime"], body["extraRetakes"], body["extraDays"]) == ("2", 2, 3)
    assert (body["thinkSeconds"], body["answerSeconds"], body["retakesAllowed"]) == (60, 120, 3)
    invite.refresh_from_db()
    assert invite.expires_at == expires + timedelta(days=3)
    event = AuditEvent.objects.filter(action="invite.accommodation_set").first()
    assert event is not None
    assert event.actor == owner


def test_null_and_zeros_clear_it(api, invite):
    api.patch(url(invite), {"extraTime": "untimed", "extraRetakes": 1}, format="json")
    response = api.patch(url(invite), {"extraTime": None, "extraRetakes": 0}, format="json")

    body = response.json()["data"]["accommodations"]
    assert body["applied"] is False
    assert AuditEvent.objects.filter(action="invite.accommodation_cleared").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"extraTime": "4"}, "extraTime"),
        ({"extraRetakes": 11}, "extraRetakes"),
        ({"extraDays": -1}, "extraDays"),
        ({"extraDays": "soon"}, "extraDays"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, invite, payload, field):
    response = api.patch(url(invite), payload, format="json")

    assert response.status_code == 400
    assert field in response.content.decode()
    invite.refresh_from_db()
    assert not invite.has_accommodation


def test_it_shows_the_candidates_request(api, invite):
    accommodation_request(invite=invite, kinds=["days"], note="Back from hospital on Monday")

    body = api.get(url(invite)).json()["data"]["accommodations"]

    assert body["request"]["open"] is True
    assert body["request"]["kinds"] == ["days"]
    assert body["request"]["note"] == "Back from hospital on Monday"
    granted = api.patch(url(invite), {"extraDays": 7}, format="json").json()["data"]
    assert granted["accommodations"]["request"]["open"] is False


def test_another_teams_invite_is_a_404(api, other_team):
    foreign = CandidateInterviewFactory(interview=InterviewFactory(team=other_team))

    assert api.get(url(foreign)).status_code == 404
    assert api.patch(url(foreign), {"extraTime": "2"}, format="json").status_code == 404
    foreign.refresh_from_db()
    assert not foreign.has_accommodation


def test_a_read_only_key_cannot_set_it(make_key, invite):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_X_API_KEY=make_key(scopes=["interviews:read"]))
    assert client.get(url(invite)).status_code == 200
    assert client.patch(url(invite), {"extraTime": "2"}, format="json").status_code == 403


def test_a_completed_invite_keeps_its_expiry(api, invite):
    from candidates.models import CandidateInterview

    CandidateInterview.objects.filter(pk=invite.pk).update(
        status="COMPLETED", completed_at=timezone.now()
    )
    before = invite.expires_at
    response = api.patch(url(invite), {"extraDays": 5}, format="json")

    assert response.status_code == 200
    invite.refresh_from_db()
    assert invite.expires_at == before
