from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.auth import request_team
from api.base import GatherView
from api.dialect import envelope_of
from api.responses import envelope
from api.serializers.fields import Text
from interviews.models import Narrator


class NarratorOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = Text()
    language = Text()
    provider = serializers.ChoiceField(choices=Narrator.Provider.choices)
    voice = Text()
    speed = serializers.FloatField()


class NarratorList(GatherView):
    scopes = {"GET": "questions:read"}

    @extend_schema(
        summary="List narrators",
        description="The team's text-to-speech voices, to choose a narratorId for audio questions.",
        responses=envelope_of("NarratorList", "narrators", NarratorOut, many=True),
    )
    def get(self, request: Request) -> Response:
        narrators = Narrator.objects.for_team(request_team(request)).order_by("name")
        return envelope(request, {"narrators": NarratorOut(narrators, many=True).data})
