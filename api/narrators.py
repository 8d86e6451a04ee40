from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.auth import request_team
from api.base import GatherView
from api.responses import envelope
from api.serializers.fields import Text
from interviews.models import Narrator


def narrator_json(narrator: Narrator) -> dict[str, Any]:
    return {
        "id": str(narrator.pk),
        "name": narrator.name,
        "language": narrator.language,
        "provider": narrator.provider,
        "voice": narrator.voice,
        "speed": float(narrator.speed),
    }


def narrator_schema(**kwargs: Any) -> Any:
    return inline_serializer(
        "Narrator",
        {
            "id": serializers.UUIDField(),
            "name": Text(),
            "language": Text(),
            "provider": serializers.ChoiceField(choices=Narrator.Provider.choices),
            "voice": Text(),
            "speed": serializers.FloatField(),
        },
        **kwargs,
    )


class NarratorList(GatherView):
    scopes = {"GET": "questions:read"}

    @extend_schema(
        summary="List narrators",
        description="The team's text-to-speech voices, to choose a narratorId for audio questions.",
        responses=inline_serializer(
            "NarratorListResponse",
            {"data": inline_serializer("NarratorList", {"narrators": narrator_schema(many=True)})},
        ),
    )
    def get(self, request: Request) -> Response:
        narrators = Narrator.objects.for_team(request_team(request)).order_by("name")
        return envelope(request, {"narrators": [narrator_json(n) for n in narrators]})
