"""Re-running an AI evaluation is a queued task with visible progress (issue 15, item 1).

The review page and the API ask through one service (``evaluation_rerun_request``) and answer
at once; ``evaluation_run_task`` makes the new version. Tasks run eagerly here, once the
request's transaction commits (``django_capture_on_commit_callbacks``); the test marked
``worker`` runs one through a real Celery worker.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from api.keys import SCOPES, api_key_create
from candidates.models import CandidateInterview, Evaluation, EvaluationRun
from candidates.services.evaluations import answer_evaluate, evaluation_rerun_request
from candidates.tasks import RERUN_MAX_RETRIES, evaluation_run_task
from interviews.models import InterviewQuestion
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    CandidateInterviewFactory,
    EvaluationRunFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    RubricCriterionFactory,
)
from tests.speech.openai_server import CHAT, openai_server  # noqa: F401
from tests.test_worker import worker  # noqa: F401  (the real-worker fixture)
from webhooks.models import Event
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db

GOOD = (
    "REST exposes resources at fixed URLs and uses HTTP caching well. GraphQL lets the client "
    "ask for exactly the fields it needs in one request, which avoids over-fetching on mobile. "
    "I would choose REST for a public API with heavy caching and GraphQL for a product app."
)
RERUN_ACTIONS = ["evaluation.rerun_requested", "evaluation.completed", "evaluation.rerun"]


@pytest.fixture
def interview(team):
    interview = InterviewFactory(team=team)
    question = AITextQuestionFactory(team=team)
    for name in ("Trade-offs", "Examples"):
        RubricCriterionFactory(
            question=question,
            name=name,
            strong_answer=f"Explains {name.lower()} of REST and GraphQL with caching and fields.",
        )
    InterviewQuestionFactory(
        interview=interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        audio_question=None,
        ai_text_question=question,
    )
    return interview


def evaluated_answer(interview):
    """A completed invite's written answer with its first evaluation (version 1)."""
    invite = CandidateInterviewFactory(
        team=interview.team,
        interview=interview,
        status=CandidateInterview.Status.COMPLETED,
        completed_at=timezone.now(),
    )
    answer = AnswerFactory(
        candidate_interview=invite, interview_question=interview.items.get(), text=GOOD
    )
    answer_evaluate(answer=answer)
    return answer


@pytest.fixture
def answer(interview):
    return evaluated_answer(interview)


@pytest.fixture
def no_deliveries(monkeypatch):
    """Webhook events are recorded; nothing is sent anywhere."""
    monkeypatch.setattr("webhooks.tasks.webhook_deliver.delay", lambda *a, **k: None)
    monkeypatch.setattr("webhooks.tasks.webhook_deliver.apply_async", lambda *a, **k: None)


def api_client(team, owner, scopes=SCOPES):
    _key, raw = api_key_create(
        organization=team.organization, name="ATS", scopes=list(scopes), team=team, by=owner
    )
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def rerun_url(invite):
    return reverse("candidates:review_rerun", args=[invite.pk])


def progress_url(invite, answer=None, seen=""):
    url = reverse("candidates:review_rerun_progress", args=[invite.pk])
    query = "&".join(
        part
        for part in (f"answer={answer.pk}" if answer else "", f"seen={seen}" if seen else "")
        if part
    )
    return f"{url}?{query}" if query else url


def api_rerun_url(invite):
    return f"/qsi/gather/candidate-interviews/{invite.pk}/evaluations/rerun"


