"""Interview request and response shapes of the Gather API (camelCase at the edge)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import Language, Text, Url
from interviews.models import Interview
from kit import limits

# ---------------------------------------------------------------- responses


class InterviewQuestionOut(serializers.Serializer):
    questionId = serializers.UUIDField(source="question.pk")
    kind = Text()
    position = serializers.IntegerField(source="ordinal")
    title = Text(source="question.title")
    knockout = serializers.BooleanField()


class InterviewOut(serializers.Serializer):
    """An interview as the seed shows it, plus ``archivedAt`` and ``questionCount``."""

    id = serializers.UUIDField()
    title = Text()
    displayName = Text(source="display_name")
    interviewType = Text(source="interview_type")
    status = serializers.IntegerField(help_text="0 active, 1 paused, 2 closed, 3 archived.")
    description = Text()
    descriptionUrl = Text(source="description_url")
    language = Text()
    resume = serializers.BooleanField()
    webOnly = serializers.BooleanField(source="web_only")
    integrityFacts = serializers.BooleanField(
        source="integrity_facts",
        help_text="Whether integrity facts are noted (page hidden, paste, near-duplicate "
        "answers); candidates are told before they start. Off by default.",
    )
    messageGroupId = serializers.SerializerMethodField(
        help_text="Always null: message groups are not modelled; invites use the team's texts."
    )
    narratorId = serializers.UUIDField(source="narrator_id", allow_null=True)
    organizationId = serializers.UUIDField(source="team.organization_id")
    teamId = serializers.UUIDField(source="team_id")
    createdById = serializers.UUIDField(source="created_by_id", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    archivedAt = serializers.DateTimeField(source="archived_at", allow_null=True)
    questionCount = serializers.IntegerField(source="question_count")

    @extend_schema_field(Text(allow_null=True))
    def get_messageGroupId(self, interview: Interview) -> None:
        return None


class InterviewDetailOut(InterviewOut):
    questions = InterviewQuestionOut(many=True, source="api_items")
    keywords = serializers.ListField(child=Text(), source="api_keywords")


class InterviewBulkOut(serializers.Serializer):
    interviewIds = serializers.ListField(child=serializers.UUIDField())
    status = serializers.IntegerField()
    updatedCount = serializers.IntegerField(
        help_text="How many interviews changed status (those already in it are not counted)."
    )


class AgentSecretOut(serializers.Serializer):
    agentSecret = Text(
        help_text="Send as X-Agent-Secret on the turn, history and finalize endpoints of this "
        "interview's candidate interviews. Shown once; issuing a new one revokes it."
    )


# ---------------------------------------------------------------- requests


STATUS_HELP = "0 active, 1 paused, 2 closed, 3 archived."


class SurveyQuestionRefIn(serializers.Serializer):
    id = serializers.UUIDField()
    knockout = serializers.BooleanField(default=False)


QUESTIONS_MAX = 100


class QuestionRefIn(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=("audio", "survey", "ai_text"))
    knockout = serializers.BooleanField(default=False, help_text="Survey questions only.")


def _unique(values: list[Any], what: str) -> list[Any]:
    if len({str(v) for v in values}) != len(values):
        raise serializers.ValidationError(f"Each {what} can appear only once.")
    return values


@extend_schema_field({"type": "string", "enum": [Interview.InterviewType.STANDARD]})
class _ApiInterviewTypeField(Text):
    """Any text in, so other types get a 400 that says where they are made; the schema names
    the only type the API creates."""


class InterviewCreateIn(serializers.Serializer):
    title = Text(max_length=200)
    displayName = Text(max_length=200, required=False, allow_blank=True)
    interviewType = _ApiInterviewTypeField(default="standard", max_length=20)
    description = Text(required=False, allow_blank=True, max_length=limits.INTERVIEW_DESCRIPTION)
    descriptionUrl = Url(max_length=500, required=False, allow_blank=True)
    language = Language(required=False)
    resume = serializers.BooleanField(required=False)
    webOnly = serializers.BooleanField(required=False)
    integrityFacts = serializers.BooleanField(
        required=False,
        help_text="Note integrity facts (off by default); candidates are told before they start.",
    )
    narratorId = serializers.UUIDField(required=False, allow_null=True)
    questionIds = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="Audio question ids, asked in this order.",
    )
    surveyQuestions = SurveyQuestionRefIn(many=True, required=False)
    questions = serializers.ListField(
        child=QuestionRefIn(),
        required=False,
        max_length=QUESTIONS_MAX,
        help_text="Questions of all three kinds (audio, survey, ai_text), asked in this order; "
        "instead of questionIds and surveyQuestions.",
    )
    keywords = serializers.ListField(child=Text(max_length=100), required=False)
    teamId = serializers.UUIDField(required=False, help_text="Organization keys: the team.")
    userId = serializers.UUIDField(
        required=False, help_text="The member recorded as creator; the key's creator if absent."
    )

    def validate_interviewType(self, value: str) -> str:
        if value == Interview.InterviewType.QUESTIONNAIRE:
            raise serializers.ValidationError(
                "Questionnaire interviews must be created in the dashboard; "
                "the API creates standard interviews only."
            )
        if value != Interview.InterviewType.STANDARD:
            raise serializers.ValidationError(
                f"“{value}” is not an interview type the API creates: use “standard”."
            )
        return value

    def validate_questionIds(self, value: list[Any]) -> list[Any]:
        return _unique(value, "question id")

    def validate_surveyQuestions(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _unique([v["id"] for v in value], "survey question id")
        return value

    def validate_questions(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _unique([v["id"] for v in value], "question id")
        for index, ref in enumerate(value):
            if ref["knockout"] and ref["kind"] != "survey":
                raise serializers.ValidationError(
                    {index: {"knockout": ["Only survey questions can be knockouts."]}}
                )
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if "questions" in data and ("questionIds" in data or "surveyQuestions" in data):
            raise serializers.ValidationError(
                {"questions": "Send questions, or questionIds and surveyQuestions, not both."}
            )
        return data


class InterviewUpdateIn(serializers.Serializer):
    title = Text(max_length=200, required=False)
    displayName = Text(max_length=200, required=False, allow_blank=True)
    description = Text(required=False, allow_blank=True, max_length=limits.INTERVIEW_DESCRIPTION)
    descriptionUrl = Url(max_length=500, required=False, allow_blank=True)
    language = Language(required=False)
    status = serializers.IntegerField(
        min_value=0, max_value=3, required=False, help_text=STATUS_HELP
    )
    resume = serializers.BooleanField(required=False)
    webOnly = serializers.BooleanField(required=False)
    integrityFacts = serializers.BooleanField(
        required=False,
        help_text="Note integrity facts (off by default); candidates are told before they start.",
    )
    narratorId = serializers.UUIDField(required=False, allow_null=True)
    questionIds = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="Replaces the interview's audio questions with these, in this order.",
    )
    surveyQuestions = SurveyQuestionRefIn(
        many=True,
        required=False,
        help_text="Replaces the interview's survey questions with these, in this order.",
    )
    keywords = serializers.ListField(
        child=Text(max_length=100), required=False, help_text="Keywords to add."
    )
    removedKeywords = serializers.ListField(child=Text(max_length=100), required=False)

    validate_questionIds = InterviewCreateIn.validate_questionIds
    validate_surveyQuestions = InterviewCreateIn.validate_surveyQuestions


class InterviewBulkIn(serializers.Serializer):
    # The bulk PATCH reads this whole: both fields are required (see GatherAutoSchema).
    whole_on_patch = True

    interviewIds = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=100
    )
    status = serializers.IntegerField(min_value=0, max_value=3, help_text=STATUS_HELP)


BULK_UPDATE_MAX = 100
KEYWORDS_MAX = 100


class InterviewBulkUpdateIn(serializers.Serializer):
    """Gather's bulk update: the same settings and keywords on up to 100 interviews."""

    whole_on_patch = True

    interviewIds = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=BULK_UPDATE_MAX
    )
    mode = serializers.ChoiceField(
        choices=("merge", "overwrite"),
        default="merge",
        help_text="merge: `keywords` are added and `removedKeywords` removed; overwrite: "
        "`keywords` become each interview's keywords (an empty list clears them).",
    )
    status = serializers.IntegerField(
        min_value=0, max_value=3, required=False, help_text=STATUS_HELP
    )
    description = Text(required=False, allow_blank=True, max_length=limits.INTERVIEW_DESCRIPTION)
    descriptionUrl = Url(max_length=500, required=False, allow_blank=True)
    language = Language(required=False)
    resume = serializers.BooleanField(required=False)
    webOnly = serializers.BooleanField(required=False)
    integrityFacts = serializers.BooleanField(
        required=False,
        help_text="Note integrity facts (off by default); candidates are told before they start.",
    )
    keywords = serializers.ListField(
        child=Text(max_length=100), required=False, max_length=KEYWORDS_MAX
    )
    removedKeywords = serializers.ListField(
        child=Text(max_length=100),
        required=False,
        max_length=KEYWORDS_MAX,
        help_text="merge mode only.",
    )

    def validate_interviewIds(self, value: list[Any]) -> list[Any]:
        return list(dict.fromkeys(value))

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["mode"] == "overwrite" and "removedKeywords" in data:
            raise serializers.ValidationError(
                {"removedKeywords": "Overwrite replaces the keywords: send keywords only."}
            )
        return data


class InterviewBulkUpdateOut(serializers.Serializer):
    interviewIds = serializers.ListField(child=serializers.UUIDField())
    mode = Text()
    updatedCount = serializers.IntegerField()


class InterviewCopyIn(serializers.Serializer):
    teamId = serializers.UUIDField(
        required=False, help_text="The target team; the interview's own team if absent."
    )
    copyKeywords = serializers.BooleanField(default=False)
    messageGroupId = Text(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=200,
        help_text="Accepted for compatibility; message groups are not modelled.",
    )
