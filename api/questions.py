"""Audio, survey and AI text questions (``/questions``, ``/survey-questions``,
``/ai-text-questions``), an interview's questions, and the MP3 of an audio question.

The three kinds share one shape: ``QuestionList`` (list and create) and ``QuestionDetail``
(read), given the kind's ``Kind`` (its queryset, output serializer and keys); each kind's view
keeps its own schema, its input serializer and ``create``, the call to its own service."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import Prefetch
from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions

from api.auth import request_team, request_user
from api.base import GatherView
from api.dialect import (
    PAGE_PARAMS,
    TEAM_PARAM,
    envelope_of,
    get_or_404,
    page_of,
    service_errors,
)
from api.idempotency import idempotent
from api.responses import envelope, paginate
from api.serializers import rows_of
from api.serializers.questions import (
    AITextQuestionCreateIn,
    AITextQuestionOut,
    AudioQuestionCreateIn,
    AudioQuestionOut,
    InterviewQuestionItemOut,
    SurveyQuestionCreateIn,
    SurveyQuestionOut,
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
    import uuid
    from collections.abc import Callable, Iterator

    from django.db.models import Model, QuerySet
    from django.http import HttpResponseBase
    from rest_framework import serializers
    from rest_framework.request import Request
    from rest_framework.response import Response

    from accounts.models import Team

READ, WRITE = "questions:read", "questions:write"
IGNORED = " Fields not listed here are ignored."
TEAM_PARAMS = [TEAM_PARAM]
LIST_PARAMS = [
    TEAM_PARAM,
    *PAGE_PARAMS,
    OpenApiParameter(
        "archived",
        OpenApiTypes.BOOL,
        description="true lists only archived questions; false (default) only live ones.",
    ),
]
ERRORS = {
    400: OpenApiResponse(description="Invalid request; see errors."),
    401: OpenApiResponse(description="No valid x-api-key."),
    403: OpenApiResponse(description="The key lacks the scope named."),
    404: OpenApiResponse(description="No such object in this team."),
    429: OpenApiResponse(description="Rate limit reached; see Retry-After."),
}
POST_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(description="Same Idempotency-Key still running."),
    422: OpenApiResponse(description="Idempotency-Key reused, other body."),
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


def _archived_filter(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    archived = (request.query_params.get("archived") or "false").lower()
    if archived not in ("true", "false"):
        raise exceptions.ValidationError({"archived": ["Must be true or false."]})
    return queryset.filter(archived_at__isnull=archived == "false")


def audio_questions(team: Team) -> QuerySet[AudioQuestion]:
    return AudioQuestion.objects.for_team(team).order_by("-created_at")


def survey_questions(team: Team) -> QuerySet[SurveyQuestion]:
    return (
        SurveyQuestion.objects.for_team(team)
        .prefetch_related(Prefetch("options", queryset=SurveyOption.objects.order_by("ordinal")))
        .order_by("-created_at")
    )


def ai_text_questions(team: Team) -> QuerySet[AITextQuestion]:
    return (
        AITextQuestion.objects.for_team(team)
        .prefetch_related(
            Prefetch("criteria", queryset=RubricCriterion.objects.order_by("ordinal"))
        )
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class Kind:
    """How the API reads and shows one kind of question."""

    what: str  # in a 404: "No survey question … in this team."
    key: str  # the key of one question in ``data``
    list_key: str  # the key of a page of them
    questions: Callable[[Team], QuerySet[Any]]
    out: type[serializers.Serializer]

    def render(self, question: Model, request: Request, team: Team) -> Any:
        return self.out(question, context={"request": request, "team": team}).data

    def rows(self, request: Request, team: Team) -> Callable[[Model], Any]:
        """A page's rows, through one serializer (``api.serializers.rows_of``)."""
        return rows_of(self.out, request=request, team=team)


AUDIO = Kind("question", "question", "questions", audio_questions, AudioQuestionOut)
SURVEY = Kind(
    "survey question", "surveyQuestion", "surveyQuestions", survey_questions, SurveyQuestionOut
)
AI_TEXT = Kind(
    "AI text question", "aiTextQuestion", "aiTextQuestions", ai_text_questions, AITextQuestionOut
)


