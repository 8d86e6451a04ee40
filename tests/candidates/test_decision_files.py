"""Decision files (issue 18, item 9): from a link in the received or decision email a candidate
asks for a plain-language record of their process; the team reviews it, may add a note, and
sends it; asking and sending are audited."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import CandidateInterview, DecisionFileRequest
from candidates.selectors_decision_files import decision_file_compose, decision_file_text
from candidates.services.candidate_messages import (
    decision_message_schedule,
    received_message_enqueue,
)
from candidates.services.decision_files import (
    LINK_DAYS,
    decision_file_link_read,
    decision_file_request,
    decision_file_send,
    decision_file_token,
)
from candidates.services.privacy import candidate_erase
from candidates.services.review import candidate_interview_decide
from interviews.models import InterviewQuestion
from kit import limits
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    CandidateInterviewFactory,
    CriterionScoreFactory,
    DecisionFileRequestFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    ScorecardFactory,
    SelfIdentificationFactory,
    TurnFactory,
)

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status
EVIDENCE = "I led the migration of our billing system to Django."


@pytest.fixture
def interview(team):
    interview = InterviewFactory(team=team, title="Backend engineer")
    InterviewQuestionFactory(
        interview=interview, audio_question__team=team, audio_question__title="Intro"
    )
    InterviewQuestionFactory(
        interview=interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        audio_question=None,
        ai_text_question=AITextQuestionFactory(team=team, question_text="Describe a migration."),
    )
    return interview


def completed(interview, **kwargs):
    kwargs.setdefault("candidate__first_name", "Ada")
    kwargs.setdefault("candidate__email", "ada@example.com")
    return CandidateInterviewFactory(
        team=interview.team,
        interview=interview,
        status=Status.COMPLETED,
        started_at=timezone.now() - timedelta(minutes=20),
        completed_at=timezone.now(),
        consented_at=timezone.now() - timedelta(minutes=20),
        **kwargs,
    )


def evaluated(interview, **kwargs):
    """A candidate whose two answers (a recording and a written one) the AI advised on."""
    invite = completed(interview, **kwargs)
    audio_item, text_item = interview.items.order_by("ordinal")
    recording = AnswerFactory(
        candidate_interview=invite,
        interview_question=audio_item,
        text="",
        media="answers/intro.webm",
        media_type="video/webm",
        transcript="Hello, I am Ada.",
    )
    TurnFactory(candidate_interview=invite, answer=recording, content="Hello, I am Ada.")
    written = AnswerFactory(
        candidate_interview=invite, interview_question=text_item, text="We moved billing."
    )
    for answer, score in ((recording, Decimal("3.00")), (written, Decimal("4.00"))):
        evaluation = EvaluationFactory(
            candidate_interview=invite, answer=answer, overall_score=score, model_name="judge-7b"
        )
        CriterionScoreFactory(
            evaluation=evaluation, criterion_name="Ownership", score=int(score), evidence=EVIDENCE
        )
    return invite


def ask_url(invite):
    return reverse("candidates:decision_file_ask", args=[decision_file_token(invite)])


# ---------------------------------------------------------------- the link in the emails


def test_the_received_email_links_to_the_decision_file_page(
    client, interview, django_capture_on_commit_callbacks
):
    invite = completed(interview, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        received_message_enqueue(invite=invite)
    [message] = mail.outbox
    [url] = re.findall(r"https?://\S+/decision-file/\S+/", message.body)
    assert "dossier de décision" in message.body
    html = message.alternatives[0][0]
    assert f'href="{url}"' in html
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert page["Content-Language"] == "fr"
    assert "Demander mon dossier de décision" in page.content.decode()


@pytest.mark.parametrize("decision", ["advance", "reject"])
def test_the_decision_emails_link_to_the_decision_file_page(
    interview, owner, decision, django_capture_on_commit_callbacks
):
    team = interview.team
    team.tell_candidates_decision, team.decision_message_delay_minutes = True, 5
    team.save()
    invite = completed(interview, decision=decision)
    message = decision_message_schedule(invite=invite, now=timezone.now() - timedelta(hours=1))
    assert message is not None
    from candidates.services.candidate_messages import candidate_message_send

    candidate_message_send(message_id=message.pk)
    [email] = mail.outbox
    [url] = re.findall(r"https?://\S+/decision-file/\S+/", email.body)
    assert decision_file_link_read(url.split("/decision-file/")[1].rstrip("/")).invite == invite
    assert "decision file" in email.body


# ---------------------------------------------------------------- the candidate's page


def test_a_forged_or_cut_link_opens_nothing(client, interview):
    invite = completed(interview)
    url = ask_url(invite)
    for bad in (url[:-6] + "abcdef/", url.replace(invite.pk.hex, "0" * 32)):
        for method in ("get", "post"):
            response = getattr(client, method)(bad)
            assert response.status_code == 404
            assert "This link does not work" in response.content.decode()
    assert not DecisionFileRequest.objects.exists()


def test_a_link_past_its_date_says_so_and_asks_nothing(client, interview, monkeypatch):
    invite = completed(interview, language="es")
    moment = time.time() - LINK_DAYS * 86400 - 60
    with monkeypatch.context() as patch:
        patch.setattr(
            signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(moment))
        )
        url = ask_url(invite)
    response = client.post(url)
    assert response.status_code == 410
    assert "Este enlace ha caducado" in response.content.decode()
    assert not DecisionFileRequest.objects.exists()


def test_a_link_whose_data_is_deleted_says_so(client, interview, owner):
    invite = completed(interview)
    url = ask_url(invite)
    candidate_erase(candidate=invite.candidate, by=owner)
    response = client.get(url)
    assert response.status_code == 410
    assert "Your data has been deleted" in response.content.decode()
    assert client.post(url).status_code == 410
    assert not DecisionFileRequest.objects.exists()


def test_asking_twice_makes_one_request_and_one_audit_event(client, interview):
    invite = completed(interview, language="fr")
    url = ask_url(invite)
    page = client.get(url).content.decode()
    assert 'data-testid="decision-file-ask"' in page
    first = client.post(url)
    assert first.status_code == 200
    assert "Merci : votre demande est envoyée." in first.content.decode()
    second = client.post(url).content.decode()
    assert "Merci" not in second
    assert "Vous avez demandé le" in second
    [row] = DecisionFileRequest.objects.all()
    assert (row.team, row.candidate_interview, row.language) == (invite.team, invite, "fr")
    [event] = AuditEvent.objects.filter(action="decision_file.requested")
    assert event.actor_label == "candidate"
    assert event.object_id == str(invite.pk)
    # The page now says it is open, with no button to ask again.
    assert 'data-testid="decision-file-ask"' not in client.get(url).content.decode()


def test_asking_is_rate_limited(client, interview):
    invite = completed(interview)
    url = ask_url(invite)
    statuses = [client.post(url).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert "try again later" in client.post(url).content.decode()
    assert DecisionFileRequest.objects.count() == 1


def test_a_candidate_may_ask_again_once_the_file_was_sent(interview, owner):
    invite = completed(interview)
    first, created = decision_file_request(invite=invite)
    decision_file_send(file_request=first, by=owner)
    again, created_again = decision_file_request(invite=invite)
    assert created
    assert created_again
    assert again.pk != first.pk


# ---------------------------------------------------------------- what the file says


def test_the_file_of_an_ai_evaluated_candidate(interview):
    invite = evaluated(interview)
    SelfIdentificationFactory(candidate_interview=invite, sex="female")
    invite.accommodation_extra_retakes = 2
    invite.save()
    text = decision_file_text(decision_file_compose(invite=invite))
    assert "Question 1: Tell me about yourself and your background." in text
    assert "A video recording of your answer, and a transcript of it made automatically" in text
    assert "Question 2: Describe a migration.\n  Your written answer" in text
    assert "AI advice was made about 2 of your answers" in text
    assert "AI advice: 4.0 out of 5 (made by builtin judge-7b)" in text
    assert f"Evidence from your answer: “{EVIDENCE}”" in text
    assert "An accommodation was applied to your interview." in text
    # Self-identification: said to be kept apart, its content never in the file.
    assert "kept apart from your interview" in text
    assert "female" not in text.lower()
    assert "Female" not in text
    assert "24 months after the last activity" in text
    assert "No decision has been recorded yet." in text
    # Plain words: no internal ids.
    assert str(invite.pk) not in text
    assert invite.pk.hex not in text


def test_the_file_of_a_candidate_who_declined_ai(interview):
    invite = evaluated(interview)
    CandidateInterview.objects.filter(pk=invite.pk).update(ai_declined_at=timezone.now())
    invite.refresh_from_db()
    text = decision_file_text(decision_file_compose(invite=invite))
    assert "You chose not to have AI evaluate your answers" in text
    assert "only people reviewed your answers" in text
    assert EVIDENCE not in text
    assert "AI advice:" not in text
    assert "No accommodation was applied to your interview." in text


def test_the_file_of_a_candidate_without_ai_advice(interview):
    invite = completed(interview)
    AnswerFactory(candidate_interview=invite, interview_question=interview.items.last())
    text = decision_file_text(decision_file_compose(invite=invite))
    assert "No AI advice was made about your answers." in text
    assert "Question 1: Tell me about yourself and your background.\n  No answer" in text


def test_the_file_says_who_decided_what_and_when(interview, owner):
    owner.full_name = "Grace Hopper"
    owner.save()
    invite = evaluated(interview)
    ScorecardFactory(candidate_interview=invite, submitted_at=timezone.now())
    invite = candidate_interview_decide(invite=invite, decision="reject", by=owner)
    record = decision_file_compose(invite=invite)
    text = decision_file_text(record)
    day = timezone.localtime(invite.decided_at).strftime("%-d %B %Y")
    assert f"Grace Hopper decided on {day} not to move forward with your application" in text
    assert "A person made this decision, not an automated system." in text
    assert "One reviewer at Acme Recruiting rated your interview" in text
    # Hold is not a decision: the file says none was made.
    invite = candidate_interview_decide(invite=invite, decision="hold", by=owner)
    assert "No decision has been recorded yet." in decision_file_text(
        decision_file_compose(invite=invite)
    )


def test_the_file_speaks_the_candidates_language(interview):
    invite = evaluated(interview, language="es")
    text = decision_file_text(decision_file_compose(invite=invite))
    assert "Lo que se recopiló" in text
    assert "Consejo de la IA" in text
    assert "What was collected" not in text


# ---------------------------------------------------------------- the team's pages


def test_the_list_shows_the_teams_requests_in_few_queries(
    login, recruiter, team, interview, other_team, django_assert_max_num_queries
):
    for n in range(30):
        DecisionFileRequestFactory(
            candidate_interview=completed(
                interview, candidate__first_name=f"Cand{n}", candidate__email=f"c{n}@example.com"
            )
        )
    DecisionFileRequestFactory(
        candidate_interview__interview__team=other_team,
        candidate_interview__candidate__first_name="Elsewhere",
    )
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("candidates:decision_file_list")).content.decode()
    assert html.count('data-testid="decision-file-row"') == 25
    assert "Elsewhere" not in html
    with django_assert_max_num_queries(12):
        client.get(
            reverse("candidates:decision_file_list"), {"page": 2}, headers={"HX-Request": "true"}
        )


def test_the_list_has_an_empty_state_and_filters(login, owner, interview):
    client = login(owner)
    html = client.get(reverse("candidates:decision_file_list")).content.decode()
    assert 'data-testid="decision-files-empty"' in html
    sent = DecisionFileRequestFactory(
        candidate_interview=completed(interview),
        status="sent",
        sent_at=timezone.now(),
    )
    waiting = client.get(reverse("candidates:decision_file_list")).content.decode()
    assert 'data-testid="decision-file-row"' not in waiting
    shown = client.get(reverse("candidates:decision_file_list"), {"status": "sent"})
    assert reverse("candidates:decision_file_detail", args=[sent.pk]) in shown.content.decode()


def test_hiring_managers_and_other_teams_cannot_reach_requests(
    login, hiring_manager, outsider, interview
):
    file_request = DecisionFileRequestFactory(candidate_interview=completed(interview))
    detail = reverse("candidates:decision_file_detail", args=[file_request.pk])
    send = reverse("candidates:decision_file_send", args=[file_request.pk])
    client = login(hiring_manager)
    assert client.get(reverse("candidates:decision_file_list")).status_code == 403
    assert client.get(detail).status_code == 403
    assert client.post(send).status_code == 403
    client = login(outsider)
    assert client.get(detail).status_code == 404
    assert client.post(send).status_code == 404
    assert client.get(reverse("candidates:decision_file_list")).status_code == 200
    assert not mail.outbox


def test_the_detail_page_shows_the_file_and_saves_a_note(login, recruiter, interview):
    invite = evaluated(interview)
    file_request = DecisionFileRequestFactory(candidate_interview=invite)
    url = reverse("candidates:decision_file_detail", args=[file_request.pk])
    client = login(recruiter)
    html = client.get(url).content.decode()
    assert EVIDENCE in html
    assert 'data-testid="decision-file-send"' in html
    too_long = client.post(url, {"note": "x" * (limits.DECISION_FILE_NOTE + 1)})
    assert too_long.status_code == 422
    assert "Ensure this value has at most 1000 characters" in too_long.content.decode()
    response = client.post(url, {"note": "Questions? Write to jobs@acme.test."})
    assert response.status_code == 302
    file_request.refresh_from_db()
    assert (file_request.note, file_request.prepared_by) == (
        "Questions? Write to jobs@acme.test.",
        recruiter,
    )
    assert "Questions? Write to jobs@acme.test." in client.get(url).content.decode()
    assert AuditEvent.objects.filter(action="decision_file.prepared").count() == 1


def test_sending_emails_the_file_once_and_keeps_it_as_sent(login, recruiter, interview):
    invite = evaluated(interview, language="fr")
    file_request = DecisionFileRequestFactory(candidate_interview=invite, language="fr")
    send = reverse("candidates:decision_file_send", args=[file_request.pk])
    client = login(recruiter)
    response = client.post(send, {"note": "Bonne chance !"})
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == ["ada@example.com"]
    assert email.subject == "Votre dossier de décision : Backend engineer"
    assert EVIDENCE in email.body
    assert "Bonne chance !" in email.body
    assert EVIDENCE in email.alternatives[0][0]
    file_request.refresh_from_db()
    assert file_request.status == "sent"
    assert file_request.sent_by == recruiter
    assert file_request.sent_text == email.body
    [event] = AuditEvent.objects.filter(action="decision_file.sent")
    assert event.actor == recruiter
    assert event.object_id == str(invite.pk)
    # Idempotent: a second click sends nothing more.
    again = client.post(send, follow=True)
    assert "already sent" in again.content.decode()
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="decision_file.sent").count() == 1
    page = client.get(reverse("candidates:decision_file_detail", args=[file_request.pk]))
    assert 'data-testid="decision-file-sent-text"' in page.content.decode()


def test_closing_without_sending_needs_a_reason_and_is_audited(login, owner, interview):
    file_request = DecisionFileRequestFactory(candidate_interview=completed(interview))
    close = reverse("candidates:decision_file_close", args=[file_request.pk])
    client = login(owner)
    refused = client.post(close, {"reason": ""})
    assert refused.status_code == 422
    assert "This field is required" in refused.content.decode()
    assert client.post(close, {"reason": "Sent by post instead."}).status_code == 302
    file_request.refresh_from_db()
    assert (file_request.status, file_request.closed_reason) == (
        "cancelled",
        "Sent by post instead.",
    )
    assert AuditEvent.objects.filter(action="decision_file.closed").count() == 1
    sent = client.post(reverse("candidates:decision_file_send", args=[file_request.pk]))
    assert sent.status_code == 422
    assert not mail.outbox


def test_the_invite_page_shows_an_open_request(login, recruiter, hiring_manager, interview):
    invite = completed(interview)
    interview.reviewers.add(hiring_manager)
    client = login(recruiter)
    page = reverse("candidates:invite_detail", args=[invite.pk])
    assert 'data-testid="decision-file-request"' not in client.get(page).content.decode()
    file_request = DecisionFileRequestFactory(candidate_interview=invite)
    html = client.get(page).content.decode()
    assert "Ada asked for their decision file" in html
    assert reverse("candidates:decision_file_detail", args=[file_request.pk]) in html
    hm_html = login(hiring_manager).get(page).content.decode()
    assert 'data-testid="decision-file-request"' not in hm_html


def test_erasing_the_candidate_deletes_their_requests(interview, owner):
    invite = completed(interview)
    DecisionFileRequestFactory(candidate_interview=invite)
    candidate_erase(candidate=invite.candidate, by=owner)
    assert not DecisionFileRequest.objects.exists()
