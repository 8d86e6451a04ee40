"""Reviewers hear of completed candidates as they chose: an email for each, a daily digest, or
nothing; once per candidate whichever way, never after leaving the team or rating."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Membership, Role, User
from candidates.models import CandidateInterview, ReviewNotice
from candidates.services.invites import candidate_interview_transition
from candidates.services.review_notices import review_digest_send, review_notify_completed
from tests.factories import (
    CandidateInterviewFactory,
    InterviewFactory,
    MembershipFactory,
    ScorecardFactory,
)

pytestmark = pytest.mark.django_db

Status = CandidateInterview.Status


def reviewer(team, email, choice, role=Role.HIRING_MANAGER):
    user = MembershipFactory(team=team, role=role, user__email=email).user
    User.objects.filter(pk=user.pk).update(review_emails=choice)
    user.refresh_from_db()
    return user


@pytest.fixture
def interview(team):
    interview = InterviewFactory(team=team, title="Support Lead")
    return interview


def started(interview, first="Ada"):
    return CandidateInterviewFactory(
        team=interview.team,
        interview=interview,
        candidate__first_name=first,
        candidate__last_name="Lovelace",
        status=Status.IN_PROGRESS,
        started_at=timezone.now() - timedelta(minutes=20),
    )


def test_completing_emails_each_reviewer_who_wants_each_once(
    team, other_team, interview, django_capture_on_commit_callbacks
):
    each = reviewer(team, "each@acme.test", "each")
    daily = reviewer(team, "daily@acme.test", "daily")
    none = reviewer(team, "none@acme.test", "none")
    gone = reviewer(team, "gone@acme.test", "each")
    elsewhere = reviewer(other_team, "other@globex.test", "each")
    not_reviewing = reviewer(team, "bystander@acme.test", "each")
    interview.reviewers.add(each, daily, none, gone, elsewhere)
    Membership.objects.filter(user=gone).delete()
    invite = started(interview)
    with django_capture_on_commit_callbacks(execute=True):
        candidate_interview_transition(invite=invite, to=Status.COMPLETED)
    # The candidate's own "answers received" email is tested in test_candidate_messages.
    mail.outbox = [m for m in mail.outbox if m.to != [invite.candidate.email]]
    assert [m.to for m in mail.outbox] == [["each@acme.test"]]
    message = mail.outbox[0]
    assert "Ada Lovelace" in message.subject
    assert "Support Lead" in message.subject
    assert reverse("candidates:invite_review", args=[invite.pk]) + "?queue=mine" in message.body
    assert reverse("accounts:notifications") in message.body
    assert not_reviewing.email not in str([m.to for m in mail.outbox])
    # A retried task sends nothing twice.
    assert review_notify_completed(invite_id=str(invite.pk)) == 0
    assert len(mail.outbox) == 1
    assert ReviewNotice.objects.get().user == each


def test_nobody_is_emailed_for_a_candidate_they_already_rated(team, interview):
    each = reviewer(team, "each@acme.test", "each")
    interview.reviewers.add(each)
    invite = started(interview)
    CandidateInterview.objects.filter(pk=invite.pk).update(
        status=Status.COMPLETED, completed_at=timezone.now()
    )
    ScorecardFactory(candidate_interview=invite, reviewer=each, submitted_at=timezone.now())
    assert review_notify_completed(invite_id=str(invite.pk)) == 0
    assert mail.outbox == []


def completed(interview, first, hours_ago):
    invite = started(interview, first)
    CandidateInterview.objects.filter(pk=invite.pk).update(
        status=Status.COMPLETED, completed_at=timezone.now() - timedelta(hours=hours_ago)
    )
    return invite


def test_the_daily_digest_lists_new_completions_once(team, other_team, interview):
    daily = reviewer(team, "daily@acme.test", "daily")
    each = reviewer(team, "each@acme.test", "each")
    interview.reviewers.add(daily, each)
    other = InterviewFactory(team=other_team, title="Elsewhere")
    other.reviewers.add(daily)  # not a member of that team: never told of it
    completed(interview, "Ada", 30)
    completed(interview, "Grace", 3)
    completed(interview, "Old", 24 * 10)  # older than the digest's week
    completed(other, "Stranger", 2)
    assert review_digest_send() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["daily@acme.test"]
    assert message.subject == "2 candidates waiting for your scorecard"
    assert message.body.index("Ada Lovelace") < message.body.index("Grace Lovelace")
    assert "Old Lovelace" not in message.body
    assert "Stranger" not in message.body
    # A second run finds nothing new; a new completion comes in the next one alone.
    assert review_digest_send() == 0
    completed(interview, "Linus", 1)
    assert review_digest_send() == 1
    assert "1 candidate waiting" in mail.outbox[-1].subject
    assert "Ada Lovelace" not in mail.outbox[-1].body
    assert ReviewNotice.objects.filter(kind="digest").count() == 3


def test_the_digest_is_bounded(team, interview, monkeypatch):
    from candidates.services import review_notices

    monkeypatch.setattr(review_notices, "DIGEST_MAX_LINES", 2)
    daily = reviewer(team, "daily@acme.test", "daily")
    interview.reviewers.add(daily)
    for n, name in enumerate(("Ada", "Grace", "Linus", "Alan")):
        completed(interview, name, 10 - n)
    review_digest_send()
    assert "…and 2 more." in mail.outbox[0].body
    assert "4 candidates waiting" in mail.outbox[0].subject


def test_people_choose_on_their_notifications_page(login, hiring_manager):
    client = login(hiring_manager)
    url = reverse("accounts:notifications")
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="daily" checked' in page.text  # the default
    response = client.post(url, {"review_emails": "each"})
    assert response.status_code == 302
    hiring_manager.refresh_from_db()
    assert hiring_manager.review_emails == "each"
    assert AuditEvent.objects.filter(action="user.review_emails_changed").exists()
    bad = client.post(url, {"review_emails": "hourly"})
    assert bad.status_code == 422
    assert 'id="id_review_emails-error"' in bad.text
    hiring_manager.refresh_from_db()
    assert hiring_manager.review_emails == "each"
    assert client.get(reverse("dashboard:home")).text.count(url) >= 1  # in the user menu
