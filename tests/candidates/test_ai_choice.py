"""The human-only lane (issue 18, item 2): a candidate may decline AI evaluation where the team
allows it. Transcribed, never AI-scored or summarised; everything else unchanged."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import Answer, CandidateInterview, Evaluation, EvaluationRun
from candidates.scores import candidate_scores
from candidates.services.ai_choice import ai_decline_offered, ai_evaluation_decline
from candidates.services.evaluations import (
    answer_evaluate,
    candidate_interview_summarize,
    evaluation_rerun_request,
)
from candidates.services.processing import answer_process
from candidates.tasks import candidate_interview_process
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status
SPOKEN = "I deployed our Django application with Docker and wrote tests in Python."
WRITTEN = "A customer whose order was lost twice; I called them back every day until it came."


@pytest.fixture
def allowing(team):
    team.ai_decline_allowed = True
    team.save(update_fields=["ai_decline_allowed"])
    return team


@pytest.fixture
def interview(team):
    interview = InterviewFactory(team=team, title="Support agent")
    yes_no = SurveyQuestionFactory(team=team, question_text="Weekends OK?")
    written = AITextQuestionFactory(team=team, question_text="Describe a hard customer.")
    for q in (yes_no, written):
        interview_question_add(interview=interview, question=q)
    return interview


@pytest.fixture
def invite_and_token(interview):
    token, digest = new_invite_token()
    return CandidateInterviewFactory(interview=interview, token_hash=digest), token


def _start(client, token):
    client.get(reverse("candidates:runner_enter", args=[token]))
    client.post(reverse("candidates:runner_welcome"))


def _declined(team, **kwargs):
    invite = CandidateInterviewFactory(interview=InterviewFactory(team=team), **kwargs)
    CandidateInterview.objects.filter(pk=invite.pk).update(ai_declined_at=timezone.now())
    invite.refresh_from_db()
    return invite


# ---------------------------------------------------------------- the team setting


@pytest.mark.parametrize("persona", ["owner", "admin_user"])
def test_owners_and_admins_turn_the_choice_on_and_it_is_audited(login, request, persona, team):
    client = login(request.getfixturevalue(persona))
    page = client.get(reverse("candidates:privacy_settings"))
    assert 'name="ai_decline_allowed"' in page.text
    response = client.post(
        reverse("candidates:privacy_settings"),
        {"retention_months": "24", "ai_decline_allowed": "on"},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.ai_decline_allowed
    assert team.notice_version == 2  # what the consent page says changed
    event = AuditEvent.objects.get(action="team.privacy_updated")
    assert "ai_decline_allowed" in event.data["fields"]


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_other_roles_cannot_change_the_setting(login, request, persona, team):
    response = login(request.getfixturevalue(persona)).post(
        reverse("candidates:privacy_settings"),
        {"retention_months": "24", "ai_decline_allowed": "on"},
    )
    assert response.status_code == 403
    team.refresh_from_db()
    assert not team.ai_decline_allowed


# ---------------------------------------------------------------- the consent page


def test_the_consent_page_offers_the_choice_only_when_the_team_allows_it(
    client, invite_and_token, team
):
    _invite, token = invite_and_token
    _start(client, token)
    page = client.get(reverse("candidates:runner")).content.decode()
    assert 'data-testid="ai-notice"' in page
    assert 'name="ai_decline"' not in page
    team.ai_decline_allowed = True
    team.save()
    page = client.get(reverse("candidates:runner")).content.decode()
    assert 'name="ai_decline"' in page
    assert "This choice is final" in page


def test_a_survey_only_interview_has_no_ai_to_decline(client, allowing):
    interview = InterviewFactory(team=allowing)
    interview_question_add(interview=interview, question=SurveyQuestionFactory(team=allowing))
    token, digest = new_invite_token()
    CandidateInterviewFactory(interview=interview, token_hash=digest)
    _start(client, token)
    assert 'name="ai_decline"' not in client.get(reverse("candidates:runner")).content.decode()


def test_declining_is_recorded_with_time_and_notice_version_and_audited(
    client, invite_and_token, allowing
):
    invite, token = invite_and_token
    _start(client, token)
    response = client.post(
        reverse("candidates:runner_consent"), {"agree": "yes", "ai_decline": "yes"}
    )
    assert response.status_code == 302
    invite.refresh_from_db()
    assert invite.ai_evaluation_declined
    assert invite.consented_at is not None
    assert invite.ai_declined_notice_version == f"{allowing.pk}:{allowing.notice_version}"
    event = AuditEvent.objects.get(action="invite.ai_declined")
    assert event.actor_label == "candidate"
    assert event.data["notice_version"] == invite.ai_declined_notice_version
    # Nothing else changes: the same first question follows.
    assert "Weekends OK?" in client.get(reverse("candidates:runner")).content.decode()


def test_not_ticking_the_box_keeps_ai_evaluation(client, invite_and_token, allowing):
    invite, token = invite_and_token
    _start(client, token)
    client.post(reverse("candidates:runner_consent"), {"agree": "yes"})
    invite.refresh_from_db()
    assert invite.consented_at is not None
    assert not invite.ai_evaluation_declined


def test_a_decline_without_agreeing_saves_nothing_and_keeps_the_tick(
    client, invite_and_token, allowing
):
    invite, token = invite_and_token
    _start(client, token)
    response = client.post(reverse("candidates:runner_consent"), {"ai_decline": "yes"})
    assert response.status_code == 422
    assert 'id="ai-decline" aria-describedby="ai-decline-help" checked' in response.text
    invite.refresh_from_db()
    assert not invite.ai_evaluation_declined


def test_a_team_that_stopped_offering_it_gets_an_error_next_to_the_box(
    client, invite_and_token, allowing
):
    invite, token = invite_and_token
    _start(client, token)
    client.get(reverse("candidates:runner"))
    allowing.ai_decline_allowed = False
    allowing.save()
    response = client.post(
        reverse("candidates:runner_consent"), {"agree": "yes", "ai_decline": "yes"}
    )
    assert response.status_code == 422
    invite.refresh_from_db()
    assert invite.consented_at is None
    assert not invite.ai_evaluation_declined


# ---------------------------------------------------------------- the service


def test_it_refuses_when_not_allowed_or_handed_in_and_is_idempotent(team):
    invite = CandidateInterviewFactory(interview=InterviewFactory(team=team))
    with pytest.raises(ValidationError) as refused:
        ai_evaluation_decline(invite=invite, ip=None)
    assert "ai_decline" in refused.value.message_dict
    team.ai_decline_allowed = True
    team.save()
    done = CandidateInterviewFactory(
        interview=invite.interview, status=Status.COMPLETED, completed_at=timezone.now()
    )
    with pytest.raises(ValidationError):
        ai_evaluation_decline(invite=done, ip=None)
    first = ai_evaluation_decline(invite=invite, ip="127.0.0.1").ai_declined_at
    assert ai_evaluation_decline(invite=invite, ip=None).ai_declined_at == first
    assert AuditEvent.objects.filter(action="invite.ai_declined").count() == 1
    assert not ai_decline_offered(invite=invite)  # final: not offered again


def test_past_choices_stay_honoured_when_the_team_turns_the_option_off(allowing):
    invite = CandidateInterviewFactory(interview=InterviewFactory(team=allowing))
    ai_evaluation_decline(invite=invite, ip=None)
    allowing.ai_decline_allowed = False
    allowing.save()
    reloaded = CandidateInterview.objects.get(pk=invite.pk)
    assert reloaded.ai_evaluation_declined
    with pytest.raises(ValidationError):
        candidate_interview_summarize(invite=reloaded)


def test_evaluations_made_before_a_late_decline_are_deleted(allowing, owner):
    invite = CandidateInterviewFactory(
        interview=InterviewFactory(team=allowing), status=Status.IN_PROGRESS
    )
    answer = AnswerFactory(candidate_interview=invite, text=WRITTEN)
    EvaluationFactory(candidate_interview=invite, answer=answer, overall_score=4)
    run = EvaluationRun.objects.create(candidate_interview=invite, answer=answer)
    ai_evaluation_decline(invite=invite, ip=None)
    assert not Evaluation.objects.filter(candidate_interview=invite).exists()
    run.refresh_from_db()
    assert run.status == EvaluationRun.Status.FAILED
    assert "declined AI evaluation" in run.error


# ---------------------------------------------------------------- the real pipeline


def test_a_declined_candidates_answers_are_processed_without_any_evaluation(
    client, invite_and_token, interview, allowing, django_capture_on_commit_callbacks
):
    invite, token = invite_and_token
    _start(client, token)
    client.post(reverse("candidates:runner_consent"), {"agree": "yes", "ai_decline": "yes"})
    yes_no, written = interview.items.order_by("ordinal")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("candidates:runner_answer", args=[yes_no.pk]), {"choice": "YES"})
        client.post(reverse("candidates:runner_answer", args=[written.pk]), {"text": WRITTEN})
        response = client.post(reverse("candidates:runner_finish"))
    assert response["Location"] == reverse("candidates:runner_thanks")
    invite.refresh_from_db()
    assert invite.status == Status.COMPLETED
    typed = Answer.objects.get(candidate_interview=invite, interview_question=written)
    assert typed.status == Answer.Status.PROCESSED, typed.processing
    assert typed.processing["keywords"]["status"] == "done"
    assert "evaluate" not in typed.processing
    # No answer evaluation and no report (the AI summary) for this invite.
    assert not Evaluation.objects.filter(candidate_interview=invite).exists()
    assert candidate_interview_process.delay(str(invite.pk)).get() == "declined"
    assert not Evaluation.objects.filter(candidate_interview=invite).exists()


def test_a_recorded_answer_is_transcribed_but_not_evaluated(team):
    from speech.tts import get_provider

    wav = get_provider("espeak").synthesize(SPOKEN, voice="en-us", language="en", speed=0.9)
    invite = _declined(team)
    audio = AudioQuestionFactory(team=team, question_script="How do you ship software?")
    item = InterviewQuestionFactory(interview=invite.interview, audio_question=audio)
    answer = AnswerFactory(candidate_interview=invite, interview_question=item, text="")
    answer.media.save("answer.wav", ContentFile(wav))

    processed = answer_process(answer_id=answer.pk)

    assert processed.status == Answer.Status.PROCESSED, processed.processing
    assert "docker" in processed.transcript.lower()
    assert processed.turns.exists()
    assert "evaluate" not in processed.processing
    assert not Evaluation.objects.filter(answer=answer).exists()
    with pytest.raises(ValidationError):
        answer_evaluate(answer=answer)


# ---------------------------------------------------------------- re-runs


def test_a_recruiters_rerun_is_refused_and_queues_nothing(login, recruiter, team):
    invite = _declined(team, status=Status.COMPLETED, completed_at=timezone.now())
    answer = AnswerFactory(candidate_interview=invite, text=WRITTEN)
    client = login(recruiter)
    for data in ({}, {"answer": str(answer.pk)}):
        response = client.post(reverse("candidates:review_rerun", args=[invite.pk]), data)
        assert response.status_code == 302
        page = client.get(response["Location"]).text
        assert "declined AI evaluation" in page
    htmx = client.post(reverse("candidates:review_rerun", args=[invite.pk]), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 409
    assert htmx["HX-Redirect"].startswith(reverse("candidates:invite_review", args=[invite.pk]))
    with pytest.raises(ValidationError):
        evaluation_rerun_request(answer_or_invite=answer, by=None)
    assert not EvaluationRun.objects.filter(candidate_interview=invite).exists()
    assert not Evaluation.objects.filter(candidate_interview=invite).exists()


# ---------------------------------------------------------------- what pages, exports, API show


def test_the_ai_score_is_none_even_if_an_ai_row_exists(team):
    invite = _declined(team, status=Status.COMPLETED, completed_at=timezone.now())
    EvaluationFactory(candidate_interview=invite, overall_score=4)
    scores = candidate_scores([invite])[invite.pk]
    assert scores.ai is None
    assert scores.ai_declined
    assert scores.ai_basis_text == "AI advice declined by the candidate"


def test_the_review_page_says_ai_advice_was_declined(login, recruiter, team):
    invite = _declined(team, status=Status.COMPLETED, completed_at=timezone.now())
    page = login(recruiter).get(reverse("candidates:invite_review", args=[invite.pk])).text
    assert "AI advice declined by the candidate" in page
    assert 'data-testid="rerun-report-button"' not in page
    assert 'data-testid="ai-overall"' not in page


def test_results_table_and_csv_show_the_choice_and_no_ai_figure(login, recruiter, team):
    declined = _declined(team, status=Status.COMPLETED, completed_at=timezone.now())
    EvaluationFactory(candidate_interview=declined, overall_score=4)
    other = CandidateInterviewFactory(
        interview=declined.interview, status=Status.COMPLETED, completed_at=timezone.now()
    )
    EvaluationFactory(candidate_interview=other, overall_score=3)
    client = login(recruiter)
    table = client.get(reverse("candidates:interview_results", args=[declined.interview.pk])).text
    assert 'data-testid="ai-declined"' in table
    export = client.get(
        reverse("candidates:interview_results_export", args=[declined.interview.pk])
    )
    rows = {
        r["Candidate"]: r
        for r in csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode()))
    }
    mine = rows[declined.candidate.full_name]
    assert mine["AI evaluation declined"] == "yes"
    assert mine["AI score (advice)"] == ""
    assert mine["AI score based on"] == "AI advice declined by the candidate"
    theirs = rows[other.candidate.full_name]
    assert (theirs["AI evaluation declined"], theirs["AI score (advice)"]) == ("no", "3.0")


# ---------------------------------------------------------------- tenant scoping


def test_another_teams_declined_candidate_is_a_404(login, recruiter, other_team):
    foreign = _declined(other_team, status=Status.COMPLETED, completed_at=timezone.now())
    client = login(recruiter)
    assert client.get(reverse("candidates:invite_review", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("candidates:review_rerun", args=[foreign.pk])).status_code == 404
