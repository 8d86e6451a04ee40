"""``/interviews``: create (standard only), read, list, update, archive, bulk status, copy."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import client_ip
from accounts.models import Team
from api.auth import request_team, request_user
from api.base import GatherView
from api.dialect import (
    PAGE_PARAMS,
    TEAM_PARAM,
    envelope_of,
    get_or_404,
    not_found,
    page_of,
    service_errors,
)
from api.keys import api_key_teams
from api.responses import envelope, paginate
from api.serializers import rows_of
from api.serializers.interviews import (
    AgentSecretOut,
    InterviewBulkIn,
    InterviewBulkOut,
    InterviewBulkUpdateIn,
    InterviewBulkUpdateOut,
    InterviewCopyIn,
    InterviewCreateIn,
    InterviewDetailOut,
    InterviewOut,
    InterviewUpdateIn,
)
from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    Narrator,
    SurveyQuestion,
)
from interviews.selectors import interview_items, interview_list
from interviews.services.copy import interview_copy
from interviews.services.interviews import (
    interview_agent_secret_rotate,
    interview_bulk_set_status,
    interview_create,
    interview_questions_replace,
    interview_set_status,
    interview_update,
)

READ, WRITE = "interviews:read", "interviews:write"
# Settings the API edits, by their API name.
SETTINGS = {
    "title": "title",
    "displayName": "display_name",
    "description": "description",
    "descriptionUrl": "description_url",
    "language": "language",
    "status": "status",
    "resume": "resume",
    "webOnly": "web_only",
    "integrityFacts": "integrity_facts",
}
ERROR_NAMES = {
    "question": "questionIds",
    "knockout": "surveyQuestions",
    "narrator": "narratorId",
    "ids": "interviewIds",
}


def _interviews(team: Team) -> QuerySet[Interview]:
    return Interview.objects.for_team(team).select_related("team")


def interview_detail(interview: Interview) -> dict[str, Any]:
    fresh = _interviews(interview.team).get(pk=interview.pk)
    fresh.api_items = interview_items(interview=fresh)  # type: ignore[attr-defined]
    fresh.api_keywords = [k.text for k in fresh.keywords.all()]  # type: ignore[attr-defined]
    return InterviewDetailOut(fresh).data


KINDS: dict[str, type[Any]] = {
    InterviewQuestion.Kind.AUDIO: AudioQuestion,
    InterviewQuestion.Kind.SURVEY: SurveyQuestion,
    InterviewQuestion.Kind.AI_TEXT: AITextQuestion,
}


def _questions(model: type[Any], team: Team, ids: list[Any], field: str) -> list[Any]:
    """The team's questions with ``ids``, in that order; a 404 naming the first unknown one,
    a 400 naming ``field`` for one that is a question of the team of another kind."""
    found = {q.pk: q for q in model.objects.for_team(team).filter(pk__in=ids)}
    for index, pk in enumerate(ids):
        if pk in found:
            continue
        for kind, other in KINDS.items():
            if other is not model and other.objects.for_team(team).filter(pk=pk).exists():
                what = model._meta.verbose_name
                raise exceptions.ValidationError(
                    {field: [f"Item {index}: {pk} is a {kind} question, not a {what}."]}
                )
        # Neither kind: the API's 404 for an unknown id, naming the field.
        raise not_found(model._meta.verbose_name, pk, where=f"in this team ({field})")
    return [found[pk] for pk in ids]


def _mixed_questions(team: Team, refs: list[dict[str, Any]]) -> list[Any]:
    """``questions`` of all kinds, in the order given (each looked up by its stated kind)."""
    by_kind: dict[str, dict[Any, Any]] = {}
    for kind, model in KINDS.items():
        ids = [r["id"] for r in refs if r["kind"] == kind]
        if ids:
            by_kind[kind] = {q.pk: q for q in _questions(model, team, ids, "questions")}
    return [by_kind[r["kind"]][r["id"]] for r in refs]


def _narrator(team: Team, pk: Any) -> Narrator | None:
    if pk is None:
        return None
    return get_or_404(Narrator.objects.for_team(team), pk, "narrator")


class InterviewList(GatherView):
    scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        summary="List interviews",
        operation_id="interviews_list",
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("search", str, description="Matches the title or display name."),
            OpenApiParameter("archived", bool, description="Include archived interviews."),
            OpenApiParameter("interviewType", str, enum=Interview.InterviewType.values),
            TEAM_PARAM,
        ],
        responses=page_of("InterviewList", "interviews", InterviewOut),
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        archived = (params.get("archived") or "false").lower()
        if archived not in ("true", "false"):
            raise exceptions.ValidationError({"archived": ["Must be true or false."]})
        interview_type = params.get("interviewType", "")
        if interview_type and interview_type not in Interview.InterviewType.values:
            raise exceptions.ValidationError(
                {"interviewType": ["Use standard, questionnaire or ai."]}
            )
        interviews = interview_list(
            team=request_team(request),
            include_archived=archived == "true",
            filters={"q": params.get("search", ""), "type": interview_type},
        ).select_related("team")
        return paginate(request, interviews, "interviews", rows_of(InterviewOut))

    @extend_schema(
        summary="Create an interview",
        description="Standard interviews only; questionnaire interviews are made in the "
        "dashboard. `questionIds` are audio questions, asked in that order, followed by "
        "`surveyQuestions`; or `questions` lists questions of all three kinds "
        '(`{"id", "kind": "audio" | "survey" | "ai_text", "knockout"}`) in the order to ask '
        "them. An id of another kind than its field (or `kind`) says is a 400 naming the "
        "field; an id that is no question of the team is a 404.",
        request=InterviewCreateIn,
        responses={201: envelope_of("InterviewCreate", "interview", InterviewDetailOut)},
    )
    def post(self, request: Request) -> Response:
        body = InterviewCreateIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team, by = request_team(request), request_user(request)
        audio = _questions(AudioQuestion, team, data.get("questionIds", []), "questionIds")
        refs = data.get("surveyQuestions", [])
        surveys = _questions(SurveyQuestion, team, [r["id"] for r in refs], "surveyQuestions")
        if "questions" in data:
            refs = data["questions"]
            audio, surveys = [], _mixed_questions(team, refs)
        fields = {
            SETTINGS[name]: data[name]
            for name in ("displayName", "description", "descriptionUrl", "language", "resume")
            if name in data
        }
        if "webOnly" in data:
            fields["web_only"] = data["webOnly"]
        if "integrityFacts" in data:
            fields["integrity_facts"] = data["integrityFacts"]
        if "narratorId" in data:
            fields["narrator"] = _narrator(team, data["narratorId"])
        with service_errors(ERROR_NAMES):
            interview = interview_create(
                team=team,
                title=data["title"],
                by=by,
                questions=[*audio, *surveys],
                knockout_ids={r["id"] for r in refs if r["knockout"]},
                keywords=data.get("keywords", []),
                ip=client_ip(request),
                interview_type=Interview.InterviewType.STANDARD,
                **fields,
            )
        return envelope(request, {"interview": interview_detail(interview)}, 201)


class InterviewBulk(GatherView):
    scopes = {"PATCH": WRITE}

    @extend_schema(
        summary="Bulk update interviews",
        description="Set the status of up to 100 interviews at once: "
        '`{"interviewIds": ["…"], "status": 2}`. All or nothing: if any id is not an '
        "interview of the team, nothing changes and the answer is a 404 naming it.",
        request=InterviewBulkIn,
        parameters=[TEAM_PARAM],
        responses=envelope_of("InterviewBulk", "result", InterviewBulkOut),
    )
    def patch(self, request: Request) -> Response:
        body = InterviewBulkIn(data=request.data)
        body.is_valid(raise_exception=True)
        ids, status = body.validated_data["interviewIds"], body.validated_data["status"]
        team = request_team(request)
        known = set(
            Interview.objects.for_team(team).filter(pk__in=ids).values_list("pk", flat=True)
        )
        if missing := [str(i) for i in ids if i not in known]:
            raise exceptions.NotFound(f"No interview {', '.join(missing)} in this team.")
        with service_errors(ERROR_NAMES):
            changed = interview_bulk_set_status(team=team, ids=ids, status=status)
        result = {
            "interviewIds": list(dict.fromkeys(ids)),
            "status": status,
            "updatedCount": changed,
        }
        return envelope(request, {"result": InterviewBulkOut(result).data})


class InterviewBulkUpdate(GatherView):
    scopes = {"PATCH": WRITE}

    @extend_schema(
        summary="Bulk update interviews (Gather)",
        operation_id="interviews_bulk_update",
        description="The same settings (`status`, `description`, `descriptionUrl`, "
        "`language`, `resume`, `webOnly`, `integrityFacts`) and keywords on up to 100 "
        "interviews, by the service the interview settings page uses. `mode` merge "
        "(default): `keywords` are added and `removedKeywords` removed; overwrite: "
        "`keywords` become each interview's keywords. All or nothing: an id that is not an "
        "interview of the team is a 404 naming it, and a 400 on any interview changes none.",
        request=InterviewBulkUpdateIn,
        parameters=[TEAM_PARAM],
        responses=envelope_of("InterviewBulkUpdate", "result", InterviewBulkUpdateOut),
    )
    def patch(self, request: Request) -> Response:
        body = InterviewBulkUpdateIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ids = data["interviewIds"]
        found = {i.pk: i for i in _interviews(request_team(request)).filter(pk__in=ids)}
        if missing := [str(i) for i in ids if i not in found]:
            raise exceptions.NotFound(f"No interview {', '.join(missing)} in this team.")
        fields = {model: data[name] for name, model in SETTINGS.items() if name in data}
        keywords: dict[str, Any] = {}
        if data["mode"] == "overwrite":
            if "keywords" in data:
                keywords["keywords"] = data["keywords"]
        else:
            keywords["keywords_add"] = data.get("keywords", [])
            keywords["keywords_remove"] = data.get("removedKeywords", [])
        with service_errors(ERROR_NAMES), transaction.atomic():
            for pk in ids:
                interview_update(interview=found[pk], **keywords, **fields)
        result = {"interviewIds": ids, "mode": data["mode"], "updatedCount": len(ids)}
        return envelope(request, {"result": InterviewBulkUpdateOut(result).data})


class InterviewDetail(GatherView):
    scopes = {"GET": READ, "PATCH": WRITE, "DELETE": WRITE}
    what = "interview"

    @extend_schema(
        summary="Get an interview",
        parameters=[TEAM_PARAM],
        responses=envelope_of("InterviewGet", "interview", InterviewDetailOut),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        interview = get_or_404(_interviews(request_team(request)), pk, "interview")
        return envelope(request, {"interview": interview_detail(interview)})

    @extend_schema(
        summary="Update an interview",
        description="`questionIds` and `surveyQuestions` replace the interview's audio and "
        "survey questions (in that order); `keywords` are added, `removedKeywords` removed.",
        request=InterviewUpdateIn,
        parameters=[TEAM_PARAM],
        responses=envelope_of("InterviewUpdate", "interview", InterviewDetailOut),
    )
    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        team = request_team(request)
        interview = get_or_404(_interviews(team), pk, "interview")
        body = InterviewUpdateIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        fields = {model: data[name] for name, model in SETTINGS.items() if name in data}
        if "narratorId" in data:
            fields["narrator"] = _narrator(team, data["narratorId"])
        audio = (
            _questions(AudioQuestion, team, data["questionIds"], "questionIds")
            if "questionIds" in data
            else None
        )
        refs = data.get("surveyQuestions")
        surveys = (
            _questions(SurveyQuestion, team, [r["id"] for r in refs], "surveyQuestions")
            if refs is not None
            else None
        )
        keywords_add, keywords_remove = data.get("keywords", []), data.get("removedKeywords", [])
        with service_errors(ERROR_NAMES), transaction.atomic():
            if fields or keywords_add or keywords_remove:
                interview_update(
                    interview=interview,
                    keywords_add=keywords_add,
                    keywords_remove=keywords_remove,
                    **fields,
                )
            if audio is not None:
                interview_questions_replace(
                    interview=interview, kind=InterviewQuestion.Kind.AUDIO, questions=audio
                )
            if surveys is not None and refs is not None:
                interview_questions_replace(
                    interview=interview,
                    kind=InterviewQuestion.Kind.SURVEY,
                    questions=surveys,
                    knockout_ids={r["id"] for r in refs if r["knockout"]},
                )
        return envelope(request, {"interview": interview_detail(interview)})

    @extend_schema(
        summary="Archive an interview",
        description="Archives (status 3, `archivedAt` set); nothing is deleted. "
        "PATCH the status back to 0 to restore it.",
        parameters=[
            TEAM_PARAM,
            OpenApiParameter("userId", str, description="The member performing the archive."),
        ],
        # A DELETE defaults to 204 in the schema; this one answers 200 with the interview.
        responses={200: envelope_of("InterviewArchive", "interview", InterviewDetailOut)},
    )
    def delete(self, request: Request, pk: uuid.UUID) -> Response:
        interview = get_or_404(_interviews(request_team(request)), pk, "interview")
        request_user(request)  # an unknown userId is a 400, as on every write
        with service_errors(ERROR_NAMES):
            interview_set_status(interview=interview, status=Interview.Status.ARCHIVED)
        return envelope(request, {"interview": interview_detail(interview)})


class InterviewCopy(GatherView):
    scopes = {"POST": WRITE}
    what = "interview"

    @extend_schema(
        summary="Copy an interview",
        description="Into `teamId` (a team the key reaches: a team key only its own team, an "
        "organization key any team of the organization that its creator owns or administers), "
        "or into the same team with "
        "“(copy)” appended to the title. Another team gets copies of the questions; the same "
        "team reuses them. Keywords only with `copyKeywords`; scorecard templates always.",
        request=InterviewCopyIn,
        responses={201: envelope_of("InterviewCopy", "interview", InterviewDetailOut)},
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        api_key = request.auth
        body = InterviewCopyIn(data=request.data)
        body.is_valid(raise_exception=True)
        teams = api_key_teams(api_key)
        reach = Interview.objects.filter(team__in=teams)
        interview = get_or_404(reach.select_related("team"), pk, "interview")
        to_team = interview.team
        if (target := body.validated_data.get("teamId")) is not None:
            to_team = teams.filter(pk=target).first()
            if to_team is None:
                raise exceptions.NotFound(f"No team {target} is reachable with this key.")
        with service_errors(ERROR_NAMES | {"team": "teamId"}):
            copy = interview_copy(
                interview=interview,
                to_team=to_team,
                by=api_key.created_by,
                copy_keywords=body.validated_data["copyKeywords"],
                ip=client_ip(request),
            )
        return envelope(request, {"interview": interview_detail(copy)}, 201)


class InterviewAgentSecret(GatherView):
    scopes = {"POST": WRITE}
    what = "interview"

    @extend_schema(
        summary="Issue the AI agent's secret",
        description="A new secret for the voice agent of this interview (the previous one "
        "stops working). The agent sends it as `X-Agent-Secret` to the turns, history and "
        "finalize endpoints of the interview's candidate interviews. Shown only once.",
        request=None,
        parameters=[TEAM_PARAM],
        responses={201: envelope_of("InterviewAgentSecret", "agent", AgentSecretOut)},
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        interview = get_or_404(Interview.objects.for_team(request_team(request)), pk, "interview")
        secret = interview_agent_secret_rotate(interview=interview)
        return envelope(request, {"agent": {"agentSecret": secret}}, 201)


urlpatterns = [
    path("interviews", InterviewList.as_view(), name="interviews"),
    path("interviews/bulk", InterviewBulk.as_view(), name="interviews-bulk"),
    path("interviews/bulk-update", InterviewBulkUpdate.as_view(), name="interviews-bulk-update"),
    path("interviews/<uuid:pk>", InterviewDetail.as_view(), name="interview"),
    path("interviews/<uuid:pk>/copy", InterviewCopy.as_view(), name="interview-copy"),
    path(
        "interviews/<uuid:pk>/agent-secret",
        InterviewAgentSecret.as_view(),
        name="interview-agent-secret",
    ),
]
