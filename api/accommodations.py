"""``/candidate-interviews/{id}/accommodations``: read and set one invite's accommodation
(more time, extra retakes, more days) and read the candidate's request for one."""

from __future__ import annotations

import uuid

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.auth import request_team
from api.base import GatherView
from api.dialect import TEAM_PARAM, envelope_of, get_or_404, service_errors
from api.responses import envelope
from candidates.models import CandidateInterview
from candidates.services.accommodations import (
    DAYS_MAX,
    REQUEST_KINDS,
    RETAKES_MAX,
    accommodated_limits,
    accommodation_set,
)
from kit import limits

READ, WRITE = "interviews:read", "interviews:write"
TIMES = CandidateInterview.ExtraTime.values


class AccommodationRequestOut(serializers.Serializer):
    requestedAt = serializers.DateTimeField(source="accommodation_requested_at")
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=REQUEST_KINDS),
        source="accommodation_request_kinds",
        help_text="What the candidate asked for; empty: nothing specific.",
    )
    note = serializers.CharField(
        source="accommodation_request_note",
        max_length=limits.ACCOMMODATION_NOTE,
        help_text="The candidate's own words, if any (optional; never shown to reviewers).",
    )
    open = serializers.BooleanField(source="accommodation_request_open")
    resolvedAt = serializers.DateTimeField(source="accommodation_resolved_at", allow_null=True)


class AccommodationOut(serializers.Serializer):
    candidateInterviewId = serializers.UUIDField(source="pk")
    applied = serializers.BooleanField(source="has_accommodation")
    extraTime = serializers.ChoiceField(
        choices=TIMES,
        source="accommodation_time",
        allow_null=True,
        help_text="A multiplier of the think and answer times (1.25, 1.5, 2, 3) or untimed; "
        "null: standard time.",
    )
    extraRetakes = serializers.IntegerField(source="accommodation_extra_retakes")
    extraDays = serializers.IntegerField(
        source="accommodation_extra_days", help_text="Already counted in expiresAt."
    )
    expiresAt = serializers.DateTimeField(source="expires_at", allow_null=True)
    thinkSeconds = serializers.IntegerField(
        help_text="The interview's think time with the accommodation (0 when untimed)."
    )
    answerSeconds = serializers.IntegerField(
        help_text="The interview's answer time with the accommodation (the recording "
        "ceiling when untimed)."
    )
    retakesAllowed = serializers.IntegerField()
    request = AccommodationRequestOut(allow_null=True)


class AccommodationIn(serializers.Serializer):
    extraTime = serializers.ChoiceField(
        choices=TIMES, allow_null=True, required=False, help_text="null: standard time."
    )
    extraRetakes = serializers.IntegerField(min_value=0, max_value=RETAKES_MAX, required=False)
    extraDays = serializers.IntegerField(
        min_value=0,
        max_value=DAYS_MAX,
        required=False,
        help_text="Days added to the expiry; a change moves expiresAt by the difference.",
    )


def _out(invite: CandidateInterview) -> dict[str, object]:
    timing = accommodated_limits(invite=invite)
    data = AccommodationOut(
        {
            "pk": invite.pk,
            "has_accommodation": invite.has_accommodation,
            "accommodation_time": invite.accommodation_time or None,
            "accommodation_extra_retakes": invite.accommodation_extra_retakes,
            "accommodation_extra_days": invite.accommodation_extra_days,
            "expires_at": invite.expires_at,
            "thinkSeconds": timing.think_seconds,
            "answerSeconds": timing.answer_seconds,
            "retakesAllowed": timing.retakes,
            "request": invite if invite.accommodation_requested_at else None,
        }
    ).data
    return {"accommodations": data}


class CandidateInterviewAccommodations(GatherView):
    scopes = {"GET": READ, "PATCH": WRITE}
    what = "candidate interview"

    @extend_schema(
        summary="Get a candidate interview's accommodations",
        description="The accommodation set on the invite, the timers and retakes it gives, "
        "and the candidate's request for one, if they made it.",
        parameters=[TEAM_PARAM],
        responses=envelope_of("AccommodationsGet", "accommodations", AccommodationOut),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        invite = _invite(request, pk)
        return envelope(request, _out(invite))

    @extend_schema(
        summary="Set a candidate interview's accommodations",
        description="Fields left out keep their value; all standard (null, 0, 0) clears the "
        "accommodation. Allowed at any time, even after the candidate started (the next "
        "question they open gets the new timers). A change of `extraDays` moves `expiresAt` "
        "by the difference (an expired invite reopens; a completed or cancelled one does "
        "not). Setting one settles the candidate's open request. Audited.",
        request=AccommodationIn,
        parameters=[TEAM_PARAM],
        responses=envelope_of("AccommodationsSet", "accommodations", AccommodationOut),
    )
    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        invite = _invite(request, pk)
        body = AccommodationIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        names = {"time": "extraTime", "extra_retakes": "extraRetakes", "extra_days": "extraDays"}
        with service_errors(names):
            invite = accommodation_set(
                invite=invite,
                by=request.auth.created_by,
                time=(data["extraTime"] or "")
                if "extraTime" in data
                else invite.accommodation_time,
                extra_retakes=data.get("extraRetakes", invite.accommodation_extra_retakes),
                extra_days=data.get("extraDays", invite.accommodation_extra_days),
            )
        return envelope(request, _out(invite))


def _invite(request: Request, pk: uuid.UUID) -> CandidateInterview:
    invites = CandidateInterview.objects.for_team(request_team(request)).select_related("interview")
    return get_or_404(invites, pk, "candidate interview")


urlpatterns = [
    path(
        "candidate-interviews/<uuid:pk>/accommodations",
        CandidateInterviewAccommodations.as_view(),
        name="candidate-interview-accommodations",
    ),
]
