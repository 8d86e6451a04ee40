"""Question serializers: camelCase at the API edge, snake_case behind it.

Input serializers only check shapes and types; the domain rules (per survey type, rubric, …)
live in the services, whose errors the views rename to these field names.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.media import question_media_link
from api.serializers.fields import Language, Text, Url
from interviews.models import AudioQuestion, InterviewQuestion, SurveyQuestion
from kit import limits

# --- shared -------------------------------------------------------------------------------


_LanguageField = Language


class QuestionOut(serializers.Serializer):
    """Fields every question kind shares. ``organizationId`` comes from the request's team
    (every row rendered belongs to it), so lists need no join to the organization."""

    id = serializers.UUIDField()
    title = Text()
    description = Text()
    language = Text()
    organizationId = serializers.SerializerMethodField()
    teamId = serializers.UUIDField(source="team_id")
    createdById = serializers.UUIDField(source="created_by_id", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    archivedAt = serializers.DateTimeField(source="archived_at", allow_null=True)

    def get_organizationId(self, obj: Any) -> str:
        return str(self.context["team"].organization_id)


# --- audio questions ----------------------------------------------------------------------


def audio_download_url(request: Any, question: AudioQuestion) -> str | None:
    """Where a browser plays the question's MP3 without a key (a signed link that expires,
    api.media), or the external URL. The keyed download stays at ``/questions/{id}/audio.mp3``."""
    if question.audio_file:
        return question_media_link(question, request=request)
    if question.audio_type == AudioQuestion.AudioType.URL and question.audio_url:
        return str(question.audio_url)
    return None


class AudioQuestionOut(QuestionOut):
    questionScript = Text(source="question_script")
    narratorId = serializers.UUIDField(source="narrator_id", allow_null=True)
    audioType = serializers.SerializerMethodField()
    audioURL = serializers.SerializerMethodField(
        help_text="A signed absolute URL to the MP3 that plays without a key (an <audio> src) "
        "and expires after MEDIA_URL_TTL_SECONDS (4 hours by default), or the external URL "
        "given at creation; null until text-to-speech completes."
    )
    transcriptionStatus = serializers.ChoiceField(
        source="transcription_status", choices=AudioQuestion.TranscriptionStatus.values
    )
    failureReason = Text(source="failure_reason")

    def get_audioType(self, obj: AudioQuestion) -> str | None:
        return obj.audio_type or None

    def get_audioURL(self, obj: AudioQuestion) -> str | None:
        return audio_download_url(self.context["request"], obj)


class AudioQuestionCreateIn(serializers.Serializer):
    title = Text(max_length=200)
    description = Text(required=False, allow_blank=True, default="", max_length=limits.DESCRIPTION)
    questionScript = Text(
        required=False,
        allow_blank=True,
        default="",
        max_length=limits.QUESTION_SCRIPT,
        help_text="The text the narrator speaks. Text-to-speech starts at once and runs in the "
        "background: transcriptionStatus is pending until the MP3 is ready.",
    )
    narratorId = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="One of GET /narrators."
    )
    audioURL = Url(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text="A pre-recorded prompt. This server works offline and never fetches it; with "
        "a questionScript the script is spoken instead.",
    )
    language = Language(required=False, default="en")
    userId = serializers.UUIDField(
        required=False, help_text="The creator: a member of the team; else the key's creator."
    )
    teamId = serializers.UUIDField(
        required=False, help_text="Which team; else the key's team or default team."
    )


# --- survey questions ---------------------------------------------------------------------


class SurveyOptionInOut(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    text = Text(allow_blank=True, max_length=limits.SURVEY_OPTION)
    weight = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        coerce_to_string=False,
        help_text="MULTIPLE_CHOICE_WEIGHTED only (and required there).",
    )
    preferred = serializers.BooleanField(source="is_preferred", required=False, default=False)


class SurveyQuestionOut(QuestionOut):
    questionText = Text(source="question_text")
    type = serializers.ChoiceField(source="survey_type", choices=SurveyQuestion.SurveyType.values)
    options = SurveyOptionInOut(many=True)
    preferredOption = serializers.SerializerMethodField()
    maxCharacterLength = serializers.IntegerField(source="max_character_length", allow_null=True)
    selectAllForFullScore = serializers.BooleanField(source="select_all_for_full_score")

    def get_preferredOption(self, obj: SurveyQuestion) -> str | None:
        return obj.preferred_option or None


class SurveyQuestionCreateIn(serializers.Serializer):
    title = Text(max_length=200)
    description = Text(required=False, allow_blank=True, default="", max_length=limits.DESCRIPTION)
    questionText = Text(max_length=limits.SURVEY_QUESTION_TEXT)
    type = serializers.ChoiceField(choices=SurveyQuestion.SurveyType.values)
    options = SurveyOptionInOut(
        many=True,
        required=False,
        default=list,
        help_text="THUMBS_UP_DOWN: exactly two; the MULTIPLE_CHOICE types: two or more; "
        "FREE_TEXT and YES_NO: none.",
    )
    preferredOption = serializers.ChoiceField(
        choices=SurveyQuestion.PreferredOption.values,
        required=False,
        allow_null=True,
        allow_blank=True,
        default="",
        help_text="YES_NO only.",
    )
    maxCharacterLength = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=limits.FREE_TEXT_ANSWER,
        help_text=f"FREE_TEXT only (1-{limits.FREE_TEXT_ANSWER:,}; {limits.FREE_TEXT_ANSWER:,} "
        "when null).",
    )
    selectAllForFullScore = serializers.BooleanField(
        required=False, default=False, help_text="MULTIPLE_CHOICE_MULTIPLE_ANSWER only."
    )
    language = _LanguageField(required=False, default="en", max_length=16)
    userId = serializers.UUIDField(required=False)
    teamId = serializers.UUIDField(required=False)


# --- AI text questions --------------------------------------------------------------------


class RubricCriterionInOut(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = Text(allow_blank=True, max_length=120)
    strongAnswer = Text(source="strong_answer", allow_blank=True, max_length=limits.STRONG_ANSWER)
    weight = serializers.IntegerField(required=False, default=1, help_text="1 to 10.")
    idealAnswer = Text(
        source="ideal_answer",
        required=False,
        allow_blank=True,
        default="",
        max_length=limits.IDEAL_ANSWER,
    )


class AITextQuestionOut(QuestionOut):
    questionText = Text(source="question_text")
    maxAnswerLength = serializers.IntegerField(source="max_answer_length")
    rubric = RubricCriterionInOut(source="criteria", many=True)


class AITextQuestionCreateIn(serializers.Serializer):
    title = Text(max_length=200)
    description = Text(required=False, allow_blank=True, default="", max_length=limits.DESCRIPTION)
    questionText = Text(max_length=limits.AI_QUESTION_TEXT)
    rubric = RubricCriterionInOut(
        many=True,
        required=False,
        help_text="What answers are scored against. Without it the question gets one criterion, "
        "“Answer quality”, asking for a direct, correct and complete answer.",
    )
    maxAnswerLength = serializers.IntegerField(
        required=False,
        default=5000,
        min_value=1,
        max_value=limits.WRITTEN_ANSWER,
        help_text=f"1 to {limits.WRITTEN_ANSWER:,} characters.",
    )
    language = _LanguageField(required=False, default="en", max_length=16)
    userId = serializers.UUIDField(required=False)
    teamId = serializers.UUIDField(required=False)


# --- an interview's questions -------------------------------------------------------------


class InterviewQuestionItemOut(serializers.Serializer):
    """One question of an interview, whatever its kind."""

    id = serializers.UUIDField(source="question.id", help_text="The question's id.")
    interviewQuestionId = serializers.UUIDField(source="id")
    ordinal = serializers.IntegerField()
    questionType = serializers.SerializerMethodField()
    title = Text(source="question.title")
    description = Text(source="question.description")
    questionText = serializers.SerializerMethodField(
        help_text="The script of an audio question; the text of the others."
    )
    audioType = serializers.SerializerMethodField()
    audioURL = serializers.SerializerMethodField()
    transcriptionStatus = serializers.SerializerMethodField()
    surveyType = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField()
    knockout = serializers.BooleanField()
    thinkTimeSeconds = serializers.IntegerField(source="think_time_seconds", allow_null=True)
    answerTimeSeconds = serializers.IntegerField(source="answer_time_seconds", allow_null=True)

    KINDS = {
        InterviewQuestion.Kind.AUDIO: "AUDIO",
        InterviewQuestion.Kind.SURVEY: "SURVEY",
        InterviewQuestion.Kind.AI_TEXT: "AI_TEXT",
    }

    def get_questionType(self, item: InterviewQuestion) -> str:
        return self.KINDS[InterviewQuestion.Kind(item.kind)]

    def get_questionText(self, item: InterviewQuestion) -> str:
        question = item.question
        if isinstance(question, AudioQuestion):
            return question.question_script
        return question.question_text

    def get_audioType(self, item: InterviewQuestion) -> str | None:
        return (item.audio_question.audio_type or None) if item.audio_question else None

    def get_audioURL(self, item: InterviewQuestion) -> str | None:
        if item.audio_question is None:
            return None
        return audio_download_url(self.context["request"], item.audio_question)

    def get_transcriptionStatus(self, item: InterviewQuestion) -> str | None:
        return item.audio_question.transcription_status if item.audio_question else None

    def get_surveyType(self, item: InterviewQuestion) -> str | None:
        return item.survey_question.survey_type if item.survey_question else None

    @extend_schema_field(SurveyOptionInOut(many=True, allow_null=True))
    def get_options(self, item: InterviewQuestion) -> Any:
        if item.survey_question is None:
            return None
        return SurveyOptionInOut(item.survey_question.options.all(), many=True).data
