"""Accommodations: the service's rules, the limits every timer reads, the expiry they move, the
candidate's request and the one-click grant, the audit, the runner's timers and retakes, the
recruiter's invite page and the reviewer's neutral badge."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import CandidateInterview
from candidates.runner.services import runner_retakes_left
from candidates.services.accommodations import (
    ANSWER_CEILING_SECONDS,
    accommodated_limits,
    accommodation_clear,
    accommodation_grant,
    accommodation_request,
    accommodation_set,
)
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.factories import (
    AnswerFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
)

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status


@pytest.fixture
def interview(team):
    interview = InterviewFactory(
        team=team, think_time_seconds=30, answer_time_seconds=60, retakes_allowed=1
    )
    interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
    return interview


@pytest.fixture
def item(interview):
    return interview.items.get()


@pytest.fixture
def invite(interview):
    return CandidateInterviewFactory(interview=interview)


def _events(invite, action):
    return AuditEvent.objects.filter(action=action, object_id=str(invite.pk))


# --- the one function every timer and limit reads -------------------------------------------


def test_without_an_accommodation_the_limits_are_the_interviews(invite, item):
    limits = accommodated_limits(invite=invite, item=item)
    assert (limits.think_seconds, limits.answer_seconds, limits.retakes) == (30, 60, 1)
    assert not limits.untimed


def test_a_multiplier_stretches_think_and_answer_time_and_extra_retakes_add(
    invite, item, recruiter
):
    accommodation_set(invite=invite, by=recruiter, time="1.5", extra_retakes=2)
    limits = accommodated_limits(invite=invite, item=item)
    assert (limits.think_seconds, limits.answer_seconds, limits.retakes) == (45, 90, 3)


def test_the_questions_own_times_are_stretched_too(invite, item, recruiter):
    item.think_time_seconds, item.answer_time_seconds = 0, 1800
    item.save()
    accommodation_set(invite=invite, by=recruiter, time="2")
    limits = accommodated_limits(invite=invite, item=item)
    assert (limits.think_seconds, limits.answer_seconds) == (0, ANSWER_CEILING_SECONDS)


def test_untimed_has_no_countdown_and_stops_only_at_the_ceiling(invite, item, recruiter):
    accommodation_set(invite=invite, by=recruiter, time="untimed")
    limits = accommodated_limits(invite=invite, item=item)
    assert limits.untimed
    assert (limits.think_seconds, limits.answer_seconds) == (0, ANSWER_CEILING_SECONDS)


# --- set, clear, validation, audit ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"time": "4"}, "time"),
        ({"extra_retakes": 11}, "extra_retakes"),
        ({"extra_retakes": -1}, "extra_retakes"),
        ({"extra_days": 91}, "extra_days"),
        ({"extra_days": "many"}, "extra_days"),
    ],
)
def test_it_refuses_values_out_of_range_naming_the_field(invite, recruiter, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        accommodation_set(invite=invite, by=recruiter, **kwargs)
    assert field in caught.value.error_dict
    invite.refresh_from_db()
    assert not invite.has_accommodation


def test_setting_and_clearing_are_audited_with_the_values_and_no_reason(invite, recruiter):
    accommodation_set(invite=invite, by=recruiter, time="2", extra_retakes=1)
    accommodation_set(invite=invite, by=recruiter, time="2", extra_retakes=1)  # no change
    accommodation_clear(invite=invite, by=recruiter)

    set_events = _events(invite, "invite.accommodation_set")
    assert set_events.count() == 1
    event = set_events.get()
    assert event.actor == recruiter
    assert event.data["after"] == {"time": "2", "extra_retakes": 1, "extra_days": 0}
    assert _events(invite, "invite.accommodation_cleared").count() == 1
    invite.refresh_from_db()
    assert not invite.has_accommodation
    assert invite.accommodation_set_at is None


def test_it_can_be_set_after_the_candidate_started(invite, item, recruiter):
    CandidateInterview.objects.filter(pk=invite.pk).update(
        status=Status.IN_PROGRESS, started_at=timezone.now()
    )
    invite.refresh_from_db()
    accommodation_set(invite=invite, by=recruiter, time="untimed")
    assert accommodated_limits(invite=invite, item=item).untimed


# --- the expiry -------------------------------------------------------------------------------


def test_extra_days_move_the_expiry_and_taking_them_back_moves_it_back(invite, recruiter):
    before = invite.expires_at
    accommodation_set(invite=invite, by=recruiter, extra_days=5)
    assert invite.expires_at == before + timedelta(days=5)
    accommodation_set(invite=invite, by=recruiter, extra_days=2)
    assert invite.expires_at == before + timedelta(days=2)
    accommodation_clear(invite=invite, by=recruiter)
    assert invite.expires_at == before


def test_taking_days_back_never_puts_the_expiry_in_the_past(invite, recruiter):
    accommodation_set(invite=invite, by=recruiter, extra_days=30)
    soon = timezone.now() + timedelta(hours=3)
    CandidateInterview.objects.filter(pk=invite.pk).update(expires_at=soon)
    invite.refresh_from_db()
    accommodation_clear(invite=invite, by=recruiter)
    assert invite.expires_at > timezone.now()
    assert invite.status == Status.INVITED


def test_extra_days_reopen_an_invite_that_just_expired(invite, recruiter):
    CandidateInterview.objects.filter(pk=invite.pk).update(
        status=Status.EXPIRED, expires_at=timezone.now() - timedelta(days=1)
    )
    invite.refresh_from_db()
    accommodation_set(invite=invite, by=recruiter, extra_days=7)
    assert invite.status == Status.INVITED
    assert invite.expires_at > timezone.now() + timedelta(days=5)


def test_a_completed_invite_is_final_its_expiry_does_not_move(invite, recruiter):
    CandidateInterview.objects.filter(pk=invite.pk).update(
        status=Status.COMPLETED, completed_at=timezone.now()
    )
    invite.refresh_from_db()
    before = invite.expires_at
    accommodation_set(invite=invite, by=recruiter, extra_days=7)
    assert invite.status == Status.COMPLETED
    assert invite.expires_at == before
    assert invite.accommodation_extra_days == 7


def test_the_expiry_sweep_leaves_an_extended_invite_open(invite, recruiter):
    from candidates.services.invites import invite_expire_due

    accommodation_set(invite=invite, by=recruiter, extra_days=3)
    assert invite_expire_due(now=timezone.now() + timedelta(days=8)) == 0
    invite.refresh_from_db()
    assert invite.status == Status.INVITED
    assert invite_expire_due(now=timezone.now() + timedelta(days=11)) == 1


# --- the candidate's request and the one-click grant -----------------------------------------


def test_a_request_may_say_nothing_and_grant_applies_the_default(invite, recruiter, item):
    accommodation_request(invite=invite, kinds=[], note="")
    invite.refresh_from_db()
    assert invite.accommodation_request_open
    assert _events(invite, "invite.accommodation_requested").get().actor_label == "candidate"

    accommodation_grant(invite=invite, by=recruiter)

    invite.refresh_from_db()
    assert not invite.accommodation_request_open
    limits = accommodated_limits(invite=invite, item=item)
    assert (limits.think_seconds, limits.answer_seconds, limits.retakes) == (45, 90, 2)
    assert _events(invite, "invite.accommodation_granted").get().actor == recruiter


def test_grant_applies_what_was_asked_and_never_lowers_what_is_set(invite, recruiter):
    accommodation_set(invite=invite, by=recruiter, time="2")
    before = invite.expires_at
    accommodation_request(invite=invite, kinds=["time", "days"], note="  I use a screen reader ")
    invite.refresh_from_db()
    assert invite.accommodation_request_note == "I use a screen reader"

    accommodation_grant(invite=invite, by=recruiter)

    invite.refresh_from_db()
    assert invite.accommodation_time == "2"  # 1.5x would be less
    assert invite.accommodation_extra_days == 7
    assert invite.accommodation_extra_retakes == 0
    assert invite.expires_at == before + timedelta(days=7)


def test_a_request_refuses_unknown_kinds_and_a_long_note(invite):
    with pytest.raises(ValidationError) as caught:
        accommodation_request(invite=invite, kinds=["diagnosis"], note="")
    assert "kinds" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        accommodation_request(invite=invite, kinds=[], note="x" * 1001)
    assert "note" in caught.value.error_dict


def test_grant_without_an_open_request_is_refused(invite, recruiter):
    with pytest.raises(ValidationError):
        accommodation_grant(invite=invite, by=recruiter)


# --- the runner: timers and retakes ------------------------------------------------------------


def _to_question(client, invite):
    token, digest = new_invite_token()
    CandidateInterview.objects.filter(pk=invite.pk).update(token_hash=digest)
    client.get(reverse("candidates:runner_enter", args=[token]))
    session = client.session
    session.update({"welcomed": True, "device_ok": True, "practice_done": True})
    session.save()
    CandidateInterview.objects.filter(pk=invite.pk).update(
        consented_at=timezone.now(), status=Status.IN_PROGRESS, attempts_used=1
    )
    return client.get(reverse("candidates:runner"))


def test_the_runner_shows_the_interviews_timers_without_an_accommodation(client, invite):
    page = _to_question(client, invite).content.decode()
    assert 'data-think="30" data-answer="60" data-retakes="1" data-untimed=""' in page
    assert "You have 30 seconds to think, then up to 60 seconds to answer." in page


def test_the_runner_shows_doubled_timers_and_the_extra_retake(client, invite, recruiter):
    accommodation_set(invite=invite, by=recruiter, time="2", extra_retakes=1)
    page = _to_question(client, invite).content.decode()
    assert 'data-think="60" data-answer="120" data-retakes="2" data-untimed=""' in page
    assert "You have 60 seconds to think, then up to 120 seconds to answer." in page


def test_the_runner_shows_no_countdown_when_untimed(client, invite, recruiter):
    accommodation_set(invite=invite, by=recruiter, time="untimed")
    page = _to_question(client, invite).content.decode()
    assert 'data-think="0" data-answer="3600" data-retakes="1" data-untimed="1"' in page
    assert "Take the time you need" in page


def test_an_accommodation_set_mid_interview_reaches_the_next_page(client, invite, recruiter):
    assert 'data-think="30"' in _to_question(client, invite).content.decode()
    accommodation_set(invite=invite, by=recruiter, time="1.5")
    assert 'data-think="45"' in client.get(reverse("candidates:runner")).content.decode()


def test_the_retake_check_allows_the_extra_retakes(invite, item, recruiter):
    answer = AnswerFactory(candidate_interview=invite, interview_question=item, retakes_used=1)
    answer.media.save("a.webm", ContentFile(b"x"), save=True)
    assert not runner_retakes_left(invite=invite, item_id=item.pk, attempt=1)
    accommodation_set(invite=invite, by=recruiter, extra_retakes=1)
    assert runner_retakes_left(invite=invite, item_id=item.pk, attempt=1)
    answer.retakes_used = 2
    answer.save()
    assert not runner_retakes_left(invite=invite, item_id=item.pk, attempt=1)


def test_the_candidate_asks_from_the_welcome_page_saying_nothing(client, invite):
    token, digest = new_invite_token()
    CandidateInterview.objects.filter(pk=invite.pk).update(token_hash=digest)
    client.get(reverse("candidates:runner_enter", args=[token]))
    welcome = client.get(reverse("candidates:runner")).content.decode()
    assert "I need more time or another adjustment" in welcome

    response = client.post(reverse("candidates:runner_accommodation"), {})

    assert response.status_code == 200
    assert 'data-testid="accommodation-sent"' in response.content.decode()
    invite.refresh_from_db()
    assert invite.accommodation_request_open
    assert invite.accommodation_request_kinds == []
    assert invite.accommodation_request_note == ""


def test_the_candidates_too_long_note_is_a_422_next_to_the_field(client, invite):
    token, digest = new_invite_token()
    CandidateInterview.objects.filter(pk=invite.pk).update(token_hash=digest)
    client.get(reverse("candidates:runner_enter", args=[token]))

    response = client.post(
        reverse("candidates:runner_accommodation"), {"kinds": ["time"], "note": "x" * 1001}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="acc-note-error"' in page
    assert 'value="time" id="acc-time" checked' in page
    invite.refresh_from_db()
    assert invite.accommodation_requested_at is None


def test_the_welcome_page_tells_the_accommodated_times(client, invite, recruiter):
    accommodation_set(invite=invite, by=recruiter, time="2", extra_retakes=1)
    token, digest = new_invite_token()
    CandidateInterview.objects.filter(pk=invite.pk).update(token_hash=digest)
    client.get(reverse("candidates:runner_enter", args=[token]))
    page = client.get(reverse("candidates:runner")).content.decode()
    assert "have 60 seconds to think, then up to 120 seconds to answer" in page
    assert "record each answer again 2 times" in page


# --- the recruiter's invite page and the reviewer's badge --------------------------------------


def test_the_recruiter_sees_the_request_and_grants_it_in_one_click(login, recruiter, invite, item):
    accommodation_request(invite=invite, kinds=["retakes"], note="Please")
    client = login(recruiter)
    page = client.get(reverse("candidates:invite_detail", args=[invite.pk])).content.decode()
    assert 'data-testid="accommodation-request"' in page
    assert "“Please”" in page

    response = client.post(reverse("candidates:invite_accommodation_grant", args=[invite.pk]))

    assert response.status_code == 302
    invite.refresh_from_db()
    assert accommodated_limits(invite=invite, item=item).retakes == 2
    page = client.get(reverse("candidates:invite_detail", args=[invite.pk])).content.decode()
    assert 'data-testid="accommodation-request"' not in page
    assert "Applied: +1 retake." in page


def test_the_recruiter_sets_and_clears_it_on_the_invite_page(login, recruiter, invite):
    client = login(recruiter)
    url = reverse("candidates:invite_accommodation", args=[invite.pk])
    response = client.post(url, {"time": "untimed", "extra_retakes": "1", "extra_days": "2"})
    assert response.status_code == 302
    invite.refresh_from_db()
    assert (invite.accommodation_time, invite.accommodation_extra_days) == ("untimed", 2)

    client.post(url, {"clear": "1"})
    invite.refresh_from_db()
    assert not invite.has_accommodation


def test_a_bad_value_is_a_422_with_the_error_next_to_the_field(login, recruiter, invite):
    client = login(recruiter)
    response = client.post(
        reverse("candidates:invite_accommodation", args=[invite.pk]),
        {"time": "", "extra_retakes": "50", "extra_days": "0"},
    )
    assert response.status_code == 422
    assert 'id="id_extra_retakes-error"' in response.content.decode()
    invite.refresh_from_db()
    assert not invite.has_accommodation


def test_the_pages_need_a_login(client, invite):
    response = client.post(reverse("candidates:invite_accommodation", args=[invite.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_another_teams_invite_is_a_404(login, outsider, invite):
    client = login(outsider)
    for name in ("candidates:invite_accommodation", "candidates:invite_accommodation_grant"):
        assert client.post(reverse(name, args=[invite.pk]), {"time": "2"}).status_code == 404
    invite.refresh_from_db()
    assert not invite.has_accommodation


def test_a_hiring_manager_cannot_change_it_nor_read_the_request(
    login, hiring_manager, invite, recruiter
):
    invite.interview.reviewers.add(hiring_manager)
    accommodation_request(invite=invite, kinds=["time"], note="my private words")
    accommodation_set(invite=invite, by=recruiter, time="2")
    client = login(hiring_manager)
    url = reverse("candidates:invite_accommodation", args=[invite.pk])
    assert client.post(url, {"time": ""}).status_code == 403
    page = client.get(reverse("candidates:invite_detail", args=[invite.pk])).content.decode()
    assert "my private words" not in page
    assert "Accommodation applied" in page
    assert "2× time" not in page


def test_reviewers_see_a_neutral_badge_and_nothing_else(login, hiring_manager, invite, recruiter):
    invite.interview.reviewers.add(hiring_manager)
    accommodation_request(invite=invite, kinds=["time"], note="dyslexia")
    CandidateInterview.objects.filter(pk=invite.pk).update(
        status=Status.COMPLETED, completed_at=timezone.now()
    )
    client = login(hiring_manager)
    review = reverse("candidates:invite_review", args=[invite.pk])
    assert "Accommodation applied" not in client.get(review).content.decode()

    invite.refresh_from_db()
    accommodation_set(invite=invite, by=recruiter, time="untimed", extra_retakes=2)
    page = client.get(review).content.decode()
    assert 'data-testid="accommodation-badge"' in page
    for detail in ("Untimed", "+2 retakes", "dyslexia"):
        assert detail not in page


def test_open_requests_need_the_recruiters_attention_on_the_home_page(
    login, recruiter, hiring_manager, invite
):
    invite.interview.reviewers.add(hiring_manager)
    accommodation_request(invite=invite, kinds=[], note="")
    home = reverse("dashboard:home")
    page = login(recruiter).get(home).content.decode()
    assert 'data-testid="attention-accommodation"' in page
    assert invite.candidate.full_name in page

    assert (
        'data-testid="attention-accommodation"'
        not in login(hiring_manager).get(home).content.decode()
    )

    accommodation_grant(invite=invite, by=recruiter)
    assert (
        'data-testid="attention-accommodation"' not in login(recruiter).get(home).content.decode()
    )


def test_processing_accepts_the_length_the_upload_server_accepted(
    invite, item, recruiter, settings
):
    from candidates.models import Answer
    from candidates.recordings import max_seconds

    settings.UPLOAD_DURATION_SLACK_SECONDS = 15
    answer = AnswerFactory(candidate_interview=invite, interview_question=item)
    assert max_seconds(Answer.objects.get(pk=answer.pk)) == 75
    accommodation_set(invite=invite, by=recruiter, time="2")
    assert max_seconds(Answer.objects.get(pk=answer.pk)) == 135