# GET: a page of the kind's live (or archived) questions. POST: parse ``create_in``, call
# ``create`` (the kind's service) and answer the new question, service errors under the API's
# field names (``RENAMES``). (Comments, not docstrings: a view's docstring is its description
# in the OpenAPI schema.)
class QuestionList(GatherView, ABC):
    scopes = {"GET": READ, "POST": WRITE}
    kind: ClassVar[Kind]
    create_in: ClassVar[type[serializers.Serializer]]

    def get(self, request: Request) -> Response:
        team = request_team(request)
        questions = _archived_filter(request, self.kind.questions(team))
        return paginate(request, questions, self.kind.list_key, self.kind.rows(request, team))

    @idempotent
    def post(self, request: Request) -> Response:
        body = self.create_in(data=request.data)
        body.is_valid(raise_exception=True)
        team, by = request_team(request), request_user(request)
        with service_errors(RENAMES):
            question = self.create(body.validated_data, team=team, by=by)
        return envelope(request, {self.kind.key: self.kind.render(question, request, team)}, 201)

    @abstractmethod
    def create(self, data: dict[str, Any], *, team: Team, by: Any) -> Model:
        """Each kind's create service, called with the validated body."""


class QuestionDetail(GatherView):
    scopes = {"GET": READ}
    kind: ClassVar[Kind]

    @property
    def what(self) -> str:
        return self.kind.what

    def get(self, request: Request, pk: uuid.UUID) -> Response:
        team = request_team(request)
        question = get_or_404(self.kind.questions(team), pk, self.kind.what)
        return envelope(request, {self.kind.key: self.kind.render(question, request, team)})


# --- audio questions ----------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="questions_list",
        summary="List audio questions",
        parameters=LIST_PARAMS,
        responses={200: page_of("AudioQuestionList", "questions", AudioQuestionOut), **ERRORS},
    ),
    post=extend_schema(
        operation_id="questions_create",
        summary="Create an audio question",
        description="With questionScript (and optionally narratorId) the question is created at "
        "once and text-to-speech runs in the background: transcriptionStatus is pending and "
        "audioURL null until it completes. An audioURL without a questionScript is kept as the "
        'prompt (audioType "url") and played from there; this server never fetches it.' + IGNORED,
        parameters=IDEMPOTENCY_PARAMS,
        request=AudioQuestionCreateIn,
        responses={
            201: envelope_of("AudioQuestion", "question", AudioQuestionOut),
            **POST_ERRORS,
        },
    ),
)
class AudioQuestionList(QuestionList):
    kind, create_in = AUDIO, AudioQuestionCreateIn

    def create(self, data: dict[str, Any], *, team: Team, by: Any) -> Model:
        narrator = None
        if data["narratorId"]:
            narrator = Narrator.objects.for_team(team).filter(pk=data["narratorId"]).first()
            if narrator is None:
                raise exceptions.ValidationError(
                    {"narratorId": ["No narrator of this team has that id; see GET /narrators."]}
                )
        # Rendered as created: text-to-speech may already have moved on.
        return audio_question_create(
            team=team,
            by=by,
            title=data["title"],
            description=data["description"],
            question_script=data["questionScript"],
            narrator=narrator,
            language=data["language"],
            audio_url="" if data["questionScript"].strip() else (data["audioURL"] or ""),
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="questions_retrieve",
        summary="Get an audio question",
        parameters=TEAM_PARAMS,
        responses={200: envelope_of("AudioQuestion", "question", AudioQuestionOut), **ERRORS},
    )
)
class AudioQuestionDetail(QuestionDetail):
    kind = AUDIO


