"""Invites: the services (create, send, resend, extend, cancel, expiry, reminders) and the
invite pages (create, list, detail and its actions)."""

import logging
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import CandidateInterview, InvalidTransition, InviteDelivery
from candidates.services.invites import (
    candidate_interview_transition,
    invite_cancel,
    invite_create,
    invite_create_many,
    invite_current_url,
    invite_expire_due,
    invite_extend,
    invite_remind,
    invite_remind_due,
    invite_resend,
    invite_send,
    invite_url,
)
from candidates.services.sms_consent import FORM_WORDING, SmsOptIn
from candidates.tokens import invite_by_token, new_invite_token, token_hash
from interviews.models import Interview
from tests.factories import (
    CandidateFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    InviteDeliveryFactory,
)

pytestmark = pytest.mark.django_db

Status = CandidateInterview.Status
LINK = re.compile(r"/i/([A-Za-z0-9_-]+)/")


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Backend Engineer", display_name="Backend role")


@pytest.fixture
def candidate(team):
    return CandidateFactory(team=team, first_name="Ada", last_name="Lovelace")


@pytest.fixture
def create(team, recruiter, interview, candidate, django_capture_on_commit_callbacks):
    """invite_create with this test's team, recruiter, interview and candidate, deliveries run."""

    def _create(**kwargs):
        values = {
            "team": team,
            "by": recruiter,
            "candidate": candidate,
            "interview": interview,
            **kwargs,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return invite_create(**values)

    return _create


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def last_link_token() -> str:
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


# ---------------------------------------------------------------- transitions


def test_it_walks_the_life_cycle_and_stamps_each_step(team, interview, candidate):
    invite = CandidateInterviewFactory(
        team=team, interview=interview, candidate=candidate, status=Status.DRAFT, invited_at=None
    )
    for status, stamp in [
        (Status.INVITED, "invited_at"),
        (Status.IN_PROGRESS, "started_at"),
        (Status.COMPLETED, "completed_at"),
    ]:
        candidate_interview_transition(invite=invite, to=status)
        assert invite.status == status
        assert getattr(invite, stamp) is not None


def test_it_keeps_completed_final(team, interview, candidate):
    invite = CandidateInterviewFactory(
        team=team,
        interview=interview,
        candidate=candidate,
        status=Status.COMPLETED,
        completed_at=timezone.now(),
    )
    for target in (Status.INVITED, Status.IN_PROGRESS, Status.CANCELLED, Status.EXPIRED):
        with pytest.raises(InvalidTransition, match="COMPLETED is final"):
            candidate_interview_transition(invite=invite, to=target)
    with pytest.raises(ValidationError) as excinfo:
        invite_cancel(invite=invite, by=None)
    assert "final" in errors_of(excinfo)["status"][0]


# ---------------------------------------------------------------- create


def test_it_creates_a_draft_without_a_link_or_deliveries(create, team):
    invite, token = create(send=False, delivery_types=["email", "sms"], sms_opt_in=True)
    assert invite.status == Status.DRAFT
    assert token == ""
    assert invite.token_hash is None
    assert invite.delivery_types == ["email", "sms"]
    assert not invite.deliveries.exists()
    assert mail.outbox == []
    assert invite.expires_at - timezone.now() > timedelta(days=team.invite_expiry_days - 1)


def test_it_sends_an_invite_by_email_with_a_working_link(create, team, recruiter):
    team.invite_expiry_days = 3
    team.save()
    invite, token = create()
    assert invite.status == Status.INVITED
    assert invite.invited_at is not None
    assert invite.created_by == recruiter
    assert invite_by_token(token) == invite
    assert invite.token_hash == token_hash(token)
    assert abs(invite.expires_at - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    delivery = invite.deliveries.get()
    assert (delivery.channel, delivery.purpose, delivery.status) == ("email", "invite", "sent")
    assert invite_url(token) in mail.outbox[0].body
    assert invite_url(token).endswith(f"/i/{token}/")


def test_it_sends_by_email_and_sms(create):
    invite, _token = create(delivery_types=["sms", "email"], sms_opt_in=True)
    assert invite.delivery_types == ["email", "sms"]
    assert sorted(invite.deliveries.values_list("channel", "status")) == [
        ("email", "sent"),
        ("sms", "logged"),  # the console provider only prints texts
    ]


def test_it_keeps_the_language_and_a_given_expiry(create):
    until = timezone.now() + timedelta(days=30)
    invite, _token = create(language="pt-BR", expires_at=until)
    assert invite.language == "pt-BR"
    assert invite.expires_at == until


@pytest.mark.parametrize("status", [Interview.Status.PAUSED, Interview.Status.CLOSED])
def test_it_refuses_an_interview_that_is_not_active(create, interview, status):
    interview.status = status
    interview.save()
    with pytest.raises(ValidationError) as excinfo:
        create()
    assert "only active interviews" in errors_of(excinfo)["interview"][0]
    assert not CandidateInterview.objects.exists()


def test_it_refuses_another_teams_candidate_and_interview(create, other_team):
    with pytest.raises(ValidationError) as excinfo:
        create(candidate=CandidateFactory(team=other_team))
    assert "candidate" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        create(interview=InterviewFactory(team=other_team))
    assert "interview" in errors_of(excinfo)
    assert not CandidateInterview.objects.exists()


def test_it_refuses_sms_without_a_phone_and_email_without_an_address(create, team):
    with pytest.raises(ValidationError) as excinfo:
        create(
            candidate=CandidateFactory(team=team, first_name="Bo", phone=""), delivery_types=["sms"]
        )
    assert "no phone number" in errors_of(excinfo)["delivery_types"][0]
    with pytest.raises(ValidationError) as excinfo:
        create(candidate=CandidateFactory(team=team, email=""), delivery_types=["email"])
    assert "no email address" in errors_of(excinfo)["delivery_types"][0]
    with pytest.raises(ValidationError) as excinfo:
        create(delivery_types=["fax"])
    assert "Unknown delivery type" in errors_of(excinfo)["delivery_types"][0]
    with pytest.raises(ValidationError) as excinfo:
        create(delivery_types=[])
    assert "delivery_types" in errors_of(excinfo)
    assert not CandidateInterview.objects.exists()


def test_it_refuses_an_expiry_in_the_past(create):
    with pytest.raises(ValidationError) as excinfo:
        create(expires_at=timezone.now() - timedelta(minutes=1))
    assert errors_of(excinfo)["expires_at"] == ["The expiry must be in the future."]


@pytest.mark.parametrize("open_status", [Status.INVITED, Status.IN_PROGRESS])
def test_it_refuses_a_second_open_invite_to_the_same_interview(
    create, team, interview, candidate, open_status
):
    CandidateInterviewFactory(
        team=team, interview=interview, candidate=candidate, status=open_status
    )
    with pytest.raises(ValidationError) as excinfo:
        create()
    message = errors_of(excinfo)["candidate"][0]
    assert "Ada Lovelace already has an open invite to Backend Engineer" in message
    assert CandidateInterview.objects.count() == 1


def test_it_allows_a_new_invite_once_the_old_one_is_closed(create, team, interview, candidate):
    for status in (Status.CANCELLED, Status.EXPIRED, Status.COMPLETED):
        CandidateInterviewFactory(
            team=team,
            interview=interview,
            candidate=candidate,
            status=status,
            completed_at=timezone.now(),
        )
    invite, _token = create()
    assert invite.status == Status.INVITED
    # The same candidate may take another interview meanwhile.
    other, _token = create(interview=InterviewFactory(team=team))
    assert other.status == Status.INVITED


def test_it_invites_many_and_reports_each_failure(
    team, recruiter, interview, django_capture_on_commit_callbacks
):
    good = CandidateFactory.create_batch(2, team=team)
    no_phone = CandidateFactory(team=team, first_name="Noor", last_name="Haddad", phone="")
    busy = CandidateFactory(team=team, first_name="Ravi", last_name="Shah")
    CandidateInterviewFactory(team=team, interview=interview, candidate=busy)
    silent = CandidateFactory(team=team, first_name="Sam", last_name="Quiet")
    agreed = SmsOptIn("They said yes.", frozenset(c.pk for c in [*good, no_phone, busy]))
    with django_capture_on_commit_callbacks(execute=True):
        batch = invite_create_many(
            team=team,
            by=recruiter,
            candidates=[*good, no_phone, busy, silent],  # type: ignore[list-item]
            interview=interview,
            delivery_types=["email", "sms"],
            sms_opt_in=agreed,
        )
    assert {i.candidate for i in batch.created} == set(good)
    assert {f.candidate.first_name: f.message for f in batch.failed} == {
        "Noor": "Noor Haddad has no phone number: send by email, or add a number first.",
        "Ravi": "Ravi Shah already has an open invite to Backend Engineer (invited); "
        "remind, extend or cancel that one instead.",
        "Sam": "Sam Quiet has not agreed to receive text messages: send by email, or record "
        "their agreement first.",
    }
    for invite in batch.created:
        invite.refresh_from_db()
        assert (invite.sms_opt_in, invite.sms_opt_in_wording) == (True, "They said yes.")
        assert invite.sms_opt_in_at is not None
    assert batch.failed[0].errors == {"delivery_types": [batch.failed[0].message]}
    assert len(mail.outbox) == 2
    assert InviteDelivery.objects.filter(status="sent", channel="email").count() == 2
    assert InviteDelivery.objects.filter(status="logged", channel="sms").count() == 2


def test_it_refuses_what_concerns_the_whole_batch_once(team, recruiter, interview):
    interview.status = Interview.Status.PAUSED
    interview.save()
    with pytest.raises(ValidationError) as excinfo:
        invite_create_many(
            team=team,
            by=recruiter,
            candidates=CandidateFactory.create_batch(2, team=team),
            interview=interview,
            delivery_types=["email"],
        )
    assert "interview" in errors_of(excinfo)
    assert not CandidateInterview.objects.exists()


def test_it_saves_many_drafts(team, recruiter, interview):
    batch = invite_create_many(
        team=team,
        by=recruiter,
        candidates=CandidateFactory.create_batch(3, team=team),
        interview=interview,
        delivery_types=["email"],
        send=False,
    )
    assert [i.status for i in batch.created] == [Status.DRAFT] * 3
    assert not InviteDelivery.objects.exists()


# ---------------------------------------------------------------- send, resend


def test_it_sends_a_draft(create, recruiter, django_capture_on_commit_callbacks):
    draft, _ = create(send=False)
    with django_capture_on_commit_callbacks(execute=True):
        invite, token = invite_send(invite=draft, by=recruiter)
    assert invite.status == Status.INVITED
    assert invite_by_token(token) == draft
    assert draft.deliveries.get().status == "sent"
    with pytest.raises(ValidationError) as excinfo:
        invite_send(invite=draft, by=recruiter)
    assert "Only a draft can be sent" in errors_of(excinfo)["status"][0]


def test_it_gives_a_draft_without_expiry_the_team_default_when_sent(
    team, interview, candidate, recruiter
):
    draft = CandidateInterviewFactory(
        team=team,
        interview=interview,
        candidate=candidate,
        status=Status.DRAFT,
        expires_at=None,
        token_hash=None,
    )
    invite, _token = invite_send(invite=draft, by=recruiter)
    assert invite.delivery_types == ["email"]
    assert invite.expires_at is not None
    assert invite.expires_at > timezone.now() + timedelta(days=team.invite_expiry_days - 1)


def test_it_refuses_to_send_a_draft_whose_expiry_passed(create, recruiter):
    draft, _ = create(send=False, expires_at=timezone.now() + timedelta(hours=1))
    CandidateInterview.objects.filter(pk=draft.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(ValidationError) as excinfo:
        invite_send(invite=draft, by=recruiter)
    assert "expires_at" in errors_of(excinfo)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_it_rotates_the_link_on_resend(create, recruiter, django_capture_on_commit_callbacks):
    invite, old = create()
    with django_capture_on_commit_callbacks(execute=True):
        invite, new = invite_resend(invite=invite, by=recruiter)
    assert new != old
    assert invite_by_token(old) is None
    assert invite_by_token(new) == invite
    assert last_link_token() == new
    assert invite.deliveries.filter(purpose="invite", status="sent").count() == 2


def test_it_reopens_an_expired_invite_on_resend(
    team, recruiter, interview, candidate, django_capture_on_commit_callbacks
):
    expired = CandidateInterviewFactory(
        team=team,
        interview=interview,
        candidate=candidate,
        status=Status.EXPIRED,
        expires_at=timezone.now() - timedelta(days=1),
        reminded_at=timezone.now() - timedelta(days=2),
    )
    started = CandidateInterviewFactory(
        team=team,
        interview=InterviewFactory(team=team),
        candidate=candidate,
        status=Status.EXPIRED,
        started_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        invite_resend(invite=expired, by=recruiter)
        invite_resend(invite=started, by=recruiter)
    assert expired.status == Status.INVITED
    assert expired.reminded_at is None
    expires_at = CandidateInterview.objects.get(pk=expired.pk).expires_at
    assert expires_at is not None
    assert expires_at > timezone.now() + timedelta(days=team.invite_expiry_days - 1)
    assert started.status == Status.IN_PROGRESS


def test_it_refuses_to_reopen_when_another_invite_is_open(create, team, interview, candidate):
    expired = CandidateInterviewFactory(
        team=team, interview=interview, candidate=candidate, status=Status.EXPIRED
    )
    create()
    with pytest.raises(ValidationError) as excinfo:
        invite_resend(invite=expired, by=None)
    assert "already has an open invite" in errors_of(excinfo)["candidate"][0]


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (Status.DRAFT, "Send the draft"),
        (Status.COMPLETED, "Completed is final"),
        (Status.CANCELLED, "Invite the candidate again"),
    ],
)
def test_it_refuses_to_resend_drafts_and_closed_invites(team, interview, status, hint):
    invite = CandidateInterviewFactory(
        team=team, interview=interview, status=status, completed_at=timezone.now()
    )
    with pytest.raises(ValidationError) as excinfo:
        invite_resend(invite=invite, by=None)
    assert hint in errors_of(excinfo)["status"][0]
    assert not invite.deliveries.exists()


def test_it_does_not_deliver_a_link_replaced_before_it_went_out(
    team, recruiter, interview, candidate, django_capture_on_commit_callbacks
):
    """A resend before the first delivery ran: the first one must not send a dead link."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite, _old = invite_create(
            team=team, by=recruiter, candidate=candidate, interview=interview
        )
        invite_resend(invite=invite, by=recruiter)
    for callback in callbacks:
        callback()
    first, second = invite.deliveries.order_by("pk")
    assert first.status == "failed"
    assert "newer link" in first.error
    assert second.status == "sent"
    assert len(mail.outbox) == 1


# ---------------------------------------------------------------- extend, cancel


def test_it_extends_the_expiry_and_rearms_the_reminder(team, interview):
    invite = CandidateInterviewFactory(
        team=team, interview=interview, reminded_at=timezone.now() - timedelta(hours=1)
    )
    until = timezone.now() + timedelta(days=20)
    invite_extend(invite=invite, until=until)
    assert invite.expires_at == until
    assert invite.reminded_at is None
    assert invite.status == Status.INVITED


def test_it_reopens_an_expired_invite_by_extending_it_with_the_same_link(team, interview):
    invite = CandidateInterviewFactory(
        team=team,
        interview=interview,
        status=Status.EXPIRED,
        expires_at=timezone.now() - timedelta(days=1),
    )
    invited_at, link = invite.invited_at, invite.token_hash
    invite_extend(invite=invite, until=timezone.now() + timedelta(days=2))
    assert invite.status == Status.INVITED
    assert (invite.invited_at, invite.token_hash) == (invited_at, link)


def test_it_refuses_to_extend_into_the_past_or_a_closed_invite(team, interview):
    invite = CandidateInterviewFactory(team=team, interview=interview)
    with pytest.raises(ValidationError) as excinfo:
        invite_extend(invite=invite, until=timezone.now() - timedelta(seconds=1))
    assert "until" in errors_of(excinfo)
    for status in (Status.COMPLETED, Status.CANCELLED):
        closed = CandidateInterviewFactory(
            team=team, interview=interview, status=status, completed_at=timezone.now()
        )
        with pytest.raises(ValidationError) as excinfo:
            invite_extend(invite=closed, until=timezone.now() + timedelta(days=1))
        assert "cannot be extended" in errors_of(excinfo)["status"][0]


def test_it_cancels_and_does_not_send_what_was_still_queued(
    team, recruiter, interview, candidate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite, _token = invite_create(
            team=team, by=recruiter, candidate=candidate, interview=interview
        )
        invite_cancel(invite=invite, by=recruiter)
    for callback in callbacks:
        callback()
    assert invite.status == Status.CANCELLED
    assert invite.cancelled_at is not None
    delivery = invite.deliveries.get()
    assert (delivery.status, delivery.error) == ("failed", "Not sent: the invite is cancelled.")
    assert mail.outbox == []
    with pytest.raises(ValidationError):
        invite_cancel(invite=invite, by=recruiter)


# ---------------------------------------------------------------- expiry


def test_it_expires_open_invites_past_their_expiry_once(team, interview):
    now = timezone.now()
    past = now - timedelta(minutes=1)
    due = [
        CandidateInterviewFactory(team=team, interview=interview, status=s, expires_at=past)
        for s in (Status.INVITED, Status.IN_PROGRESS)
    ]
    untouched = [
        CandidateInterviewFactory(team=team, interview=interview, expires_at=now + timedelta(1)),
        CandidateInterviewFactory(
            team=team,
            interview=interview,
            status=Status.COMPLETED,
            completed_at=now,
            expires_at=past,
        ),
        CandidateInterviewFactory(
            team=team, interview=interview, status=Status.DRAFT, expires_at=past
        ),
        CandidateInterviewFactory(
            team=team, interview=interview, status=Status.CANCELLED, expires_at=past
        ),
    ]
    assert invite_expire_due(now=now) == 2
    assert invite_expire_due(now=now) == 0
    for invite in due:
        invite.refresh_from_db()
        assert invite.status == Status.EXPIRED
    assert [CandidateInterview.objects.get(pk=i.pk).status for i in untouched] == [
        i.status for i in untouched
    ]


def test_it_expires_in_batches_when_time_moves_on(team, interview, monkeypatch):
    import candidates.services.invites as invites

    monkeypatch.setattr(invites, "BATCH_SIZE", 2)
    now = timezone.now()
    for _ in range(5):
        CandidateInterviewFactory(
            team=team, interview=interview, expires_at=now + timedelta(days=1)
        )
    assert invite_expire_due(now=now) == 0
    assert invite_expire_due(now=now + timedelta(days=2)) == 5
    assert set(CandidateInterview.objects.values_list("status", flat=True)) == {Status.EXPIRED}


# ---------------------------------------------------------------- reminders


@pytest.fixture
def remindable(create, team):
    """An invite sent now, expiring in 7 days; the team reminds 48 hours before expiry."""
    team.reminder_hours_before_expiry = 48
    team.save()
    invite, token = create(expires_at=timezone.now() + timedelta(days=7))
    mail.outbox.clear()
    return invite, token


def test_it_reminds_once_inside_the_window(remindable, django_capture_on_commit_callbacks):
    invite, old = remindable
    early = invite.expires_at - timedelta(hours=49)
    assert invite_remind_due(now=early) == 0
    inside = invite.expires_at - timedelta(hours=47)
    with django_capture_on_commit_callbacks(execute=True):
        assert invite_remind_due(now=inside) == 1
        assert invite_remind_due(now=inside + timedelta(hours=1)) == 0
    invite.refresh_from_db()
    assert invite.reminded_at == inside
    reminder = invite.deliveries.get(purpose="reminder")
    assert reminder.status == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Reminder:")
    # The reminder carries the same link, which keeps working.
    assert last_link_token() == old
    assert invite_by_token(old) == invite


def test_it_keeps_the_first_link_when_a_reminder_fails(
    remindable, settings, django_capture_on_commit_callbacks
):
    invite, old = remindable
    invite.candidate.email = ""
    invite.candidate.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert invite_remind_due(now=invite.expires_at - timedelta(hours=1)) == 1
    reminder = invite.deliveries.get(purpose="reminder")
    assert reminder.status == "failed"
    assert invite_by_token(old) == invite


def test_it_reminds_again_after_an_extension(remindable, django_capture_on_commit_callbacks):
    invite, _old = remindable
    with django_capture_on_commit_callbacks(execute=True):
        invite_remind_due(now=invite.expires_at - timedelta(hours=1))
    invite_extend(invite=invite, until=invite.expires_at + timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        assert invite_remind_due(now=invite.expires_at - timedelta(hours=1)) == 1
    assert invite.deliveries.filter(purpose="reminder").count() == 2


def test_it_does_not_remind_closed_paused_late_or_opted_out_invites(
    remindable, team, interview, other_team
):
    invite, _ = remindable
    now = invite.expires_at - timedelta(hours=1)
    expires = invite.expires_at
    # Completed, cancelled, and a draft: nothing to remind.
    for status in (Status.COMPLETED, Status.CANCELLED, Status.DRAFT):
        CandidateInterviewFactory(
            team=team, interview=interview, status=status, completed_at=now, expires_at=expires
        )
    # Invited inside the window: the invitation itself is recent.
    CandidateInterviewFactory(
        team=team, interview=interview, invited_at=now - timedelta(hours=2), expires_at=expires
    )
    # A team that turned reminders off.
    other_team.reminder_hours_before_expiry = 0
    other_team.save()
    CandidateInterviewFactory(
        team=other_team,
        interview=InterviewFactory(team=other_team),
        invited_at=now - timedelta(days=6),
        expires_at=expires,
    )
    # A paused interview.
    interview.status = Interview.Status.PAUSED
    interview.save()
    assert invite_remind_due(now=now) == 0
    assert not InviteDelivery.objects.filter(purpose="reminder").exists()


def test_it_skips_invites_already_expired(remindable):
    invite, _ = remindable
    assert invite_remind_due(now=invite.expires_at + timedelta(minutes=1)) == 0


# ---------------------------------------------------------------- pages


@pytest.fixture
def invite(team, interview, candidate):
    return CandidateInterviewFactory(team=team, interview=interview, candidate=candidate)


def detail_url(invite) -> str:
    return reverse("candidates:invite_detail", args=[invite.pk])


def test_it_lists_invites_with_status_and_delivery(login, recruiter, invite):
    InviteDeliveryFactory(candidate_interview=invite, channel="email", status="sent")
    InviteDeliveryFactory(candidate_interview=invite, channel="sms", status="failed")
    response = login(recruiter).get(reverse("candidates:invite_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert "Backend Engineer" in html
    assert 'data-testid="delivery-email">Email sent' in html
    assert 'data-testid="delivery-sms">SMS failed' in html
    assert "HX-Request" in response["Vary"]


def test_it_filters_and_searches_invites(login, recruiter, team, invite):
    other = CandidateInterviewFactory(
        team=team,
        interview=InterviewFactory(team=team),
        candidate=CandidateFactory(team=team, first_name="Grace", last_name="Hopper"),
        status=Status.DRAFT,
    )
    client = login(recruiter)
    url = reverse("candidates:invite_list")
    html = client.get(url, {"q": "grace hop"}).content.decode()
    assert "Grace Hopper" in html
    assert "Ada Lovelace" not in html
    html = client.get(url, {"status": "INVITED"}).content.decode()
    assert "Ada Lovelace" in html
    assert "Grace Hopper" not in html
    html = client.get(url, {"interview": str(other.interview_id)}).content.decode()
    assert "Grace Hopper" in html
    assert "Ada Lovelace" not in html


def test_it_answers_htmx_with_the_table_only(login, recruiter, invite):
    response = login(recruiter).get(
        reverse("candidates:invite_list"), {"status": "INVITED"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="table-region"')
    assert "Ada Lovelace" in html
    assert "<html" not in html


def test_it_lists_many_invites_in_few_queries(
    login, recruiter, team, django_assert_max_num_queries
):
    for _ in range(35):
        invite = CandidateInterviewFactory(team=team)
        InviteDeliveryFactory(candidate_interview=invite, status="sent")
        InviteDeliveryFactory(candidate_interview=invite, channel="sms", status="queued")
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("candidates:invite_list"))
    assert response.content.decode().count('data-testid="invite-row"') == 25
    with django_assert_max_num_queries(12):
        client.get(reverse("candidates:invite_list"), {"page": 2}, headers={"HX-Request": "true"})


def test_it_needs_login(client, invite):
    for url in (
        reverse("candidates:invite_list"),
        reverse("candidates:invite_create"),
        detail_url(invite),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_it_hides_other_teams_invites(login, outsider, invite):
    client = login(outsider)
    assert "Ada Lovelace" not in client.get(reverse("candidates:invite_list")).content.decode()
    assert client.get(detail_url(invite)).status_code == 404
    assert client.get("/invites/not-a-uuid/").status_code == 404
    for name in ("invite_send", "invite_resend", "invite_extend", "invite_cancel"):
        url = reverse(f"candidates:{name}", args=[invite.pk])
        assert client.post(url, {"until": "2099-01-01"}).status_code == 404
    invite.refresh_from_db()
    assert invite.status == Status.INVITED


def test_it_shows_hiring_managers_everything_but_no_actions(login, hiring_manager, invite):
    invite.interview.reviewers.add(hiring_manager)
    client = login(hiring_manager)
    assert client.get(reverse("candidates:invite_list")).status_code == 200
    response = client.get(detail_url(invite))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert "Resend" not in html
    assert "Cancel invite" not in html
    assert client.get(reverse("candidates:invite_create")).status_code == 403
    assert client.get(reverse("candidates:invite_cancel", args=[invite.pk])).status_code == 403
    for name in (
        "invite_send",
        "invite_remind",
        "invite_resend",
        "invite_extend",
        "invite_cancel",
    ):
        url = reverse(f"candidates:{name}", args=[invite.pk])
        assert client.post(url, {"until": "2099-01-01"}).status_code == 403
    assert client.get(reverse("candidates:invite_resend", args=[invite.pk])).status_code == 403
    invite.refresh_from_db()
    assert invite.status == Status.INVITED
    assert not invite.deliveries.exists()


def test_it_shows_an_invite_with_its_timeline_and_delivery_log(login, recruiter, invite):
    InviteDeliveryFactory(
        candidate_interview=invite, status="failed", attempts=6, error="Twilio answered HTTP 503"
    )
    response = login(recruiter).get(detail_url(invite))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Twilio answered HTTP 503" in html
    assert "Send a new link" in html
    # A factory invite's link was made before links were kept: nothing to copy, and it says so.
    assert "cannot be shown here" in html
    assert 'data-testid="invite-link"' not in html
    assert 'data-testid="timeline"' in html
    assert "Invited" in html
    assert 'hx-trigger="every 2s"' not in html


def test_it_polls_the_delivery_log_while_sending(login, recruiter, invite):
    InviteDeliveryFactory(candidate_interview=invite, status="retrying", attempts=2)
    client = login(recruiter)
    html = client.get(detail_url(invite)).content.decode()
    assert 'hx-trigger="every 2s"' in html
    response = client.get(
        detail_url(invite), headers={"HX-Request": "true", "HX-Target": "delivery-log"}
    )
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="delivery-log"')
    assert "Retrying" in fragment
    assert "<html" not in fragment
    assert "HX-Request" in response["Vary"]
    InviteDelivery.objects.update(status="sent")
    fragment = client.get(
        detail_url(invite), headers={"HX-Request": "true", "HX-Target": "delivery-log"}
    ).content.decode()
    assert "every 2s" not in fragment


def test_it_resends_from_the_page(login, recruiter, invite, django_capture_on_commit_callbacks):
    old_hash = invite.token_hash
    with django_capture_on_commit_callbacks(execute=True):
        response = login(recruiter).post(reverse("candidates:invite_resend", args=[invite.pk]))
    assert response.status_code == 302
    invite.refresh_from_db()
    assert invite.token_hash != old_hash
    assert invite.deliveries.get().status == "sent"
    assert len(mail.outbox) == 1


def test_it_sends_a_draft_from_the_page(
    login, recruiter, team, interview, candidate, django_capture_on_commit_callbacks
):
    draft = CandidateInterviewFactory(
        team=team,
        interview=interview,
        candidate=candidate,
        status=Status.DRAFT,
        token_hash=None,
        delivery_types=["email"],
    )
    client = login(recruiter)
    assert "Send invite" in client.get(detail_url(draft)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("candidates:invite_send", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Status.INVITED
    assert len(mail.outbox) == 1


def test_it_extends_from_the_page(login, recruiter, invite):
    client = login(recruiter)
    day = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client.post(reverse("candidates:invite_extend", args=[invite.pk]), {"until": day})
    assert response.status_code == 302
    invite.refresh_from_db()
    assert timezone.localtime(invite.expires_at).date().isoformat() == day
    response = client.post(
        reverse("candidates:invite_extend", args=[invite.pk]), {"until": "2000-01-01"}, follow=True
    )
    assert "Choose today or a later date." in response.content.decode()


def test_it_confirms_before_cancelling(login, recruiter, invite):
    client = login(recruiter)
    url = reverse("candidates:invite_cancel", args=[invite.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "Yes, cancel the invite" in page.content.decode()
    modal = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "data-show-on-load" in modal
    assert "<html" not in modal
    invite.refresh_from_db()
    assert invite.status == Status.INVITED
    response = client.post(url, follow=True)
    invite.refresh_from_db()
    assert invite.status == Status.CANCELLED
    assert "is cancelled" in response.content.decode()


def test_it_preselects_candidates_on_the_invite_page(login, recruiter, team, interview):
    chosen = CandidateFactory.create_batch(2, team=team)
    foreign = CandidateFactory()
    response = login(recruiter).get(
        reverse("candidates:invite_create"),
        {"candidates": [str(c.pk) for c in chosen] + [str(foreign.pk), "junk"]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    for c in chosen:
        assert f'value="{c.pk}" id="cand-{c.pk}" checked' in html
    assert str(foreign.pk) not in html
    assert "Backend Engineer" in html


def test_it_takes_a_posted_selection_without_inviting(login, recruiter, team, interview):
    chosen = CandidateFactory(team=team)
    response = login(recruiter).post(
        reverse("candidates:invite_create"), {"candidates": [str(chosen.pk)]}
    )
    assert response.status_code == 200
    assert f'value="{chosen.pk}" id="cand-{chosen.pk}" checked' in response.content.decode()
    assert not CandidateInterview.objects.exists()


def test_it_searches_candidates_with_htmx(login, recruiter, team, interview):
    chosen = CandidateFactory(team=team, first_name="Ada", last_name="Lovelace")
    CandidateFactory(team=team, first_name="Grace", last_name="Hopper")
    CandidateFactory(team=team, first_name="Alan", last_name="Turing")
    response = login(recruiter).get(
        reverse("candidates:invite_create"),
        {"q": "hopper", "candidates": [str(chosen.pk)]},
        headers={"HX-Request": "true", "HX-Target": "candidate-picker"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="candidate-picker"')
    assert "Grace Hopper" in html
    assert "Ada Lovelace" in html
    assert "Alan Turing" not in html
    assert "HX-Request" in response["Vary"]


def test_it_invites_from_the_page_and_summarises(
    login, recruiter, team, interview, django_capture_on_commit_callbacks
):
    good = CandidateFactory(team=team, first_name="Ada", last_name="Lovelace")
    no_phone = CandidateFactory(team=team, first_name="Noor", last_name="Haddad", phone="")
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(recruiter).post(
            reverse("candidates:invite_create"),
            {
                "interview": str(interview.pk),
                "candidates": [str(good.pk), str(no_phone.pk)],
                "delivery_types": ["email", "sms"],
                "sms_opt_in": "on",
                "expires_on": day,
                "action": "send",
            },
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert CandidateInterview.objects.get().sms_opt_in_wording == FORM_WORDING
    assert "1 invite to <strong>Backend Engineer</strong> sent by email and SMS" in html
    assert "Noor Haddad has no phone number" in html
    invite = CandidateInterview.objects.get()
    assert invite.candidate == good
    assert timezone.localtime(invite.expires_at).date().isoformat() == day
    assert len(mail.outbox) == 1


def test_it_saves_drafts_from_the_page(login, recruiter, team, interview):
    candidate = CandidateFactory(team=team)
    response = login(recruiter).post(
        reverse("candidates:invite_create"),
        {
            "interview": str(interview.pk),
            "candidates": [str(candidate.pk)],
            "delivery_types": ["email"],
            "expires_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "action": "draft",
        },
    )
    assert "1 draft invite" in response.content.decode()
    assert CandidateInterview.objects.get().status == Status.DRAFT


def test_it_shows_form_errors(login, recruiter, team, interview):
    paused = InterviewFactory(team=team, title="Paused role", status=Interview.Status.PAUSED)
    response = login(recruiter).post(
        reverse("candidates:invite_create"),
        {
            "interview": str(paused.pk),
            "delivery_types": ["email"],
            "expires_on": "2000-01-01",
            "action": "send",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "Select at least one candidate." in html
    assert "Choose today or a later date." in html
    assert "Select a valid choice" in html  # a paused interview is not offered
    assert "Paused role" not in html


def test_the_list_flags_an_open_invite_past_its_expiry(login, recruiter, team):
    """Before the beat task expires it, a lapsed open invite shows its expiry as passed."""
    from datetime import timedelta

    from django.utils import timezone

    lapsed = CandidateInterviewFactory(team=team, interview__team=team)
    CandidateInterview.objects.filter(pk=lapsed.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    response = login(recruiter).get(reverse("candidates:invite_list"))
    assert response.status_code == 200
    assert "(passed)" in response.text


# ---------------------------------------------------------------- issue 13: the link, remind


def test_it_shows_the_same_link_again_and_it_opens_the_runner(create, client):
    invite, token = create()
    assert invite_current_url(invite) == invite_url(token)
    # Only a nonce and the hash are stored; the database alone holds no working link.
    invite.refresh_from_db()
    assert token not in (invite.link_nonce, invite.token_hash)
    assert invite.token_hash == token_hash(token)
    path = invite_current_url(invite).removeprefix(settings.SITE_URL)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("candidates:runner")
    assert "Backend role" in response.content.decode()


def test_it_needs_the_secret_key_to_show_the_link_again(create, settings):
    invite, token = create()
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-key-entirely-for-this-test-0123456789"
    assert invite_current_url(invite) == ""
    # The old link still opens (it is looked up by hash); with the old key as a fallback it
    # can be shown again.
    assert invite_by_token(token) == invite
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert invite_current_url(invite) == invite_url(token)


def test_it_never_puts_the_link_in_task_arguments_or_logs(
    team, recruiter, interview, candidate, login, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite, token = invite_create(
            team=team, by=recruiter, candidate=candidate, interview=interview
        )
    assert not any(token in repr(c) for c in callbacks)
    [callback] = [c for c in callbacks if invite.token_hash in getattr(c, "args", ())]
    callback()
    with django_capture_on_commit_callbacks(execute=True):
        invite_remind(invite=invite, by=recruiter)
    page = login(recruiter).get(detail_url(invite)).content.decode()
    assert invite_url(token) in page
    assert [m.body.count(invite_url(token)) for m in mail.outbox] == [1, 1]
    assert token not in caplog.text
    assert not any(token in str(record.args) for record in caplog.records)


def test_it_reminds_with_the_same_link(create, recruiter, django_capture_on_commit_callbacks):
    invite, token = create()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invite = invite_remind(invite=invite, by=recruiter)
    assert last_link_token() == token
    assert mail.outbox[0].subject.startswith("Reminder:")
    assert invite_by_token(token) == invite
    assert invite.reminded_at is not None
    assert invite.deliveries.get(purpose="reminder").status == "sent"
    assert AuditEvent.objects.filter(action="invite.reminded", object_id=str(invite.pk)).exists()
    # A manual reminder is this expiry's reminder: the beat does not send another.
    assert invite.expires_at is not None
    assert invite_remind_due(now=invite.expires_at - timedelta(hours=1)) == 0


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (Status.DRAFT, "Send the draft"),
        (Status.COMPLETED, "Completed is final"),
        (Status.CANCELLED, "Invite the candidate again"),
        (Status.EXPIRED, "Extend it"),
    ],
)
def test_it_refuses_to_remind_drafts_closed_and_expired_invites(team, interview, status, hint):
    invite = CandidateInterviewFactory(
        team=team, interview=interview, status=status, completed_at=timezone.now()
    )
    with pytest.raises(ValidationError) as excinfo:
        invite_remind(invite=invite, by=None)
    assert hint in errors_of(excinfo)["status"][0]
    assert not invite.deliveries.exists()


def test_it_refuses_to_remind_with_a_link_past_its_expiry(team, interview):
    invite = CandidateInterviewFactory(
        team=team, interview=interview, expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as excinfo:
        invite_remind(invite=invite, by=None)
    assert "extend it first" in errors_of(excinfo)["status"][0]


def test_it_reminds_an_invite_from_before_links_were_kept_with_a_new_link_once_delivered(
    team, interview, candidate, django_capture_on_commit_callbacks
):
    """Such an invite has no link to show again: its reminder carries a new one, which
    replaces the old only once delivered; a failed reminder leaves the old link working."""
    old, digest = new_invite_token()
    invite = CandidateInterview.objects.get(
        pk=CandidateInterviewFactory(
            team=team, interview=interview, candidate=candidate, token_hash=digest
        ).pk
    )
    assert invite_current_url(invite) == ""
    candidate.email = ""
    candidate.save()
    invite.delivery_types = ["email"]
    invite.save()
    assert invite.expires_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        invite_remind_due(now=invite.expires_at - timedelta(hours=1))
    assert invite.deliveries.get(purpose="reminder").status == "failed"
    assert invite_by_token(old) == invite
    candidate.email = "ada@example.com"
    candidate.save()
    with django_capture_on_commit_callbacks(execute=True):
        invite_remind(invite=invite, by=None)
    new = last_link_token()
    assert new != old
    assert invite_by_token(new) == invite
    assert invite_by_token(old) is None
    invite.refresh_from_db()
    assert invite_current_url(invite) == invite_url(new)


def test_it_sends_a_new_link_after_confirming(
    login, recruiter, create, django_capture_on_commit_callbacks
):
    invite, old = create()
    client = login(recruiter)
    page = client.get(reverse("candidates:invite_resend", args=[invite.pk]))
    assert page.status_code == 200
    assert "stops working at once" in page.content.decode()
    modal = client.get(
        reverse("candidates:invite_resend", args=[invite.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert modal.lstrip().startswith('<div class="modal')
    assert invite_by_token(old) == invite  # asking changed nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidates:invite_resend", args=[invite.pk]))
    assert response.status_code == 302
    assert invite_by_token(old) is None
    assert invite_by_token(last_link_token()) == invite


def test_it_reminds_from_the_page(login, recruiter, create, django_capture_on_commit_callbacks):
    invite, token = create()
    mail.outbox.clear()
    client = login(recruiter)
    html = client.get(detail_url(invite)).content.decode()
    assert 'data-testid="remind"' in html
    assert f'value="{invite_url(token)}"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidates:invite_remind", args=[invite.pk]), follow=True)
    assert "A reminder with the same link" in response.content.decode()
    assert last_link_token() == token
    assert invite_by_token(token) == invite


def test_it_hides_the_link_and_remind_from_hiring_managers(login, hiring_manager, create):
    invite, token = create()
    invite.interview.reviewers.add(hiring_manager)
    client = login(hiring_manager)
    html = client.get(detail_url(invite)).content.decode()
    assert "Ada Lovelace" in html
    assert token not in html
    assert 'data-testid="remind"' not in html
    assert client.post(reverse("candidates:invite_remind", args=[invite.pk])).status_code == 403


def test_it_hides_another_teams_invite_from_remind(login, outsider, invite):
    response = login(outsider).post(reverse("candidates:invite_remind", args=[invite.pk]))
    assert response.status_code == 404
    assert not invite.deliveries.exists()


def test_the_interview_page_has_an_invite_button_preselecting_it(login, recruiter, interview):
    client = login(recruiter)
    html = client.get(reverse("interviews:interview_detail", args=[interview.pk])).content.decode()
    url = f"{reverse('candidates:invite_create')}?interview={interview.pk}"
    assert f'href="{url}" data-testid="invite-button"' in html
    page = client.get(url).content.decode()
    assert f'<option value="{interview.pk}" selected>' in page


# ---------------------------------------------------------------- issue 13: duplicates


def test_it_says_who_is_already_invited_next_to_the_candidates(
    login, recruiter, team, interview, candidate
):
    existing = CandidateInterviewFactory(team=team, interview=interview, candidate=candidate)
    response = login(recruiter).post(
        reverse("candidates:invite_create"),
        {
            "action": "send",
            "interview": interview.pk,
            "candidates": [candidate.pk],
            "delivery_types": ["email"],
            "expires_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    error = html[html.index('id="candidates-error"') :][:600]
    assert "Ada Lovelace already has an open invite to Backend Engineer (invited)" in error
    assert f'<a href="{detail_url(existing)}">open it</a>' in error
    assert CandidateInterview.objects.filter(candidate=candidate).count() == 1


def test_it_links_each_duplicate_on_the_result_page(login, recruiter, team, interview, candidate):
    existing = CandidateInterviewFactory(team=team, interview=interview, candidate=candidate)
    fresh = CandidateFactory(team=team)
    response = login(recruiter).post(
        reverse("candidates:invite_create"),
        {
            "action": "send",
            "interview": interview.pk,
            "candidates": [candidate.pk, fresh.pk],
            "delivery_types": ["email"],
            "expires_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    failures = html[html.index('data-testid="invite-failures"') :]
    assert f'href="{detail_url(existing)}"' in failures
    assert CandidateInterview.objects.filter(candidate=fresh).count() == 1


def test_an_invite_past_its_expiry_does_not_block_a_new_one(create, team, interview, candidate):
    CandidateInterviewFactory(
        team=team,
        interview=interview,
        candidate=candidate,
        expires_at=timezone.now() - timedelta(minutes=5),
    )
    invite, _token = create()
    assert invite.status == Status.INVITED


def test_the_csv_import_reports_an_open_invite_as_a_row_error(team, recruiter, interview):
    from candidates.services.imports import import_job_create, import_job_run, import_job_start

    busy = CandidateFactory(team=team, first_name="Ravi", last_name="Shah", email="ravi@x.test")
    CandidateInterviewFactory(team=team, interview=interview, candidate=busy)
    data = b"first_name,last_name,email\nRavi,Shah,ravi@x.test\nMia,Wong,mia@x.test\n"
    job, _ignored = import_job_create(team=team, by=recruiter, filename="c.csv", data=data)
    import_job_start(job=job, interview=interview, delivery_types=["email"])
    ran = import_job_run(job_id=job.pk)
    assert ran is not None
    [error] = [e for e in ran.errors if e.get("field") == "invite"]
    assert error["row"] == 2
    assert "Ravi Shah already has an open invite to Backend Engineer" in error["message"]
    assert CandidateInterview.objects.filter(candidate=busy).count() == 1
    assert CandidateInterview.objects.filter(candidate__email="mia@x.test").count() == 1


# ---------------------------------------------------------------- issue 13: totals


def test_it_shows_the_total_under_a_long_list(
    login, recruiter, team, django_assert_max_num_queries
):
    for _ in range(30):
        CandidateInterviewFactory(team=team)
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("candidates:invite_list")).content.decode()
    assert 'data-testid="table-totals">1–25 of 30<' in html
    with django_assert_max_num_queries(12):
        html = client.get(reverse("candidates:invite_list"), {"page": 2}).content.decode()
    assert 'data-testid="table-totals">26–30 of 30<' in html


def test_it_estimates_the_total_past_the_exact_bound(login, recruiter, team, monkeypatch):
    from django.db import connection

    from kit import counts

    monkeypatch.setattr(counts, "COUNT_EXACT_UP_TO", 27)
    for _ in range(30):
        CandidateInterviewFactory(team=team)
    if connection.vendor == "postgresql":
        # The planner's estimate needs statistics, as autovacuum keeps them on a real table.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CandidateInterview._meta.db_table}")
    html = login(recruiter).get(reverse("candidates:invite_list")).content.decode()
    totals = re.search(r'data-testid="table-totals">([^<]*)<', html)
    assert totals
    if connection.vendor == "postgresql":
        assert totals.group(1) == "1–25 of about 30"
    else:
        assert totals.group(1) == "1–25 of more than 27"


@pytest.mark.parametrize(
    ("n", "text"),
    [(999, "999"), (1_000, "1K"), (12_345, "12K"), (1_234_567, "1.2M"), (25_000_000, "25M")],
)
def test_it_rounds_large_totals_as_people_say_them(n, text):
    from kit.tables import approximate

    assert approximate(n) == text


@pytest.mark.parametrize("bound", [100, 27])
def test_a_bounded_total_is_one_statement_below_and_past_the_bound(
    team, monkeypatch, django_assert_num_queries, bound
):
    # Issue 16: a list's query count must not grow with its table (an EXPLAIN of its own
    # once the exact part is full was one more statement at a million rows).
    from django.db import connection

    from kit import counts

    monkeypatch.setattr(counts, "COUNT_EXACT_UP_TO", bound)
    for _ in range(30):
        CandidateInterviewFactory(team=team)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CandidateInterview._meta.db_table}")
    with django_assert_num_queries(1):
        total, exact = counts.bounded_count(CandidateInterview.objects.filter(team=team))
    assert exact is (bound == 100)
    assert total == 30 if bound == 100 else total >= 28


def test_the_page_refuses_sms_without_the_agreement_ticked(login, recruiter, team, interview):
    candidate = CandidateFactory(team=team)
    response = login(recruiter).post(
        reverse("candidates:invite_create"),
        {
            "interview": str(interview.pk),
            "candidates": [str(candidate.pk)],
            "delivery_types": ["sms"],
            "expires_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "action": "send",
        },
    )
    assert "Texts need the candidates" in " ".join(response.context["form"].errors["sms_opt_in"])
    assert 'id="sms-opt-in-error"' in response.content.decode()
    assert not CandidateInterview.objects.exists()


def test_the_service_refuses_sms_unless_the_candidate_agreed(create):
    for stated in (None, False):
        with pytest.raises(ValidationError) as excinfo:
            create(delivery_types=["sms"], sms_opt_in=stated)
        assert "has not agreed to receive text messages" in errors_of(excinfo)["sms_opt_in"][0]
    assert not CandidateInterview.objects.exists()


def test_an_older_invite_without_agreement_is_not_texted(team, recruiter, interview, candidate):
    from candidates.services.delivery import invite_delivery_send

    invite = CandidateInterviewFactory(
        team=team, interview=interview, candidate=candidate, delivery_types=["sms"]
    )
    delivery = InviteDelivery.objects.create(candidate_interview=invite, channel="sms")
    result = invite_delivery_send(delivery_id=delivery.pk, link_hash=invite.token_hash)
    assert result.status == "failed"
    assert result.error == "Not sent: the candidate has not agreed to receive text messages."
