from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.auth import request_team
from api.base import GatherView
from api.dialect import envelope_of
from api.media import narrator_sample_link
from api.responses import envelope
from api.serializers.fields import Text
from interviews.models import Narrator
from speech.voice_quality import TIERS, VoiceQuality, narrator_licence, voice_quality


class NarratorOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = Text()
    language = Text()
    provider = serializers.ChoiceField(choices=Narrator.Provider.choices)
    voice = Text()
    speed = serializers.FloatField()
    clarity = serializers.SerializerMethodField(
        help_text="How well a listener understands this voice in its language, as measured "
        "(bench/tts_quality): clear (at most 5% of words missed), understandable with effort, "
        "hard to understand, or not measured."
    )
    wordErrorRate = serializers.SerializerMethodField(
        help_text="The measured share of words a listener misses (0-1); null when not measured."
    )
    licence = serializers.SerializerMethodField(help_text="What may be done with the voice.")
    sampleUrl = serializers.SerializerMethodField(
        help_text="A signed link to a short sample in this voice (MP3, in the narrator's "
        "language), playable without a key; it expires like every media link."
    )

    @extend_schema_field(serializers.ChoiceField(choices=TIERS))
    def get_clarity(self, narrator: Narrator) -> str:
        return _quality(narrator).tier

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_wordErrorRate(self, narrator: Narrator) -> float | None:
        return _quality(narrator).wer

    @extend_schema_field(Text())
    def get_licence(self, narrator: Narrator) -> str:
        return narrator_licence(provider=narrator.provider, voice=narrator.voice)

    @extend_schema_field(serializers.URLField())
    def get_sampleUrl(self, narrator: Narrator) -> str:
        return narrator_sample_link(narrator, request=self.context.get("request"))


def _quality(narrator: Narrator) -> VoiceQuality:
    return voice_quality(
        provider=narrator.provider, voice=narrator.voice, language=narrator.language
    )


class NarratorList(GatherView):
    scopes = {"GET": "questions:read"}

    @extend_schema(
        summary="List narrators",
        description="The team's text-to-speech voices, to choose a narratorId for audio questions.",
        responses=envelope_of("NarratorList", "narrators", NarratorOut, many=True),
    )
    def get(self, request: Request) -> Response:
        narrators = Narrator.objects.for_team(request_team(request)).order_by("name")
        return envelope(
            request,
            {"narrators": NarratorOut(narrators, many=True, context={"request": request}).data},
        )