class AudioQuestionAudio(GatherView):
    scopes = {"GET": READ}
    what = AUDIO.what

    @extend_schema(
        operation_id="questions_audio",
        summary="Download an audio question's MP3",
        description="The prompt as MP3 (range requests supported), with your x-api-key; "
        "audioURL is a signed link to the same file that needs none. 404 while "
        "transcriptionStatus is not completed.",
        parameters=TEAM_PARAMS,
        responses={(200, "audio/mpeg"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request: Request, pk: uuid.UUID) -> HttpResponseBase:
        question = get_or_404(audio_questions(request_team(request)), pk, self.what)
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
    what = "interview"

    @extend_schema(
        operation_id="questions_for_interview",
        summary="List an interview's questions",
        description="Audio, survey and AI text questions of the interview, sorted by ordinal. "
        "audioURL is a signed absolute URL to an MP3 that plays without a key and expires "
        "after MEDIA_URL_TTL_SECONDS (4 hours by default); survey and AI text questions have "
        "audioType and audioURL null.",
        parameters=TEAM_PARAMS,
        responses={
            200: envelope_of(
                "InterviewQuestions", "questions", InterviewQuestionItemOut, many=True
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, interview_id: uuid.UUID) -> Response:
        interviews = Interview.objects.for_team(request_team(request))
        interview = get_or_404(interviews, interview_id, self.what)
        items = interview_items(interview=interview)
        data = InterviewQuestionItemOut(items, many=True, context={"request": request}).data
        return envelope(request, {"questions": data})


# --- survey questions ---------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="survey_questions_list",
        summary="List survey questions",
        parameters=LIST_PARAMS,
        responses={
            200: page_of("SurveyQuestionList", "surveyQuestions", SurveyQuestionOut),
            **ERRORS,
        },
    ),
    post=extend_schema(
        operation_id="survey_questions_create",
        summary="Create a survey question",
        description="Rules by type: FREE_TEXT takes maxCharacterLength; YES_NO takes "
        "preferredOption and no options; THUMBS_UP_DOWN exactly two options; MULTIPLE_CHOICE two "
        "or more, at most one preferred; MULTIPLE_CHOICE_WEIGHTED a weight on every option and "
        "none preferred; MULTIPLE_CHOICE_MULTIPLE_ANSWER at least one preferred, and "
        "selectAllForFullScore. Every broken rule is listed in errors (e.g. options[1].text)."
        + IGNORED,
        parameters=IDEMPOTENCY_PARAMS,
        request=SurveyQuestionCreateIn,
        responses={
            201: envelope_of("SurveyQuestion", "surveyQuestion", SurveyQuestionOut),
            **POST_ERRORS,
        },
    ),
)
class SurveyQuestionList(QuestionList):
    kind, create_in = SURVEY, SurveyQuestionCreateIn

    def create(self, data: dict[str, Any], *, team: Team, by: Any) -> Model:
        question = survey_question_create(
            team=team,
            by=by,
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
        return survey_questions(team).get(pk=question.pk)


@extend_schema_view(
    get=extend_schema(
        operation_id="survey_questions_retrieve",
        summary="Get a survey question",
        parameters=TEAM_PARAMS,
        responses={
            200: envelope_of("SurveyQuestion", "surveyQuestion", SurveyQuestionOut),
            **ERRORS,
        },
    )
)
class SurveyQuestionDetail(QuestionDetail):
    kind = SURVEY


# --- AI text questions --------------------------------------------------------------------

DEFAULT_CRITERION = CriterionInput(
    name="Answer quality",
    strong_answer="Answers the question directly, correctly and completely, with reasoning or "
    "examples that support it.",
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


@extend_schema_view(
    get=extend_schema(
        operation_id="ai_text_questions_list",
        summary="List AI text questions",
        parameters=LIST_PARAMS,
        responses={
            200: page_of("AITextQuestionList", "aiTextQuestions", AITextQuestionOut),
            **ERRORS,
        },
    ),
    post=extend_schema(
        operation_id="ai_text_questions_create",
        summary="Create an AI text question",
        description="Written answers are scored against the rubric. Without a rubric the question "
        "gets one criterion, “Answer quality” (a direct, correct and complete answer), since "
        "every question needs at least one; send rubric to score on your own criteria." + IGNORED,
        parameters=IDEMPOTENCY_PARAMS,
        request=AITextQuestionCreateIn,
        responses={
            201: envelope_of("AITextQuestion", "aiTextQuestion", AITextQuestionOut),
            **POST_ERRORS,
        },
    ),
)
class AITextQuestionList(QuestionList):
    kind, create_in = AI_TEXT, AITextQuestionCreateIn

    def create(self, data: dict[str, Any], *, team: Team, by: Any) -> Model:
        question = ai_text_question_create(
            team=team,
            by=by,
            title=data["title"],
            description=data["description"],
            question_text=data["questionText"],
            criteria=list(_criteria(data.get("rubric"))),
            language=data["language"],
            max_answer_length=data["maxAnswerLength"],
        )
        return ai_text_questions(team).get(pk=question.pk)


@extend_schema_view(
    get=extend_schema(
        operation_id="ai_text_questions_retrieve",
        summary="Get an AI text question",
        parameters=TEAM_PARAMS,
        responses={
            200: envelope_of("AITextQuestion", "aiTextQuestion", AITextQuestionOut),
            **ERRORS,
        },
    )
)
class AITextQuestionDetail(QuestionDetail):
    kind = AI_TEXT


urlpatterns: list[URLPattern] = [
    path("questions", AudioQuestionList.as_view(), name="questions"),
    path(
        "questions/interview/<uuid:interview_id>",
        InterviewQuestions.as_view(),
        name="interview_questions",
    ),
    path("questions/<uuid:pk>/audio.mp3", AudioQuestionAudio.as_view(), name="question_audio"),
    path("questions/<uuid:pk>", AudioQuestionDetail.as_view(), name="question"),
    path("survey-questions", SurveyQuestionList.as_view(), name="survey_questions"),
    path("survey-questions/<uuid:pk>", SurveyQuestionDetail.as_view(), name="survey_question"),
    path("ai-text-questions", AITextQuestionList.as_view(), name="ai_text_questions"),
    path("ai-text-questions/<uuid:pk>", AITextQuestionDetail.as_view(), name="ai_text_question"),
]
