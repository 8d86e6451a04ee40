"""The candidate runner: link exchange, steps, answers, resume, completion, closed invites."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidates.models import Answer, CandidateInterview
from candidates.runner.services import runner_progress, runner_question_order
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    SurveyOptionFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status


@pytest.fixture
def interview(team):
    interview = InterviewFactory(team=team, title="Support agent", welcome_message="Hi there!")
    yes_no = SurveyQuestionFactory(team=team, title="Weekends", question_text="Weekends OK?")
    multi = SurveyQuestionFactory(
        team=team,
        survey_type="MULTIPLE_CHOICE_MULTIPLE_ANSWER",
        preferred_option="",
        question_text="Which languages?",
    )
    for n, text in enumerate(["English", "French", "Spanish"], start=1):
        SurveyOptionFactory(question=multi, text=text, ordinal=n)
    written = AITextQuestionFactory(team=team, question_text="Describe a hard customer.")
    written.max_answer_length = 200
    written.save()
    for q in (yes_no, multi, written):
        interview_question_add(interview=interview, question=q)
    return interview


@pytest.fixture
def invite_and_token(interview):
    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(interview=interview, token_hash=digest)
    return invite, token


def enter(client, token):
    return client.get(reverse("candidates:runner_enter", args=[token]))


def test_it_swaps_the_token_for_a_session_and_drops_it_from_the_url(client, invite_and_token):
    _invite, token = invite_and_token
    response = enter(client, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:runner")
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Hi there!" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in page
    policy = page["Content-Security-Policy"].split("; ")
    assert "frame-ancestors 'self'" in policy
    assert "script-src 'self'" in policy


def test_it_refuses_an_unknown_link_kindly(client):
    response = enter(client, "not-a-real-token")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_it_asks_for_the_link_without_a_session(client):
    response = client.get(reverse("candidates:runner"))
    assert response.status_code == 403
    assert "Open your interview link again" in response.content.decode()


@pytest.mark.parametrize(
    ("status", "text"),
    [(Status.CANCELLED, "was cancelled"), (Status.EXPIRED, "has expired")],
)
def test_it_refuses_cancelled_and_expired_invites_with_a_friendly_page(
    client, interview, status, text
):
    token, digest = new_invite_token()
    CandidateInterviewFactory(interview=interview, token_hash=digest, status=status)
    enter(client, token)
    response = client.get(reverse("candidates:runner"))
    assert response.status_code == 410
    assert text in response.content.decode()


def test_it_expires_a_lapsed_invite_on_the_way(client, interview):
    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(
        interview=interview, token_hash=digest, expires_at=timezone.now() - timedelta(minutes=1)
    )
    enter(client, token)
    assert client.get(reverse("candidates:runner")).status_code == 410
    invite.refresh_from_db()
    assert invite.status == Status.EXPIRED


def test_it_refuses_answers_while_the_interview_is_paused(client, invite_and_token, interview):
    interview.status = 1
    interview.save()
    enter(client, invite_and_token[1])
    response = client.get(reverse("candidates:runner"))
    assert "not taking answers right now" in response.content.decode()


def _consent(client):
    client.post(reverse("candidates:runner_welcome"))
    return client.post(reverse("candidates:runner_consent"), {"agree": "yes"})


def test_it_needs_consent_before_the_questions(client, invite_and_token):
    invite, token = invite_and_token
    enter(client, token)
    client.post(reverse("candidates:runner_welcome"))
    refused = client.post(reverse("candidates:runner_consent"), {})
    assert refused.status_code == 422
    assert "Tick the box" in refused.content.decode()
    invite.refresh_from_db()
    assert invite.status == Status.INVITED
    client.post(reverse("candidates:runner_consent"), {"agree": "yes"})
    invite.refresh_from_db()
    assert invite.status == Status.IN_PROGRESS
    assert invite.consented_at is not None
    assert invite.consent_ip == "127.0.0.1"


def test_it_answers_every_kind_in_order_and_hands_in(client, invite_and_token, interview):
    invite, token = invite_and_token
    enter(client, token)
    _consent(client)
    items = list(interview.items.order_by("ordinal"))
    page = client.get(reverse("candidates:runner")).content.decode()
    assert "Weekends OK?" in page
    assert "Question 1 of 3" in page

    client.post(reverse("candidates:runner_answer", args=[items[0].pk]), {"choice": "YES"})
    page = client.get(reverse("candidates:runner")).content.decode()
    assert "Which languages?" in page
    options = list(items[1].survey_question.options.order_by("ordinal"))
    client.post(
        reverse("candidates:runner_answer", args=[items[1].pk]),
        {"options": [options[0].pk, options[2].pk]},
    )
    client.post(
        reverse("candidates:runner_answer", args=[items[2].pk]),
        {"text": "A customer whose order was lost twice; I called them back daily."},
    )
    page = client.get(reverse("candidates:runner")).content.decode()
    assert "Hand in my interview" in page
    response = client.post(reverse("candidates:runner_finish"))
    assert response["Location"] == reverse("candidates:runner_thanks")
    invite.refresh_from_db()
    assert invite.status == Status.COMPLETED
    multi = Answer.objects.get(candidate_interview=invite, interview_question=items[1])
    assert sorted(o.text for o in multi.selected_options.all()) == ["English", "Spanish"]
    assert "your interview is in" in client.get(response["Location"]).content.decode()
    # Completed is final: the runner only shows the thank-you page now.
    assert client.get(reverse("candidates:runner"))["Location"] == reverse(
        "candidates:runner_thanks"
    )


@pytest.mark.parametrize(
    ("index", "data", "message"),
    [
        (0, {}, "Choose Yes or No"),
        (1, {"options": []}, "Choose an answer"),
        (2, {"text": "x" * 201}, "the limit is 200"),
        (2, {"text": " "}, "Write an answer"),
    ],
)
def test_it_shows_answer_errors_next_to_the_question(
    client, invite_and_token, interview, index, data, message
):
    invite, token = invite_and_token
    enter(client, token)
    _consent(client)
    items = list(interview.items.order_by("ordinal"))
    for earlier in items[:index]:
        Answer.objects.create(
            candidate_interview=invite,
            interview_question=earlier,
            attempt=1,
            text="YES",
            status=Answer.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
    response = client.post(reverse("candidates:runner_answer", args=[items[index].pk]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert 'id="answer-error"' in html
    assert not Answer.objects.filter(interview_question=items[index]).exists()


def test_it_resumes_at_the_first_unanswered_question_from_the_same_link(
    invite_and_token, interview, client, django_user_model
):
    _invite, token = invite_and_token
    enter(client, token)
    _consent(client)
    first = interview.items.get(ordinal=1)
    client.post(reverse("candidates:runner_answer", args=[first.pk]), {"choice": "NO"})
    # Another browser (or the same one later) opens the same link.
    from django.test import Client

    later = Client()
    enter(later, token)
    page = later.get(reverse("candidates:runner")).content.decode()
    assert "Which languages?" in page
    assert "1 of 3 answered" in page


def test_it_refuses_to_hand_in_with_questions_left(client, invite_and_token):
    invite, token = invite_and_token
    enter(client, token)
    _consent(client)
    client.post(reverse("candidates:runner_finish"))
    invite.refresh_from_db()
    assert invite.status == Status.IN_PROGRESS


def test_it_fixes_a_random_subset_per_invite(interview):
    interview.random_question_count = 2
    interview.save()
    invite = CandidateInterviewFactory(interview=interview)
    first = [i.pk for i in runner_question_order(invite=invite)]
    assert len(first) == 2
    invite.refresh_from_db()
    assert [i.pk for i in runner_question_order(invite=invite)] == first
    ordinals = [i.ordinal for i in runner_question_order(invite=invite)]
    assert ordinals == sorted(ordinals)


def test_it_shows_the_device_check_and_practice_before_recorded_questions(client, team):
    interview = InterviewFactory(team=team)
    interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
    token, digest = new_invite_token()
    CandidateInterviewFactory(interview=interview, token_hash=digest)
    enter(client, token)
    _consent(client)
    assert "data-device-check" in client.get(reverse("candidates:runner")).content.decode()
    client.post(reverse("candidates:runner_device"))
    assert "Practice question" in client.get(reverse("candidates:runner")).content.decode()
    client.post(reverse("candidates:runner_practice"))
    page = client.get(reverse("candidates:runner")).content.decode()
    assert "data-recorder" in page
    assert runner_progress(invite=CandidateInterview.objects.get()).current is not None


def _mixed_invite(team):
    """A recorded question first, then a survey and a written one."""
    interview = InterviewFactory(team=team)
    items = [
        interview_question_add(interview=interview, question=q)
        for q in (
            AudioQuestionFactory(team=team),
            SurveyQuestionFactory(team=team),
            AITextQuestionFactory(team=team),
        )
    ]
    token, digest = new_invite_token()
    return CandidateInterviewFactory(interview=interview, token_hash=digest), token, items


def test_a_new_browser_checks_its_devices_while_a_recording_is_left(client, team):
    _invite, token, _items = _mixed_invite(team)
    enter(client, token)
    _consent(client)
    assert "data-device-check" in client.get(reverse("candidates:runner")).content.decode()
    # Another browser, the same link: the recorded question is still unanswered.
    other = Client()
    enter(other, token)
    assert "data-device-check" in other.get(reverse("candidates:runner")).content.decode()


def test_a_new_browser_skips_the_device_check_when_only_typed_answers_are_left(client, team):
    invite, token, items = _mixed_invite(team)
    enter(client, token)
    _consent(client)
    AnswerFactory(
        candidate_interview=invite,
        interview_question=items[0],
        attempt=1,
        status=Answer.Status.SUBMITTED,
    )
    # No session flags here (a browser without a camera): straight to the survey question.
    page = client.get(reverse("candidates:runner")).content.decode()
    assert "data-device-check" not in page
    assert "Practice question" not in page
    assert "Question 2 of 3" in page
    progress = runner_progress(invite=invite)
    assert progress.has_recordings
    assert not progress.recordings_left


def test_a_consent_error_is_summed_up_at_the_top_with_the_focus(client, invite_and_token):
    _invite, token = invite_and_token
    enter(client, token)
    client.post(reverse("candidates:runner_welcome"))
    html = client.post(reverse("candidates:runner_consent"), {}).content.decode()
    summary = html.index('data-testid="error-summary"')
    assert summary < html.index('data-testid="privacy-notice"')
    tag = html[html.rindex("<div", 0, summary) : html.index(">", summary)]
    assert 'tabindex="-1"' in tag
    assert "autofocus" in tag
    assert '<a href="#agree"' in html
    assert 'id="agree-error"' in html  # the field's own message stays by the checkbox
    assert "<title>Error:" in html


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_it_speaks_the_interviews_language(client, invite_and_token, interview, lang):
    interview.language = lang
    interview.save()
    enter(client, invite_and_token[1])
    response = client.get(reverse("candidates:runner"))
    html = response.content.decode()
    assert response["Content-Language"] == lang
    assert f'<html lang="{lang}">' in html
    assert {"fr": "Continuer", "es": "Continuar"}[lang] in html


def test_it_renders_a_page_in_constant_queries(
    client, invite_and_token, interview, django_assert_max_num_queries
):
    enter(client, invite_and_token[1])
    _consent(client)
    with django_assert_max_num_queries(12):
        client.get(reverse("candidates:runner"))
