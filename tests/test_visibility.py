"""Hiring managers see only the interviews they review (``Interview.reviewers``): in every list,
and a 404 on every page of an interview, invite or candidate not shared with them. Other roles
see the whole team. And choosing an interview's reviewers."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, Role
from interviews.services.interviews import interview_reviewers_set
from tests.factories import (
    CandidateFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    MembershipFactory,
    ShareLinkFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team, hiring_manager):
    """One interview shared with the hiring manager, one not; a candidate invited to each, and
    one candidate invited to both."""
    shared = InterviewFactory(team=team, title="Shared Support Lead")
    hidden = InterviewFactory(team=team, title="Hidden Finance Role")
    shared.reviewers.add(hiring_manager)
    seen = CandidateFactory(team=team, first_name="Seen", last_name="Person")
    unseen = CandidateFactory(team=team, first_name="Unseen", last_name="Person")
    both = CandidateFactory(team=team, first_name="Both", last_name="Person")
    return {
        "shared": shared,
        "hidden": hidden,
        "seen": seen,
        "unseen": unseen,
        "both": both,
        "seen_invite": CandidateInterviewFactory(interview=shared, candidate=seen),
        "unseen_invite": CandidateInterviewFactory(interview=hidden, candidate=unseen),
        "both_shared": CandidateInterviewFactory(interview=shared, candidate=both),
        "both_hidden": CandidateInterviewFactory(interview=hidden, candidate=both),
    }


LISTS = ["interviews:interview_list", "candidates:invite_list", "candidates:candidate_list"]


def test_a_hiring_manager_lists_only_what_is_shared(login, hiring_manager, world):
    client = login(hiring_manager)
    interviews = client.get(reverse("interviews:interview_list")).text
    assert "Shared Support Lead" in interviews
    assert "Hidden Finance Role" not in interviews
    invites = client.get(reverse("candidates:invite_list")).text
    assert reverse("candidates:invite_detail", args=[world["seen_invite"].pk]) in invites
    assert reverse("candidates:invite_detail", args=[world["both_shared"].pk]) in invites
    assert reverse("candidates:invite_detail", args=[world["unseen_invite"].pk]) not in invites
    assert reverse("candidates:invite_detail", args=[world["both_hidden"].pk]) not in invites
    assert "Hidden Finance Role" not in invites  # nor in the interview filter
    candidates = client.get(reverse("candidates:candidate_list")).text
    assert "Seen Person" in candidates
    assert "Both Person" in candidates
    assert "Unseen Person" not in candidates
    assert "Hidden Finance Role" not in candidates
    # Filtering by the hidden interview shows nothing.
    hidden = client.get(
        reverse("candidates:invite_list"), {"interview": str(world["hidden"].pk)}
    ).text
    assert reverse("candidates:invite_detail", args=[world["both_hidden"].pk]) not in hidden


def test_a_hiring_manager_with_nothing_shared_sees_empty_lists(login, team):
    lonely = MembershipFactory(team=team, role=Role.HIRING_MANAGER).user
    InterviewFactory(team=team, title="Hidden Finance Role")
    client = login(lonely)
    for name in LISTS:
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "Hidden Finance Role" not in response.text


def _detail_urls(world, key_interview, key_invite, key_candidate):
    interview = world[key_interview].pk
    return [
        reverse("interviews:interview_detail", args=[interview]),
        reverse("interviews:interview_scorecard", args=[interview]),
        reverse("interviews:interview_preview", args=[interview]),
        reverse("candidates:share_list", args=[interview]),
        reverse("candidates:invite_detail", args=[world[key_invite].pk]),
        reverse("candidates:candidate_detail", args=[world[key_candidate].pk]),
    ]


def test_a_hiring_manager_opens_shared_pages(login, hiring_manager, world):
    client = login(hiring_manager)
    for url in _detail_urls(world, "shared", "seen_invite", "seen"):
        assert client.get(url).status_code == 200, url


def test_a_hiring_manager_gets_404_for_what_is_not_shared(login, hiring_manager, world):
    client = login(hiring_manager)
    for url in _detail_urls(world, "hidden", "unseen_invite", "unseen"):
        assert client.get(url).status_code == 404, url
    # Writes answer 404 too (not 403): the object's existence does not leak.
    link = ShareLinkFactory(team=world["hidden"].team, interview=world["hidden"])
    for url in (
        reverse("interviews:interview_edit", args=[world["hidden"].pk]),
        reverse("interviews:interview_reviewers", args=[world["hidden"].pk]),
        reverse("candidates:candidate_edit", args=[world["unseen"].pk]),
        reverse("candidates:invite_cancel", args=[world["unseen_invite"].pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("candidates:share_revoke", args=[link.pk])).status_code == 404


def test_a_candidate_in_both_shows_only_the_shared_invite(login, hiring_manager, world):
    page = login(hiring_manager).get(
        reverse("candidates:candidate_detail", args=[world["both"].pk])
    )
    assert page.status_code == 200
    assert "Shared Support Lead" in page.text
    assert "Hidden Finance Role" not in page.text


@pytest.mark.parametrize("persona", ["owner", "admin_user", "recruiter"])
def test_other_roles_see_the_whole_team(login, world, persona, request):
    client = login(request.getfixturevalue(persona))
    interviews = client.get(reverse("interviews:interview_list")).text
    assert "Shared Support Lead" in interviews
    assert "Hidden Finance Role" in interviews
    candidates = client.get(reverse("candidates:candidate_list")).text
    assert "Unseen Person" in candidates
    assert "Seen Person" in candidates
    for url in _detail_urls(world, "hidden", "unseen_invite", "unseen"):
        assert client.get(url).status_code == 200, url


def test_the_candidate_list_counts_only_visible_invites(login, hiring_manager, recruiter, world):
    from candidates.selectors import candidate_list

    hm = hiring_manager.memberships.get()
    rows = {c.first_name: c for c in candidate_list(team=hm.team, membership=hm)}
    assert set(rows) == {"Seen", "Both"}
    assert rows["Both"].invite_count == 1
    assert rows["Both"].latest_interview == "Shared Support Lead"
    everyone = {c.first_name: c for c in candidate_list(team=hm.team)}
    assert everyone["Both"].invite_count == 2


# ---------------------------------------------------------------- choosing reviewers


def test_it_sets_reviewers_audits_and_emails_the_new_ones(
    team, recruiter, hiring_manager, django_capture_on_commit_callbacks
):
    interview = InterviewFactory(team=team, title="Ops Manager")
    second = MembershipFactory.create(team=team, role=Role.HIRING_MANAGER).user
    interview.reviewers.add(second)
    with django_capture_on_commit_callbacks(execute=True):
        added = interview_reviewers_set(
            interview=interview, users=[hiring_manager, second], by=recruiter
        )
    assert added == [hiring_manager]
    assert set(interview.reviewers.all()) == {hiring_manager, second}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [hiring_manager.email]
    assert "Ops Manager" in message.subject
    assert reverse("candidates:interview_results", args=[interview.pk]) in message.body
    event = AuditEvent.objects.get(action="interview.reviewers_changed")
    assert event.data["added"] == [str(hiring_manager.pk)]
    assert event.actor == recruiter
    with django_capture_on_commit_callbacks(execute=True):
        assert interview_reviewers_set(interview=interview, users=[], by=recruiter) == []
    assert not interview.reviewers.exists()
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="interview.reviewers_changed").count() == 2


@pytest.mark.parametrize("who", ["recruiter", "owner", "outsider"])
def test_it_refuses_a_reviewer_who_is_not_a_hiring_manager_of_the_team(
    team, recruiter, request, who
):
    interview = InterviewFactory(team=team)
    user = request.getfixturevalue(who)
    with pytest.raises(ValidationError) as exc:
        interview_reviewers_set(interview=interview, users=[user], by=recruiter)
    assert "reviewers" in exc.value.error_dict
    assert not interview.reviewers.exists()


def test_a_hiring_manager_of_another_team_is_refused(team, other_team, recruiter):
    interview = InterviewFactory(team=team)
    elsewhere = MembershipFactory.create(team=other_team, role=Role.HIRING_MANAGER).user
    with pytest.raises(ValidationError):
        interview_reviewers_set(interview=interview, users=[elsewhere], by=recruiter)


def test_the_settings_page_chooses_reviewers(
    login, recruiter, hiring_manager, team, django_capture_on_commit_callbacks
):
    interview = InterviewFactory(team=team)
    client = login(recruiter)
    page = client.get(reverse("interviews:interview_edit", args=[interview.pk]))
    assert f'value="{hiring_manager.pk}"' in page.text
    assert f'value="{recruiter.pk}"' not in page.text  # only hiring managers are offered
    url = reverse("interviews:interview_reviewers", args=[interview.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"reviewers": [hiring_manager.pk]}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert 'data-testid="reviewers-saved"' in response.text
    assert "checked" in response.text
    assert list(interview.reviewers.all()) == [hiring_manager]
    # Without JavaScript: back to the settings page.
    assert client.post(url, {"reviewers": []}).status_code == 302
    assert not interview.reviewers.exists()


def test_choosing_a_non_manager_is_a_field_error(login, recruiter, team):
    interview = InterviewFactory(team=team)
    url = reverse("interviews:interview_reviewers", args=[interview.pk])
    response = login(recruiter).post(
        url, {"reviewers": [recruiter.pk]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert 'id="reviewers-error"' in response.text
    assert "hiring managers" in response.text
    response = login(recruiter).post(
        url, {"reviewers": ["not-an-id"]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert 'id="reviewers-error"' in response.text
    assert not interview.reviewers.exists()


def test_only_authors_choose_reviewers(login, hiring_manager, outsider, team):
    interview = InterviewFactory(team=team)
    interview.reviewers.add(hiring_manager)
    url = reverse("interviews:interview_reviewers", args=[interview.pk])
    assert login(hiring_manager).post(url, {"reviewers": []}).status_code == 403
    assert login(outsider).post(url, {"reviewers": []}).status_code == 404
    assert interview.reviewers.exists()
