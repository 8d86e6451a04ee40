"""Decision files through the API: which candidates asked for theirs, what each says, and
sending one (the same service as the dashboard's "Send to the candidate").

``GET /decision-files`` (the team's requests, open ones by default), ``GET /decision-files/{id}``
(one, with the file's text: as it would be sent now, or as it was sent), ``POST
/decision-files/{id}/send`` and ``GET /candidate-interviews/{id}/decision-files`` (one invite's).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import client_ip
from api.auth import request_team, request_user
from api.base import GatherView
from api.dialect import PAGE_PARAMS, TEAM_PARAM, envelope_of, get_or_404, page_of, service_errors
from api.responses import envelope, paginate
from api.serializers import rows_of
from api.serializers.fields import Text
from candidates.models import CandidateInterview, DecisionFileRequest
from candidates.selectors_decision_files import (
    decision_file_compose,
    decision_file_requests,
    decision_file_text,
)
from candidates.services.decision_files import decision_file_send
from kit import limits

READ, WRITE = "interviews:read", "interviews:write"
STATUSES = DecisionFileRequest.Status.values


class DecisionFileOut(serializers.Serializer):
    id = serializers.UUIDField()
    candidateInterviewId = serializers.UUIDField(source="candidate_interview_id")
    status = serializers.ChoiceField(
        choices=STATUSES,
        help_text="requested (waiting for the team), sent, or cancelled (closed without "
        "sending; the candidate may ask again).",
    )
    language = Text(help_text="The language the file is written in (en, fr, es).")
    requestedAt = serializers.DateTimeField(source="requested_at")
    note = Text(max_length=limits.DECISION_FILE_NOTE, help_text="The team's note to the candidate.")
    preparedAt = serializers.DateTimeField(source="prepared_at", allow_null=True)
    sentAt = serializers.DateTimeField(source="sent_at", allow_null=True)
    closedReason = Text(source="closed_reason")


class DecisionFileDetailOut(DecisionFileOut):
    text = Text(
        help_text="The file: as it would be sent now while the request is open, as it was "
        "sent once sent (empty when closed without sending)."
    )


class DecisionFileSendIn(serializers.Serializer):
    note = serializers.CharField(
        max_length=limits.DECISION_FILE_NOTE,
        required=False,
        allow_blank=True,
        help_text="Replaces the saved note to the candidate before sending; left out keeps it.",
    )


def _detail(file_request: DecisionFileRequest) -> dict[str, Any]:
    text = file_request.sent_text
    if file_request.is_open:
        record = decision_file_compose(
            invite=file_request.candidate_interview,
            note=file_request.note,
            language=file_request.language,
        )
        text = decision_file_text(record)
    data = DecisionFileOut(file_request).data
    return {"decisionFile": {**data, "text": text}}


def _file_request(request: Request, pk: uuid.UUID) -> DecisionFileRequest:
    rows = DecisionFileRequest.objects.for_team(request_team(request)).select_related(
        "candidate_interview__candidate", "candidate_interview__team"
    )
    return get_or_404(rows, pk, "decision file request")


class DecisionFileList(GatherView):
    scopes = {"GET": READ}

    @extend_schema(
        operation_id="decision_files_list",
        summary="List decision file requests",
        description="Candidates who asked for their decision file (a plain record of their "
        "process), oldest first. `status`: requested (the default, also when empty), sent, "
        "cancelled or all.",
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("status", str, enum=[*STATUSES, "all"]),
            TEAM_PARAM,
        ],
        responses=page_of("DecisionFileList", "decisionFiles", DecisionFileOut),
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status") or "requested"
        if status not in (*STATUSES, "all"):
            raise exceptions.ValidationError(
                {"status": [f"Must be one of {', '.join([*STATUSES, 'all'])}."]}
            )
        rows = decision_file_requests(
            team=request_team(request), status="" if status == "all" else status
        ).order_by("requested_at", "id")
        return paginate(request, rows, "decisionFiles", rows_of(DecisionFileOut))


class DecisionFileDetail(GatherView):
    scopes = {"GET": READ}
    what = "decision file request"

    @extend_schema(
        operation_id="decision_files_retrieve",
        summary="Get a decision file request",
        description="The request and the file's text, in the candidate's language.",
        parameters=[TEAM_PARAM],
        responses=envelope_of("DecisionFileGet", "decisionFile", DecisionFileDetailOut),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        return envelope(request, _detail(_file_request(request, pk)))


class DecisionFileSend(GatherView):
    scopes = {"POST": WRITE}
    what = "decision file request"

    @extend_schema(
        summary="Send a decision file to the candidate",
        description="Emails the file, as composed now, to the candidate's address and keeps "
        "the text as sent. Sending one already sent sends nothing again (200, unchanged); one "
        "closed without sending is a 409. Audited.",
        request=DecisionFileSendIn,
        parameters=[TEAM_PARAM],
        responses=envelope_of("DecisionFileSend", "decisionFile", DecisionFileDetailOut),
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        file_request = _file_request(request, pk)
        body = DecisionFileSendIn(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors(conflicts=("status",)):
            file_request, _sent = decision_file_send(
                file_request=file_request,
                by=request_user(request),
                note=body.validated_data.get("note"),
                ip=client_ip(request),
            )
        return envelope(request, _detail(file_request))


class CandidateInterviewDecisionFiles(GatherView):
    scopes = {"GET": READ}
    what = "candidate interview"

    @extend_schema(
        summary="List a candidate interview's decision file requests",
        description="Whether the candidate asked for their decision file, and whether it was "
        "sent: newest first.",
        parameters=[TEAM_PARAM],
        responses=envelope_of(
            "CandidateInterviewDecisionFiles", "decisionFiles", DecisionFileOut, many=True
        ),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        invites = CandidateInterview.objects.for_team(request_team(request))
        invite = get_or_404(invites, pk, "candidate interview")
        rows = invite.decision_files.order_by("-requested_at")
        return envelope(request, {"decisionFiles": DecisionFileOut(rows, many=True).data})


urlpatterns = [
    path("decision-files", DecisionFileList.as_view(), name="decision-files"),
    path("decision-files/<uuid:pk>", DecisionFileDetail.as_view(), name="decision-file"),
    path("decision-files/<uuid:pk>/send", DecisionFileSend.as_view(), name="decision-file-send"),
    path(
        "candidate-interviews/<uuid:pk>/decision-files",
        CandidateInterviewDecisionFiles.as_view(),
        name="candidate-interview-decision-files",
    ),
]
