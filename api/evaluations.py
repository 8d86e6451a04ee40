"""Re-running AI evaluations through the API, as the review page does.

``POST /candidate-interviews/{id}/evaluations/rerun`` queues a re-run of one answer's
evaluation (``answerId``) or of the interview's report, and answers 202 with the run;
``GET /evaluation-runs/{id}`` follows it. Both call the service the review page calls
(``candidates.services.evaluations.evaluation_rerun_request``), so a re-run made here stores
the same rows, audit events and webhook events as one made on the dashboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers

from accounts.audit import client_ip
from api.auth import request_team, request_user
from api.base import GatherView
from api.dialect import envelope_of, get_or_404, service_errors
from api.responses import envelope
from candidates.models import Answer, CandidateInterview, Evaluation, EvaluationRun
from candidates.services.evaluations import evaluation_rerun_request

if TYPE_CHECKING:
    import uuid

    from django.db.models import QuerySet
    from rest_framework.request import Request
    from rest_framework.response import Response

    from accounts.models import Team

# The scopes of the candidate interviews these belong to (api.candidates).
READ, WRITE = "interviews:read", "interviews:write"
TEAM_PARAMS = [
    OpenApiParameter(
        "teamId",
        OpenApiTypes.UUID,
        description="Which team; else the key's team or default team (required for an "
        "organization key without a default team).",
    )
]


class EvaluationRerunIn(serializers.Serializer):
    answerId = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The answer whose evaluation to run again; without it, the report on the "
        "whole candidate interview.",
    )


class EvaluationRunOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(
        choices=EvaluationRun.Status.values,
        help_text="queued and running move on by themselves: poll until completed or failed.",
    )
    candidateInterviewId = serializers.UUIDField(source="candidate_interview_id")
    answerId = serializers.UUIDField(
        source="answer_id", allow_null=True, help_text="Null: the whole-interview report."
    )
    evaluationId = serializers.UUIDField(
        source="evaluation_id",
        allow_null=True,
        help_text="The new evaluation version, once completed.",
    )
    evaluationStatus = serializers.ChoiceField(
        source="evaluation.status",
        choices=Evaluation.Status.values,
        allow_null=True,
        help_text="The new evaluation's own outcome: a completed run may have made a refused, "
        "abstained (no advice) or failed evaluation, each with its reason.",
    )
    error = serializers.CharField(help_text="Why a failed run failed; empty otherwise.")
    createdAt = serializers.DateTimeField(source="created_at")
    startedAt = serializers.DateTimeField(source="started_at", allow_null=True)
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)


def _runs(team: Team) -> QuerySet[EvaluationRun]:
    return EvaluationRun.objects.for_team(team).select_related("evaluation")


class EvaluationRerun(GatherView):
    scopes = {"POST": WRITE}
    what = "candidate interview"

    @extend_schema(
        operation_id="candidate_interviews_evaluations_rerun",
        summary="Re-run an AI evaluation",
        description="Queues a new evaluation of one answer (`answerId`) or of the report on "
        "the whole candidate interview, and answers at once with the run (202); follow it with "
        "`GET /evaluation-runs/{id}`. The new evaluation becomes the current version; earlier "
        "ones stay in the history. While a run of the same answer (or report) is queued or "
        "running, asking again returns that run. Only recruiters, admins and owners re-run "
        "evaluations (403 for a `userId` of another role). A candidate who declined AI "
        "evaluation (`aiEvaluationDeclined`) is never re-run: 409. Not in Gather.",
        request=EvaluationRerunIn,
        parameters=TEAM_PARAMS,
        responses={202: envelope_of("EvaluationRun", "evaluationRun", EvaluationRunOut)},
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        team = request_team(request)
        invite = get_or_404(
            CandidateInterview.objects.for_team(team).select_related("team"), pk, self.what
        )
        body = EvaluationRerunIn(data=request.data)
        body.is_valid(raise_exception=True)
        target: Answer | CandidateInterview = invite
        if answer_id := body.validated_data.get("answerId"):
            target = get_or_404(
                Answer.objects.filter(candidate_interview=invite).select_related(
                    "candidate_interview__team", "interview_question"
                ),
                answer_id,
                "answer",
                where="in this candidate interview",
            )
        try:
            # A candidate who declined AI evaluation is never re-run: a 409.
            with service_errors({"answer": "answerId"}, conflicts=("ai_evaluation",)):
                run = evaluation_rerun_request(
                    answer_or_invite=target, by=request_user(request), ip=client_ip(request)
                )
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        # Without a worker (eager tasks) the run may already be over: show what it is now.
        run = _runs(team).get(pk=run.pk)
        return envelope(request, {"evaluationRun": EvaluationRunOut(run).data}, 202)


class EvaluationRunDetail(GatherView):
    scopes = {"GET": READ}
    what = "evaluation run"

    @extend_schema(
        operation_id="evaluation_runs_retrieve",
        summary="Follow a re-run",
        description="A re-run queued by `POST /candidate-interviews/{id}/evaluations/rerun`: "
        "queued, running, then completed (with `evaluationId`) or failed (with `error`). "
        "Not in Gather.",
        parameters=TEAM_PARAMS,
        responses=envelope_of("EvaluationRun", "evaluationRun", EvaluationRunOut),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        run = get_or_404(_runs(request_team(request)), pk, self.what)
        return envelope(request, {"evaluationRun": EvaluationRunOut(run).data})


urlpatterns: list[URLPattern] = [
    path(
        "candidate-interviews/<uuid:pk>/evaluations/rerun",
        EvaluationRerun.as_view(),
        name="candidate-interview-evaluations-rerun",
    ),
    path("evaluation-runs/<uuid:pk>", EvaluationRunDetail.as_view(), name="evaluation-run"),
]
