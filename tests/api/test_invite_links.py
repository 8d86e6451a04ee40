"""The API's side of issue 13's invite work: a duplicate invite is a 409 naming the field and
the open invite; ``remind`` resends the same link, ``resend`` makes a new one."""

import re

import pytest
from django.core import mail

from candidates.models import CandidateInterview
from candidates.services.candidates import candidate_create
from candidates.services.invites import invite_create
from candidates.tokens import invite_by_token
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

INVITES = "/qsi/gather/candidate-interviews"
LINK = re.compile(r"/i/([A-Za-z0-9_-]+)/")


@pytest.fixture
def invited(team, owner, django_capture_on_commit_callbacks):
    candidate = candidate_create(team=team, by=owner, first_name="Ann", email="ann@example.com")
    interview = InterviewFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        invite, token = invite_create(team=team, by=owner, candidate=candidate, interview=interview)
    mail.outbox.clear()
    return invite, token


def test_a_second_open_invite_is_a_409_naming_the_candidate_and_the_open_one(api, invited):
    invite, _token = invited
    body = {"candidateId": str(invite.candidate_id), "interviewId": str(invite.interview_id)}
    response = api.post(INVITES, body, format="json")
    assert response.status_code == 409
    problem = response.json()
    assert problem["existingCandidateInterviewId"] == str(invite.pk)
    assert problem["errors"][0]["field"] == "candidateId"
    assert "Ann already has an open invite" in problem["detail"]
    assert CandidateInterview.objects.count() == 1


def test_remind_sends_the_same_link_and_resend_a_new_one(
    api, invited, django_capture_on_commit_callbacks
):
    invite, token = invited
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{INVITES}/{invite.pk}/remind")
    assert response.status_code == 200
    assert LINK.search(mail.outbox[-1].body).group(1) == token
    assert invite_by_token(token) == invite
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{INVITES}/{invite.pk}/resend").status_code == 200
    new = LINK.search(mail.outbox[-1].body).group(1)
    assert new != token
    assert invite_by_token(token) is None
    api.post(f"{INVITES}/{invite.pk}/cancel")
    assert api.post(f"{INVITES}/{invite.pk}/remind").status_code == 409


def test_remind_of_another_teams_invite_is_a_404(api, other_team, outsider):
    candidate = candidate_create(team=other_team, by=outsider, first_name="Zed", email="z@x.test")
    invite, _token = invite_create(
        team=other_team,
        by=outsider,
        candidate=candidate,
        interview=InterviewFactory(team=other_team),
        send=False,
    )
    assert api.post(f"{INVITES}/{invite.pk}/remind").status_code == 404
