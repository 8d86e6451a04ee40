"""A candidate's data rights through the API: export everything, erase everything.

``GET /candidates/{id}/export`` answers a zip (``candidate.json`` + recordings);
``DELETE /candidates/{id}`` erases the candidate completely (see candidates.services.privacy).
"""

from __future__ import annotations

import uuid

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import client_ip
from api.auth import request_team, request_user
from api.base import GatherView
from api.dialect import TEAM_PARAM, envelope_of, get_or_404
from api.responses import envelope
from candidates.models import Candidate
from candidates.services.privacy import candidate_erase, candidate_export

CANDIDATES_READ, CANDIDATES_WRITE = "candidates:read", "candidates:write"


class ErasedOut(serializers.Serializer):
    id = serializers.UUIDField()
    erased = serializers.BooleanField()
    invites = serializers.IntegerField(help_text="Candidate interviews deleted.")
    answers = serializers.IntegerField()
    files = serializers.IntegerField(help_text="Recordings and upload files deleted.")
    webhookEvents = serializers.IntegerField(help_text="Webhook events that named them, deleted.")


class CandidateExport(GatherView):
    scopes = {"GET": CANDIDATES_READ}
    what = "candidate"

    @extend_schema(
        summary="Export everything held about a candidate",
        description="A zip with `candidate.json` (details, invites, answers, transcripts, AI "
        "evaluations, scorecards, comments, consent) and `media/` (recordings). Audited.",
        parameters=[TEAM_PARAM],
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, pk: uuid.UUID) -> HttpResponse:
        candidate = get_or_404(Candidate.objects.for_team(request_team(request)), pk, "candidate")
        by, ip = request_user(request), client_ip(request)
        data = candidate_export(candidate=candidate, by=by, ip=ip)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="candidate-{candidate.pk}.zip"'
        response["Cache-Control"] = "private, no-store"
        return response


erase_schema = extend_schema(
    summary="Erase a candidate",
    description="Deletes the candidate and everything about them — invites, answers, "
    "recordings, transcripts, evaluations, scorecards, comments — and cannot be undone. "
    "Anonymous counts are kept for reports; the erasure is audited.",
    parameters=[TEAM_PARAM],
    # A DELETE defaults to 204 in the schema; this one answers 200 with what was erased.
    responses={200: envelope_of("CandidateErase", "candidate", ErasedOut)},
)


def erase(request: Request, pk: uuid.UUID) -> Response:
    """``DELETE /candidates/{id}`` (routed through the candidate detail view)."""
    candidate = get_or_404(Candidate.objects.for_team(request_team(request)), pk, "candidate")
    candidate_id = candidate.pk
    removed = candidate_erase(candidate=candidate, by=request_user(request), ip=client_ip(request))
    return envelope(request, {"candidate": {"id": str(candidate_id), "erased": True, **removed}})


urlpatterns = [
    path("candidates/<uuid:pk>/export", CandidateExport.as_view(), name="candidate-export"),
]
