"""Integrity facts through the API, read-only (issue 18, item 8): what was noted for one
candidate interview (``GET /candidate-interviews/{id}/integrity-facts``). Turning them on is
the interview's ``integrityFacts`` setting (``api/interviews.py``)."""

from __future__ import annotations

import uuid

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.auth import request_team
from api.base import GatherView
from api.dialect import TEAM_PARAM, envelope_of, get_or_404
from api.responses import envelope
from api.serializers.fields import Text
from candidates.models import CandidateInterview, IntegrityFact
from candidates.services.integrity import fact_sentence, integrity_facts_of

READ = "interviews:read"


class IntegrityFactOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=IntegrityFact.Kind.values,
        help_text="page_hidden (seconds), paste (characters) or near_duplicate (similarity, "
        "and the other answer).",
    )
    questionId = serializers.UUIDField(
        source="interview_question_id",
        allow_null=True,
        help_text="The interview question (as in the interview's questions).",
    )
    answerId = serializers.UUIDField(source="answer_id", allow_null=True)
    seconds = serializers.IntegerField(allow_null=True)
    characters = serializers.IntegerField(allow_null=True)
    similarity = serializers.DecimalField(
        max_digits=4, decimal_places=3, allow_null=True, coerce_to_string=False
    )
    similarAnswerId = serializers.UUIDField(source="similar_answer_id", allow_null=True)
    similarCandidateInterviewId = serializers.SerializerMethodField()
    occurredAt = serializers.DateTimeField(source="occurred_at")
    text = serializers.SerializerMethodField(help_text="The fact in plain words.")

    @extend_schema(responses=serializers.UUIDField(allow_null=True))
    def get_similarCandidateInterviewId(self, fact: IntegrityFact) -> uuid.UUID | None:
        other = fact.similar_answer
        return other.candidate_interview_id if other is not None else None

    @extend_schema(responses=Text())
    def get_text(self, fact: IntegrityFact) -> str:
        return fact_sentence(fact)


class IntegrityFactsOut(serializers.Serializer):
    noted = serializers.BooleanField(
        help_text="Whether facts are noted for this candidate (the interview notes them and "
        "the candidate was told before starting)."
    )
    facts = IntegrityFactOut(many=True)


class CandidateInterviewIntegrityFacts(GatherView):
    scopes = {"GET": READ}
    what = "candidate interview"

    @extend_schema(
        summary="List a candidate interview's integrity facts",
        description="Plain facts with times, oldest first: the page hidden during a question, "
        "text pasted into a written answer, an answer nearly identical to another "
        "candidate's. Never a score, and never a reason to change a status by itself. Empty "
        "unless the interview notes them and the candidate was told. At most 200 browser "
        "facts per candidate interview, and 3 near-duplicates per answer.",
        parameters=[TEAM_PARAM],
        responses=envelope_of(
            "CandidateInterviewIntegrityFacts", "integrityFacts", IntegrityFactsOut
        ),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        invites = CandidateInterview.objects.for_team(request_team(request))
        invite = get_or_404(invites, pk, "candidate interview")
        data = {"noted": invite.integrity_told_at is not None, "facts": integrity_facts_of(invite)}
        return envelope(request, {"integrityFacts": IntegrityFactsOut(data).data})


urlpatterns = [
    path(
        "candidate-interviews/<uuid:pk>/integrity-facts",
        CandidateInterviewIntegrityFacts.as_view(),
        name="candidate-interview-integrity-facts",
    ),
]
