"""Audio, survey and AI text questions (``/questions``, ``/survey-questions``,
``/ai-text-questions``), an interview's questions, and the MP3 of an audio question."""

from __future__ import annotations

import uuid
from functools import cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail

from api.auth import request_team, request_user
from api.base import GatherView
from api.idempotency import idempotent
from api.responses import envelope, paginate
from api.serializers.questions import (
    AITextQuestionCreateSerializer,
    AITextQuestionSerializer,
    AudioQuestionCreateSerializer,
    AudioQuestionSerializer,
    InterviewQuestionItemSerializer,
    MetaSerializer,
    PaginationSerializer,
    ProblemSerializer,
    SurveyQuestionCreateSerializer,
    SurveyQuestionSerializer,
)
from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    Narrator,
    RubricCriterion,
    SurveyOption,
    SurveyQuestion,
)
from interviews.selectors import interview_items
from interviews.services.ai_text import CriterionInput, ai_text_question_create
from interviews.services.audio import audio_question_create
from interviews.services.survey import OptionInput, survey_question_create
from speech.http import media_response

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from django.db.models import Model, QuerySet
    from django.http import HttpResponseBase
    from rest_framework.request import Request
    from rest_framework.response import Response

    from accounts.models import Team

READ, WRITE = "questions:read", "questions:write"
IGNORED = " Fields not listed here are ignored."
TEAM_PARAMS = [
    OpenApiParameter(
        "teamId",
        OpenApiTypes.UUID,
        description="Which team; else the key's team or default team (required for an "
        "organization key without a default team).",
    )
]
LIST_PARAMS = [
    *TEAM_PARAMS,
    OpenApiParameter("page", OpenApiTypes.INT, description="1-based; 0 also means the first."),
    OpenApiParameter("pageSize", OpenApiTypes.INT, description="1 to 100 (default 20)."),
    OpenApiParameter(
        "archived",
        OpenApiTypes.BOOL,
        description="true lists only archived questions; false (default) only live ones.",
    ),
]
ERRORS = {
    400: OpenApiResponse(ProblemSerializer, description="Invalid request; see errors."),
    401: OpenApiResponse(ProblemSerializer, description="No valid x-api-key."),
    403: OpenApiResponse(ProblemSerializer, description="The key lacks the scope named."),
    404: OpenApiResponse(ProblemSerializer, description="No such object in this team."),
    429: OpenApiResponse(ProblemSerializer, description="Rate limit reached; see Retry-After."),
}
POST_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(ProblemSerializer, description="Same Idempotency-Key still running."),
    422: OpenApiResponse(ProblemSerializer, description="Idempotency-Key reused, other body."),
}
IDEMPOTENCY_PARAMS = [
    OpenApiParameter(
        "Idempotency-Key",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Replays the first response (for 24 hours) when the request is retried.",
    )
]

# Service field names → API field names, for the ``field`` of each problem error.
RENAMES = {
    "narrator": "narratorId",
    "audio": "audioURL",
    "survey_type": "type",
    "is_preferred": "preferred",
    "criteria": "rubric",
}


def _camel(name: str) -> str:
    if name in RENAMES:
        return RENAMES[name]
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def api_field(key: str) -> str:
    """``options.1.is_preferred`` → ``options[1].preferred`` (the serializers' own format)."""
    out = ""
    for part in key.split("."):
        out += f"[{part}]" if part.isdigit() else (f".{_camel(part)}" if out else _camel(part))
    return out