def trail(invite, since):
    """What the re-run left behind: the run, the evaluations' versions, the audit actions and
    the webhook events of ``invite``."""
    run = EvaluationRun.objects.get(candidate_interview=invite)
    actions = list(
        AuditEvent.objects.filter(team=invite.team, pk__gt=since)
        .filter(data__candidate_interview=str(invite.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) + list(
        AuditEvent.objects.filter(
            team=invite.team,
            pk__gt=since,
            action="evaluation.rerun",
            object_id=str(run.evaluation_id),
        ).values_list("action", flat=True)
    )
    events = [
        (e.type, e.payload["version"], e.payload["answerId"])
        for e in Event.objects.filter(
            team=invite.team, payload__candidateInterviewId=str(invite.pk)
        ).order_by("created_at")
    ]
    versions = list(
        Evaluation.objects.filter(candidate_interview=invite)
        .order_by("version")
        .values_list("version", "is_current", "status")
    )
    return {
        "run": (run.status, run.answer_id is not None, run.error, run.finished_at is not None),
        "evaluation": (run.evaluation.version, run.evaluation.is_current),
        "actions": sorted(actions),
        "events": [(t, v, a is not None) for t, v, a in events],
        "versions": versions,
    }


# --- the same re-run through the page and through the API


def test_the_page_and_the_api_store_the_same_run_audit_and_webhooks(
    login,
    recruiter,
    owner,
    team,
    interview,
    public_dns,
    no_deliveries,
    django_capture_on_commit_callbacks,
):
    endpoint_create(team=team, url="https://example.com/hook", event_types=["evaluation.completed"])
    on_page, through_api = evaluated_answer(interview), evaluated_answer(interview)
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    with django_capture_on_commit_callbacks(execute=True):
        response = login(recruiter).post(
            rerun_url(on_page.candidate_interview), {"answer": str(on_page.pk)}
        )
    assert response.status_code == 302
    client = api_client(team, owner)
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(
            api_rerun_url(through_api.candidate_interview),
            {"answerId": str(through_api.pk)},
            format="json",
        )
    assert answered.status_code == 202, answered.content
    assert answered.json()["data"]["evaluationRun"]["status"] == "queued"  # answered at once

    page, api = (
        trail(on_page.candidate_interview, since),
        trail(through_api.candidate_interview, since),
    )
    assert page == api
    assert page["run"] == ("completed", True, "", True)
    assert page["evaluation"] == (2, True)
    assert page["versions"] == [(1, False, "completed"), (2, True, "completed")]
    assert page["actions"] == sorted(RERUN_ACTIONS)
    # The first evaluation's event, then the re-run's.
    assert page["events"] == [("evaluation.completed", 1, True), ("evaluation.completed", 2, True)]
    run_id = answered.json()["data"]["evaluationRun"]["id"]
    run = client.get(f"/qsi/gather/evaluation-runs/{run_id}").json()["data"]["evaluationRun"]
    assert run["status"] == "completed"
    assert run["answerId"] == str(through_api.pk)
    assert run["evaluationId"] == str(through_api.evaluations.get(is_current=True).pk)
    assert run["evaluationStatus"] == "completed"
    assert run["error"] == ""
    assert run["createdAt"]
    assert run["finishedAt"]


def test_the_api_reruns_the_report_and_the_run_can_be_followed(
    team, owner, answer, django_capture_on_commit_callbacks
):
    invite = answer.candidate_interview
    client = api_client(team, owner)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(api_rerun_url(invite), {}, format="json")
    assert response.status_code == 202
    run = response.json()["data"]["evaluationRun"]
    assert (run["status"], run["answerId"], run["evaluationId"]) == ("queued", None, None)
    followed = client.get(f"/qsi/gather/evaluation-runs/{run['id']}")
    assert followed.status_code == 200
    assert followed.json()["data"]["evaluationRun"]["status"] == "queued"

    for callback in callbacks:
        callback()
    done = client.get(f"/qsi/gather/evaluation-runs/{run['id']}").json()["data"]["evaluationRun"]
    assert done["status"] == "completed"
    report = Evaluation.objects.get(pk=done["evaluationId"])
    assert (report.answer_id, report.is_current) == (None, True)


# --- the page: progress while queued, the result once done


def test_the_progress_partial_goes_from_queued_to_the_result(
    login, recruiter, answer, django_capture_on_commit_callbacks
):
    invite = answer.candidate_interview
    client = login(recruiter)
    htmx = {"HX-Request": "true"}
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(rerun_url(invite), {"answer": str(answer.pk)}, headers=htmx)
    assert response.status_code == 200
    html = response.text
    assert 'data-testid="rerun-progress"' in html
    assert 'Re-evaluating… <span data-testid="rerun-status">queued</span>' in html
    assert 'hx-trigger="every 2s"' in html
    assert 'class="spinner-border' in html
    assert "HX-Request" in response["Vary"]

    # The page shows it too (for a reload, or another reviewer), in an aria-live region.
    page = client.get(reverse("candidates:invite_review", args=[invite.pk])).text
    assert f'id="rerun-{answer.pk}" class="mt-2" aria-live="polite"' in page
    assert 'data-testid="rerun-progress"' in page

    # Nothing new: the poll swaps nothing.
    polled = client.get(progress_url(invite, answer, seen="queued"), headers=htmx)
    assert polled.status_code == 204

    for callback in callbacks:
        callback()
    polled = client.get(progress_url(invite, answer, seen="queued"), headers=htmx)
    assert polled.status_code == 200
    html = polled.text
    assert "every 2s" not in html  # polling stops
    assert 'data-testid="rerun-done"' in html
    assert "Evaluated again: version 2, completed." in html
    assert f'id="ai-result-{answer.pk}" hx-swap-oob="true"' in html
    assert "· v2 ·" in html
    assert "Earlier evaluations (1)" in html
    assert 'id="ai-summary-figure" hx-swap-oob="true"' in html
    assert 'data-testid="rerun-button"' in html  # ready for another


def test_without_htmx_the_page_reloads_with_the_progress(login, recruiter, answer):
    invite = answer.candidate_interview
    client = login(recruiter)
    response = client.post(rerun_url(invite), {"answer": str(answer.pk)})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#answer-{answer.pk}")
    page = client.get(response["Location"]).text
    assert "Re-evaluation queued" in page
    assert 'data-testid="rerun-progress"' in page
    # The progress URL is a link back to the page without htmx.
    assert client.get(progress_url(invite, answer)).status_code == 302


def test_the_report_rerun_sits_in_the_ai_card(login, recruiter, answer):
    invite = answer.candidate_interview
    client = login(recruiter)
    page = client.get(reverse("candidates:invite_review", args=[invite.pk])).text
    assert '<div id="rerun-report" aria-live="polite">' in page
    assert 'data-testid="rerun-report-button"' in page
    response = client.post(rerun_url(invite), headers={"HX-Request": "true"})
    assert 'hx-target="#rerun-report"' in response.text
    assert "queued" in response.text


def test_a_failed_run_says_why_on_the_page(login, recruiter, answer):
    invite = answer.candidate_interview
    EvaluationRunFactory(
        candidate_interview=invite,
        answer=answer,
        status="failed",
        error="The evaluator could not be reached (503); gave up after 4 tries.",
        finished_at=answer.evaluations.get().created_at.replace(year=2100),
    )
    page = login(recruiter).get(reverse("candidates:invite_review", args=[invite.pk])).text
    assert 'data-testid="rerun-failed"' in page
    assert "gave up after 4 tries" in page


def test_the_page_keeps_its_query_budget_with_runs_pending(
    login, recruiter, interview, django_assert_max_num_queries
):
    answer = evaluated_answer(interview)
    invite = answer.candidate_interview
    EvaluationRunFactory(candidate_interview=invite, answer=answer, status="running")
    EvaluationRunFactory(candidate_interview=invite, status="queued")
    client = login(recruiter)
    with django_assert_max_num_queries(24):
        page = client.get(reverse("candidates:invite_review", args=[invite.pk])).text
    assert page.count('data-testid="rerun-progress"') == 2
    assert "running" in page


# --- one run at a time


def test_a_second_request_while_one_is_pending_returns_it(
    recruiter, answer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = evaluation_rerun_request(answer_or_invite=answer, by=recruiter)
        second = evaluation_rerun_request(answer_or_invite=answer, by=recruiter)
    assert first == second
    assert len(callbacks) == 1  # one task queued
    assert AuditEvent.objects.filter(action="evaluation.rerun_requested").count() == 1
    # The report is another target: it gets its own run.
    report = evaluation_rerun_request(answer_or_invite=answer.candidate_interview, by=recruiter)
    assert report != first


def test_a_run_lost_for_hours_is_replaced_by_the_next_request(recruiter, answer):
    from candidates.services.evaluations import RUN_STALE_AFTER

    lost = EvaluationRunFactory(candidate_interview=answer.candidate_interview, answer=answer)
    EvaluationRun.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - RUN_STALE_AFTER - timedelta(minutes=1)
    )
    run = evaluation_rerun_request(answer_or_invite=answer, by=recruiter)
    lost.refresh_from_db()
    assert run != lost
    assert (lost.status, run.status) == ("failed", "queued")
    assert "never finished" in lost.error


def test_the_api_answers_the_same_run_twice(team, owner, answer):
    client = api_client(team, owner)
    url = api_rerun_url(answer.candidate_interview)
    ids = {
        client.post(url, {"answerId": str(answer.pk)}, format="json").json()["data"][
            "evaluationRun"
        ]["id"]
        for _ in range(2)
    }
    assert len(ids) == 1


def test_the_database_holds_one_pending_run_per_target(answer):
    invite = answer.candidate_interview
    EvaluationRunFactory(candidate_interview=invite, answer=answer)
    EvaluationRunFactory(candidate_interview=invite)
    for extra in ({"answer": answer}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            EvaluationRunFactory(candidate_interview=invite, status="running", **extra)
    EvaluationRunFactory(
        candidate_interview=invite, answer=answer, status="failed", finished_at=timezone.now()
    )


def test_a_finished_run_is_left_alone(recruiter, answer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = evaluation_rerun_request(answer_or_invite=answer, by=recruiter)
    run.refresh_from_db()
    assert run.status == "completed"
    assert evaluation_run_task.delay(str(run.pk)).get() == "completed"
    assert answer.evaluations.count() == 2  # not a third
    assert evaluation_run_task.delay("00000000-0000-0000-0000-000000000000").get() == "missing"


# --- who may


def test_a_hiring_manager_cannot_rerun(login, team, owner, hiring_manager, interview, answer):
    invite = answer.candidate_interview
    interview.reviewers.add(hiring_manager)
    assert login(hiring_manager).post(rerun_url(invite)).status_code == 403
    # ...but sees the progress of a recruiter's run.
    EvaluationRunFactory(candidate_interview=invite, answer=answer)
    page = login(hiring_manager).get(reverse("candidates:invite_review", args=[invite.pk])).text
    assert 'data-testid="rerun-progress"' in page
    assert 'data-testid="rerun-button"' not in page
    # Through the API, acting as a hiring manager (userId) is refused the same way.
    response = api_client(team, owner).post(
        api_rerun_url(invite), {"userId": str(hiring_manager.pk)}, format="json"
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        evaluation_rerun_request(answer_or_invite=invite, by=hiring_manager)
    assert not EvaluationRun.objects.filter(status="queued", answer=None).exists()


def test_a_read_only_key_cannot_rerun(team, owner, answer):
    client = api_client(team, owner, scopes=["interviews:read"])
    response = client.post(api_rerun_url(answer.candidate_interview), {}, format="json")
    assert response.status_code == 403


def test_another_teams_invite_and_run_are_404(login, outsider, other_team, team, owner, answer):
    invite = answer.candidate_interview
    run = EvaluationRunFactory(candidate_interview=invite, answer=answer)
    assert login(outsider).post(rerun_url(invite)).status_code == 404
    assert login(outsider).get(progress_url(invite, answer)).status_code == 404
    theirs = api_client(other_team, outsider)
    assert theirs.post(api_rerun_url(invite), {}, format="json").status_code == 404
    assert theirs.get(f"/qsi/gather/evaluation-runs/{run.pk}").status_code == 404
    # An answer of another invite is not this invite's.
    other = evaluated_answer(answer.candidate_interview.interview)
    response = api_client(team, owner).post(
        api_rerun_url(invite), {"answerId": str(other.pk)}, format="json"
    )
    assert response.status_code == 404


# --- a provider that stays down


def test_a_provider_that_stays_down_fails_the_run_with_a_clear_message(
    login,
    recruiter,
    answer,
    settings,
    openai_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    settings.EVALUATOR = "llm"
    openai_server.reply(CHAT, status=503, json={"error": {"message": "busy"}}, times=40)
    invite = answer.candidate_interview
    with django_capture_on_commit_callbacks(execute=True):
        run = evaluation_rerun_request(answer_or_invite=answer, by=recruiter)
    run.refresh_from_db()
    assert run.status == "failed"
    assert f"gave up after {RERUN_MAX_RETRIES + 1} tries" in run.error
    assert run.evaluation is None
    assert answer.evaluations.count() == 1  # nothing stored
    page = login(recruiter).get(reverse("candidates:invite_review", args=[invite.pk])).text
    assert 'data-testid="rerun-failed"' in page
    assert "could not be reached" in page


def test_the_schema_documents_both_operations(team, owner):
    schema = api_client(team, owner).get("/qsi/gather/openapi.json").json()
    rerun = schema["paths"]["/qsi/gather/candidate-interviews/{id}/evaluations/rerun"]["post"]
    assert "202" in rerun["responses"]
    assert "404" in rerun["responses"]
    follow = schema["paths"]["/qsi/gather/evaluation-runs/{id}"]["get"]
    assert "200" in follow["responses"]


# --- a real worker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_rerun(worker, recruiter, interview):  # noqa: F811
    answer = evaluated_answer(interview)
    with transaction.atomic():
        run = evaluation_rerun_request(answer_or_invite=answer, by=recruiter)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.is_pending:
            break
        time.sleep(0.5)
    assert run.status == "completed", run.error
    assert run.evaluation is not None
    assert (run.evaluation.version, run.evaluation.is_current) == (2, True)
    assert run.started_at
    assert run.finished_at
