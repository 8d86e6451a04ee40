"""Candidates are told (issue 18, item 5): their answers were received (once, in their language,
never after erasure), and, when the team turns it on, the decision, after a delay that lets a
mis-click be undone; the team's settings are validated next to the field and audited."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from candidates.models import CandidateInterview, CandidateMessage
from candidates.services.candidate_messages import candidate_message_send
from candidates.services.invites import candidate_interview_transition
from candidates.services.privacy import candidate_erase
from candidates.services.review import candidate_interview_decide
from candidates.tasks import candidate_messages_due_task
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.factories import CandidateInterviewFactory, InterviewFactory, SurveyQuestionFactory

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status
MessageStatus = CandidateMessage.Status


@pytest.fixture
def interview(team):
    interview = InterviewFactory(team=team, title="Support agent")
    question = SurveyQuestionFactory(team=team, question_text="Weekends OK?")
    interview_question_add(interview=interview, question=question)
    return interview


def started(interview, **kwargs):
    return CandidateInterviewFactory(
        team=interview.team,
        interview=interview,
        candidate__first_name="Ada",
        candidate__email="ada@example.com",
        status=Status.IN_PROGRESS,
        started_at=timezone.now() - timedelta(minutes=10),
        **kwargs,
    )


def completed(interview, **kwargs):
    invite = started(interview, **kwargs)
    return candidate_interview_transition(invite=invite, to=Status.COMPLETED)


def hand_in_through_the_runner(client, interview, **kwargs):
    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(
        team=interview.team,
        interview=interview,
        token_hash=digest,
        candidate__first_name="Ada",
        candidate__email="ada@example.com",
        **kwargs,
    )
    client.get(reverse("candidates:runner_enter", args=[token]))
    client.post(reverse("candidates:runner_welcome"))
    client.post(reverse("candidates:runner_consent"), {"agree": "yes"})
    item = interview.items.get()
    client.post(reverse("candidates:runner_answer", args=[item.pk]), {"choice": "YES"})
    response = client.post(reverse("candidates:runner_finish"))
    assert response["Location"] == reverse("candidates:runner_thanks")
    return invite


def candidate_mail():
    return [m for m in mail.outbox if m.to == ["ada@example.com"]]


# --- received


def test_handing_in_emails_the_candidate_once(
    client, interview, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite = hand_in_through_the_runner(client, interview)
    [message] = candidate_mail()
    assert message.subject == "We received your answers: Support agent"
    assert "Hello Ada," in message.body
    assert "we received your answers for Support agent" in message.body
    html = message.alternatives[0][0]
    assert "we received your answers for Support agent" in html
    row = CandidateMessage.objects.get(candidate_interview=invite)
    assert (row.kind, row.status) == ("received", MessageStatus.SENT)
    # A retried task sends nothing twice.
    assert candidate_message_send(message_id=row.pk) == "sent"
    assert len(candidate_mail()) == 1


@pytest.mark.parametrize(
    ("language", "subject", "sentence"),
    [
        ("fr-CA", "Nous avons bien reçu vos réponses : Support agent", "Bonjour Ada,"),
        ("es", "Hemos recibido sus respuestas: Support agent", "Hola, Ada:"),
    ],
)
def test_the_received_email_speaks_the_candidates_language(
    interview, language, subject, sentence, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        completed(interview, language=language)
    [message] = candidate_mail()
    assert message.subject == subject
    assert sentence in message.body
    assert "We received" not in message.body


def test_completing_twice_makes_one_message(interview, django_capture_on_commit_callbacks):
    from candidates.services.candidate_messages import received_message_enqueue

    with django_capture_on_commit_callbacks(execute=True):
        invite = completed(interview)
        assert received_message_enqueue(invite=invite) is None
    assert CandidateMessage.objects.filter(candidate_interview=invite).count() == 1
    assert len(candidate_mail()) == 1


def test_an_erased_candidate_is_never_emailed(interview, owner, django_capture_on_commit_callbacks):
    # The completion commits, then the candidate is erased before the task runs.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite = completed(interview)
    row_id = CandidateMessage.objects.get(candidate_interview=invite).pk
    candidate_erase(candidate=invite.candidate, by=owner)
    for callback in callbacks:
        callback()
    assert candidate_message_send(message_id=row_id) == "missing"
    assert candidate_mail() == []


def test_a_candidate_without_an_email_address_gets_no_message(
    interview, django_capture_on_commit_callbacks
):
    invite = CandidateInterviewFactory(
        team=interview.team,
        interview=interview,
        candidate__email="",
        candidate__phone="+14155550123",
        status=Status.IN_PROGRESS,
        started_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        candidate_interview_transition(invite=invite, to=Status.COMPLETED)
    assert not CandidateMessage.objects.exists()
    assert mail.outbox == []


def test_a_mail_failure_leaves_the_message_waiting_for_a_retry(interview, monkeypatch):
    invite = completed(interview)
    row = CandidateMessage.objects.get(candidate_interview=invite)

    def refuse(self, *args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(OSError):
        candidate_message_send(message_id=row.pk)
    row.refresh_from_db()
    assert row.status == MessageStatus.PENDING
    monkeypatch.undo()
    assert candidate_message_send(message_id=row.pk) == "sent"


# --- decision


@pytest.fixture
def telling(team):
    team.tell_candidates_decision = True
    team.decision_message_delay_minutes = 30
    team.save()
    return team


def decided(interview, recruiter, decision, **kwargs):
    invite = completed(interview, **kwargs)
    # The "received" email is tested above; here only the decision counts.
    CandidateMessage.objects.filter(kind="received").delete()
    return candidate_interview_decide(invite=invite, decision=decision, by=recruiter)


def later(minutes=31):
    return timezone.now() + timedelta(minutes=minutes)


def test_no_decision_email_while_the_setting_is_off(team, interview, recruiter):
    assert team.tell_candidates_decision is False
    invite = decided(interview, recruiter, "reject")
    assert not CandidateMessage.objects.filter(candidate_interview=invite, kind="decision")
    assert candidate_mail() == []


@pytest.mark.parametrize(
    ("decision", "words"),
    [("advance", "would like to move forward"), ("reject", "not to move forward")],
)
def test_the_decision_is_emailed_after_the_delay(
    telling, interview, recruiter, decision, words, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite = decided(interview, recruiter, decision)
    # The task ran at once (eager) and found it early: nothing is sent inside the window.
    assert candidate_mail() == []
    row = CandidateMessage.objects.get(candidate_interview=invite, kind="decision")
    assert row.status == MessageStatus.PENDING
    assert candidate_message_send(message_id=row.pk, now=later(29)) == "early"
    assert candidate_message_send(message_id=row.pk, now=later()) == "sent"
    [message] = candidate_mail()
    assert message.subject == f"Your application with {telling.name}"
    assert words in message.body
    assert candidate_message_send(message_id=row.pk, now=later(60)) == "sent"
    assert len(candidate_mail()) == 1


def test_hold_sends_nothing(telling, interview, recruiter):
    invite = decided(interview, recruiter, "hold")
    assert not CandidateMessage.objects.filter(candidate_interview=invite, kind="decision")


def test_changing_the_decision_in_the_window_cancels_the_email(telling, interview, recruiter):
    invite = decided(interview, recruiter, "reject")
    first = CandidateMessage.objects.get(candidate_interview=invite, kind="decision")
    candidate_interview_decide(invite=invite, decision="hold", by=recruiter)
    first.refresh_from_db()
    assert first.status == MessageStatus.CANCELLED
    assert candidate_message_send(message_id=first.pk, now=later()) == "cancelled"
    candidate_interview_decide(invite=invite, decision="advance", by=recruiter)
    second = CandidateMessage.objects.get(
        candidate_interview=invite, kind="decision", status=MessageStatus.PENDING
    )
    assert second.decision == "advance"
    candidate_message_send(message_id=second.pk, now=later())
    [message] = candidate_mail()
    assert "would like to move forward" in message.body


def test_a_decision_changed_behind_the_rows_back_is_not_sent(telling, interview, recruiter):
    invite = decided(interview, recruiter, "reject")
    row = CandidateMessage.objects.get(candidate_interview=invite, kind="decision")
    CandidateInterview.objects.filter(pk=invite.pk).update(decision="advance")
    assert candidate_message_send(message_id=row.pk, now=later()) == "cancelled"
    assert candidate_mail() == []


def test_turning_the_setting_off_stops_a_waiting_email(telling, interview, recruiter):
    invite = decided(interview, recruiter, "reject")
    row = CandidateMessage.objects.get(candidate_interview=invite, kind="decision")
    telling.tell_candidates_decision = False
    telling.save()
    assert candidate_message_send(message_id=row.pk, now=later()) == "cancelled"
    assert candidate_mail() == []


def test_the_decision_email_speaks_french(telling, interview, recruiter):
    invite = decided(interview, recruiter, "reject", language="fr")
    row = CandidateMessage.objects.get(candidate_interview=invite, kind="decision")
    candidate_message_send(message_id=row.pk, now=later())
    [message] = candidate_mail()
    assert message.subject == f"Votre candidature auprès de {telling.name}"
    assert "ne pas donner suite" in message.body


def test_the_beat_sweep_sends_what_is_due(telling, interview, recruiter):
    invite = decided(interview, recruiter, "advance")
    row = CandidateMessage.objects.get(candidate_interview=invite, kind="decision")
    CandidateMessage.objects.filter(pk=row.pk).update(send_after=timezone.now())
    assert candidate_messages_due_task.delay().get() == 1
    assert len(candidate_mail()) == 1
    assert candidate_messages_due_task.delay().get() == 0


def test_deciding_through_the_review_page_schedules_the_email(telling, login, recruiter, interview):
    invite = completed(interview)
    url = reverse("candidates:review_decide", args=[invite.pk])
    assert login(recruiter).post(url, {"decision": "reject"}).status_code == 302
    row = CandidateMessage.objects.get(candidate_interview=invite, kind="decision")
    assert row.decision == "reject"
    assert row.send_after > timezone.now() + timedelta(minutes=29)