def service_errors(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError with each field renamed to its camelCase API name."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.messages)
    detail: dict[str, list[ErrorDetail]] = {}
    for field, errors in exc.error_dict.items():
        name = api_field(field) if field != "__all__" else "non_field_errors"
        detail[name] = [
            ErrorDetail(message, code=error.code or "invalid")
            for error in errors
            for message in error.messages
        ]
    return exceptions.ValidationError(detail)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _get(queryset: QuerySet[Any], pk: Any, label: str) -> Any:
    obj = queryset.filter(pk=_uuid(pk)).first() if _uuid(pk) else None
    if obj is None:
        raise exceptions.NotFound(f"No {label} {pk} in this team.")
    return obj


def _archived_filter(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    archived = (request.query_params.get("archived") or "false").lower()
    if archived not in ("true", "false"):
        raise exceptions.ValidationError({"archived": ["Must be true or false."]})
    return queryset.filter(archived_at__isnull=archived == "false")


def _context(request: Request, team: Team) -> dict[str, Any]:
    return {"request": request, "team": team}


def _create(request: Request, serializer_class: type[Any]) -> tuple[dict[str, Any], Team, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data, request_team(request), request_user(request)


def _calling(service: Callable[..., Model], **kwargs: Any) -> Model:
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise service_errors(exc) from exc


@cache  # one component per name: the detail and create views share theirs
def _data_schema(name: str, key: str, item: Any, *, many: bool = False) -> Any:
    fields: dict[str, Any] = {key: item(many=True) if many else item()}
    if many:
        fields["pagination"] = PaginationSerializer()
    return inline_serializer(
        f"{name}Response",
        {"data": inline_serializer(f"{name}Data", fields), "meta": MetaSerializer()},
    )


# --- audio questions ----------------------------------------------------------------------


def audio_questions(team: Team) -> QuerySet[AudioQuestion]:
    return AudioQuestion.objects.for_team(team).order_by("-created_at")


class AudioQuestionList(GatherView):
    scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        operation_id="questions_list",
        summary="List audio questions",
        parameters=LIST_PARAMS,
        responses={
            200: _data_schema("AudioQuestionList", "questions", AudioQuestionSerializer, many=True),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        team = request_team(request)
        context = _context(request, team)
        return paginate(
            request,
            _archived_filter(request, audio_questions(team)),
            "questions",
            lambda q: AudioQuestionSerializer(q, context=context).data,
        )

    @extend_schema(
        operation_id="questions_create",
        summary="Create an audio question",
        description="With questionScript (and optionally narratorId) the question is created at "
        "once and text-to-speech runs in the background: transcriptionStatus is pending and "
        "audioURL null until it completes. An audioURL without a questionScript is kept as the "
        'prompt (audioType "url") and played from there; this server never fetches it.' + IGNORED,
        parameters=IDEMPOTENCY_PARAMS,
        request=AudioQuestionCreateSerializer,
        responses={
            201: _data_schema("AudioQuestion", "question", AudioQuestionSerializer),
            **POST_ERRORS,
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data, team, user = _create(request, AudioQuestionCreateSerializer)
        narrator = None
        if data["narratorId"]:
            narrator = Narrator.objects.for_team(team).filter(pk=data["narratorId"]).first()
            if narrator is None:
                raise exceptions.ValidationError(
                    {"narratorId": ["No narrator of this team has that id; see GET /narrators."]}
                )
        question = _calling(
            audio_question_create,
            team=team,
            by=user,
            title=data["title"],
            description=data["description"],
            question_script=data["questionScript"],
            narrator=narrator,
            language=data["language"],
            audio_url="" if data["questionScript"].strip() else (data["audioURL"] or ""),
        )
        body = AudioQuestionSerializer(question, context=_context(request, team)).data
        return envelope(request, {"question": body}, 201)


class AudioQuestionDetail(GatherView):
    scopes = {"GET": READ}

    @extend_schema(
        operation_id="questions_retrieve",
        summary="Get an audio question",
        parameters=TEAM_PARAMS,
        responses={
            200: _data_schema("AudioQuestion", "question", AudioQuestionSerializer),
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: str) -> Response:
        team = request_team(request)
        question = _get(audio_questions(team), pk, "question")
        body = AudioQuestionSerializer(question, context=_context(request, team)).data
        return envelope(request, {"question": body})


class AudioQuestionAudio(GatherView):
    scopes = {"GET": READ}

    @extend_schema(
        operation_id="questions_audio",
        summary="Download an audio question's MP3",
        description="The prompt as MP3 (range requests supported). 404 while transcriptionStatus "
        "is not completed.",
        parameters=TEAM_PARAMS,
        responses={(200, "audio/mpeg"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request: Request, pk: str) -> HttpResponseBase:
        question = _get(audio_questions(request_team(request)), pk, "question")
        if not question.audio_file:
            raise exceptions.NotFound(
                f"Question {pk} has no audio yet (transcriptionStatus "
                f"{question.transcription_status})."
            )
        return media_response(
            request._request,
            question.audio_file,
            content_type="audio/mpeg",
            filename=f"question-{question.pk}.mp3",
        )


class InterviewQuestions(GatherView):
    scopes = {"GET": READ}

    @extend_schema(
        operation_id="questions_for_interview",
        summary="List an interview's questions",
        description="Audio, survey and AI text questions of the interview, sorted by ordinal. "
        "audioURL is an absolute URL to an MP3 (fetch it with your x-api-key); survey and AI "
        "text questions have audioType and audioURL null.",
        parameters=TEAM_PARAMS,
        responses={
            200: inline_serializer(
                "InterviewQuestionsResponse",
                {
                    "data": inline_serializer(
                        "InterviewQuestionsData",
                        {"questions": InterviewQuestionItemSerializer(many=True)},
                    ),
                    "meta": MetaSerializer(),
                },
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, interview_id: str) -> Response:
        interview = _get(
            Interview.objects.for_team(request_team(request)), interview_id, "interview"
        )
        items = interview_items(interview=interview)
        data = InterviewQuestionItemSerializer(items, many=True, context={"request": request}).data
        return envelope(request, {"questions": data})


# --- survey questions ---------------------------------------------------------------------


def survey_questions(team: Team) -> QuerySet[SurveyQuestion]:
    return (
        SurveyQuestion.objects.for_team(team)
        .prefetch_related(Prefetch("options", queryset=SurveyOption.objects.order_by("ordinal")))
        .order_by("-created_at")
    )


class SurveyQuestionList(GatherView):
    scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        operation_id="survey_questions_list",
        summary="List survey questions",
        parameters=LIST_PARAMS,
        responses={
            200: _data_schema(
                "SurveyQuestionList", "surveyQuestions", SurveyQuestionSerializer, many=True
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        team = request_team(request)
        context = _context(request, team)
        return paginate(
            request,
            _archived_filter(request, survey_questions(team)),
            "surveyQuestions",
            lambda q: SurveyQuestionSerializer(q, context=context).data,
        )

    @extend_schema(
        operation_id="survey_questions_create",
        summary="Create a survey question",
        description="Rules by type: FREE_TEXT takes maxCharacterLength; YES_NO takes "
        "preferredOption and no options; THUMBS_UP_DOWN exactly two options; MULTIPLE_CHOICE two "
        "or more, at most one preferred; MULTIPLE_CHOICE_WEIGHTED a weight on every option and "
        "none preferred; MULTIPLE_CHOICE_MULTIPLE_ANSWER at least one preferred, and "
        "selectAllForFullScore. Every broken rule is listed in errors (e.g. options[1].text)."
        + IGNORED,
        parameters=IDEMPOTENCY_PARAMS,
        request=SurveyQuestionCreateSerializer,
        responses={
            201: _data_schema("SurveyQuestion", "surveyQuestion", SurveyQuestionSerializer),
            **POST_ERRORS,
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data, team, user = _create(request, SurveyQuestionCreateSerializer)
        question = _calling(
            survey_question_create,
            team=team,
            by=user,
            title=data["title"],
            description=data["description"],
            question_text=data["questionText"],
            survey_type=data["type"],
            language=data["language"],
            options=[
                OptionInput(
                    text=o["text"],
                    weight=o.get("weight"),
                    is_preferred=o.get("is_preferred", False),
                )
                for o in data["options"]
            ],
            max_character_length=data["maxCharacterLength"],
            preferred_option=data["preferredOption"] or "",
            select_all_for_full_score=data["selectAllForFullScore"],
        )
        question = survey_questions(team).get(pk=question.pk)
        body = SurveyQuestionSerializer(question, context=_context(request, team)).data
        return envelope(request, {"surveyQuestion": body}, 201)


class SurveyQuestionDetail(GatherView):
    scopes = {"GET": READ}

    @extend_schema(
        operation_id="survey_questions_retrieve",
        summary="Get a survey question",
        parameters=TEAM_PARAMS,
        responses={
            200: _data_schema("SurveyQuestion", "surveyQuestion", SurveyQuestionSerializer),
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: str) -> Response:
        team = request_team(request)
        question = _get(survey_questions(team), pk, "survey question")
        body = SurveyQuestionSerializer(question, context=_context(request, team)).data
        return envelope(request, {"surveyQuestion": body})


# --- AI text questions --------------------------------------------------------------------

DEFAULT_CRITERION = CriterionInput(
    name="Answer quality",
    strong_answer="Answers the question directly, correctly and completely, with reasoning or "
    "examples that support it.",
)


def ai_text_questions(team: Team) -> QuerySet[AITextQuestion]:
    return (
        AITextQuestion.objects.for_team(team)
        .prefetch_related(
            Prefetch("criteria", queryset=RubricCriterion.objects.order_by("ordinal"))
        )
        .order_by("-created_at")
    )


def _criteria(rubric: list[dict[str, Any]] | None) -> Iterator[CriterionInput]:
    if rubric is None:
        yield DEFAULT_CRITERION
        return
    for c in rubric:
        yield CriterionInput(
            name=c["name"],
            strong_answer=c["strong_answer"],
            weight=c["weight"],
            ideal_answer=c["ideal_answer"],
        )


class AITextQuestionList(GatherView):
    scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        operation_id="ai_text_questions_list",
        summary="List AI text questions",
        parameters=LIST_PARAMS,
        responses={
            200: _data_schema(
                "AITextQuestionList", "aiTextQuestions", AITextQuestionSerializer, many=True
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        team = request_team(request)
        context = _context(request, team)
        return paginate(
            request,
            _archived_filter(request, ai_text_questions(team)),
            "aiTextQuestions",
            lambda q: AITextQuestionSerializer(q, context=context).data,
        )

    @extend_schema(
        operation_id="ai_text_questions_create",
        summary="Create an AI text question",
        description="Written answers are scored against the rubric. Without a rubric the question "
        "gets one criterion, “Answer quality” (a direct, correct and complete answer), since "
        "every question needs at least one; send rubric to score on your own criteria." + IGNORED,
        parameters=IDEMPOTENCY_PARAMS,
        request=AITextQuestionCreateSerializer,
        responses={
            201: _data_schema("AITextQuestion", "aiTextQuestion", AITextQuestionSerializer),
            **POST_ERRORS,
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data, team, user = _create(request, AITextQuestionCreateSerializer)
        question = _calling(
            ai_text_question_create,
            team=team,
            by=user,
            title=data["title"],
            description=data["description"],
            question_text=data["questionText"],
            criteria=list(_criteria(data.get("rubric"))),
            language=data["language"],
            max_answer_length=data["maxAnswerLength"],
        )
        question = ai_text_questions(team).get(pk=question.pk)
        body = AITextQuestionSerializer(question, context=_context(request, team)).data
        return envelope(request, {"aiTextQuestion": body}, 201)


class AITextQuestionDetail(GatherView):
    scopes = {"GET": READ}

    @extend_schema(
        operation_id="ai_text_questions_retrieve",
        summary="Get an AI text question",
        parameters=TEAM_PARAMS,
        responses={
            200: _data_schema("AITextQuestion", "aiTextQuestion", AITextQuestionSerializer),
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: str) -> Response:
        team = request_team(request)
        question = _get(ai_text_questions(team), pk, "AI text question")
        body = AITextQuestionSerializer(question, context=_context(request, team)).data
        return envelope(request, {"aiTextQuestion": body})


urlpatterns: list[URLPattern] = [
    path("questions", AudioQuestionList.as_view(), name="questions"),
    path(
        "questions/interview/<str:interview_id>",
        InterviewQuestions.as_view(),
        name="interview_questions",
    ),
    path("questions/<str:pk>/audio.mp3", AudioQuestionAudio.as_view(), name="question_audio"),
    path("questions/<str:pk>", AudioQuestionDetail.as_view(), name="question"),
    path("survey-questions", SurveyQuestionList.as_view(), name="survey_questions"),
    path("survey-questions/<str:pk>", SurveyQuestionDetail.as_view(), name="survey_question"),
    path("ai-text-questions", AITextQuestionList.as_view(), name="ai_text_questions"),
    path("ai-text-questions/<str:pk>", AITextQuestionDetail.as_view(), name="ai_text_question"),
]
