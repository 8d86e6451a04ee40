"""``/candidates``, ``/candidate-interviews`` (invites), and the AI voice-interview turns."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import path
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from api import privacy
from api.auth import ApiKeyAuthentication, request_team, request_user
from api.base import GatherView
from api.dialect import (
    PAGE_PARAMS,
    TEAM_PARAM,
    Conflict,
    envelope_of,
    get_or_404,
    page_of,
    service_errors,
)
from api.responses import envelope, paginate, problem
from api.serializers import rows_of
from api.serializers.candidates import (
    CandidateCreateIn,
    CandidateInterviewCreateIn,
    CandidateInterviewDetailOut,
    CandidateInterviewOut,
    CandidateInterviewStatusIn,
    CandidateInterviewUpdateIn,
    CandidateOut,
    CandidateUpdateIn,
    FinalizeIn,
    ResultsOut,
    TurnCreateIn,
    TurnOut,
    TurnUpdateIn,
    latest_evaluation,
)
from candidates.models import (
    Answer,
    Candidate,
    CandidateInterview,
    Evaluation,
    Scorecard,
    Turn,
)
from candidates.scores import Scores, scores_annotated, scores_of
from candidates.services.candidates import DuplicateCandidate, candidate_create, candidate_update
from candidates.services.invites import (
    DuplicateInvite,
    invite_cancel,
    invite_create,
    invite_extend,
    invite_remind,
    invite_resend,
    invite_send,
)
from candidates.services.review import BULK_DECIDE_MAX, invite_decide_bulk
from candidates.services.turns import (
    candidate_interview_finalize,
    turn_create,
    turn_update,
)
from interviews.models import Interview

CANDIDATES_READ, CANDIDATES_WRITE = "candidates:read", "candidates:write"
READ, WRITE = "interviews:read", "interviews:write"
INVITE_ERRORS = {"until": "expiresAt", "time_zone": "timezone", "personal_note": "personalNote"}
# An invite's status that forbids the change is a 409, not bad input.
STATUS = {"status"}


# ---------------------------------------------------------------- candidates


def _duplicate(request: Request, exc: DuplicateCandidate) -> Response:
    return problem(
        request,
        409,
        f"A candidate with this email already exists in this team: {exc.existing.pk}.",
        existingCandidateId=str(exc.existing.pk),
    )


class CandidateList(GatherView):
    scopes = {"GET": CANDIDATES_READ, "POST": CANDIDATES_WRITE}

    @extend_schema(
        summary="List candidates",
        operation_id="candidates_list",
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("search", str, description="Matches the name or email."),
            TEAM_PARAM,
        ],
        responses=page_of("CandidateList", "candidates", CandidateOut),
    )
    def get(self, request: Request) -> Response:
        candidates = Candidate.objects.for_team(request_team(request)).order_by("-created_at")
        if q := request.query_params.get("search", "").strip():
            candidates = candidates.filter(
                Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
            )
        return paginate(request, candidates, "candidates", rows_of(CandidateOut))

    @extend_schema(
        summary="Create a candidate",
        description="Emails are unique per team (ignoring case): a second candidate with the "
        "same email is a 409 whose `existingCandidateId` names the one that exists. "
        "`phone` must be E.164 (+ and the country code).",
        request=CandidateCreateIn,
        responses={201: envelope_of("CandidateCreate", "candidate", CandidateOut)},
    )
    def post(self, request: Request) -> Response:
        body = CandidateCreateIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team, by = request_team(request), request_user(request)
        with service_errors():
            try:
                candidate = candidate_create(
                    team=team,
                    by=by,
                    first_name=data["firstName"],
                    last_name=data.get("lastName", ""),
                    email=data.get("email", ""),
                    phone=data.get("phone", ""),
                    external_id=data.get("externalId", ""),
                )
            except DuplicateCandidate as exc:
                return _duplicate(request, exc)
        return envelope(request, {"candidate": CandidateOut(candidate).data}, 201)


class CandidateDetail(GatherView):
    scopes = {"GET": CANDIDATES_READ, "PATCH": CANDIDATES_WRITE, "DELETE": CANDIDATES_WRITE}
    what = "candidate"

    @privacy.erase_schema
    def delete(self, request: Request, pk: uuid.UUID) -> Response:
        return privacy.erase(request, pk)

    @extend_schema(
        summary="Get a candidate",
        parameters=[TEAM_PARAM],
        responses=envelope_of("CandidateGet", "candidate", CandidateOut),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        candidate = get_or_404(Candidate.objects.for_team(request_team(request)), pk, "candidate")
        return envelope(request, {"candidate": CandidateOut(candidate).data})

    @extend_schema(
        summary="Update a candidate",
        description="Changes the fields sent; an empty string clears an optional one.",
        request=CandidateUpdateIn,
        responses=envelope_of("CandidateUpdate", "candidate", CandidateOut),
    )
    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        candidate = get_or_404(Candidate.objects.for_team(request_team(request)), pk, "candidate")
        body = CandidateUpdateIn(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with service_errors():
            try:
                candidate = candidate_update(
                    candidate=candidate,
                    first_name=data.get("firstName"),
                    last_name=data.get("lastName"),
                    email=data.get("email"),
                    phone=data.get("phone"),
                    external_id=data.get("externalId"),
                )
            except DuplicateCandidate as exc:
                return _duplicate(request, exc)
        return envelope(request, {"candidate": CandidateOut(candidate).data})


# ---------------------------------------------------------------- candidate interviews


def _invites(team: Any) -> QuerySet[CandidateInterview]:
    return CandidateInterview.objects.for_team(team)


def _detail(invite: CandidateInterview) -> dict[str, Any]:
    """The invite with its answers, transcript, evaluation and scorecards, in a fixed number
    of queries."""
    answers: QuerySet[Answer] = (
        Answer.objects.select_related(
            "interview_question__audio_question",
            "interview_question__survey_question",
            "interview_question__ai_text_question",
        )
        .prefetch_related("selected_options")
        .order_by("created_at")
    )
    full = (
        scores_annotated(CandidateInterview.objects.filter(pk=invite.pk))
        .prefetch_related(
            Prefetch("answers", queryset=answers),
            Prefetch("turns", queryset=Turn.objects.order_by("turn_number")),
            Prefetch("evaluations", queryset=Evaluation.objects.prefetch_related("scores")),
            Prefetch(
                "scorecards",
                queryset=Scorecard.objects.prefetch_related("ratings__criterion"),
            ),
        )
        .get()
    )
    return CandidateInterviewDetailOut(full).data


def _duplicate_invite(request: Request, exc: DuplicateInvite) -> Response:
    message = exc.messages[0]
    return problem(
        request,
        409,
        message,
        errors=[{"field": "candidateId", "message": message, "code": "duplicate"}],
        existingCandidateInterviewId=str(exc.existing.pk),
    )


class CandidateInterviewList(GatherView):
    scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        summary="List candidate interviews",
        operation_id="candidate_interviews_list",
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("status", str, enum=CandidateInterview.Status.values),
            OpenApiParameter("interviewId", OpenApiTypes.UUID),
            OpenApiParameter("candidateId", OpenApiTypes.UUID),
            TEAM_PARAM,
        ],
        responses=page_of("CandidateInterviewList", "candidateInterviews", CandidateInterviewOut),
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        invites = _invites(request_team(request)).order_by("-created_at")
        if status := params.get("status"):
            if status not in CandidateInterview.Status.values:
                raise exceptions.ValidationError(
                    {"status": [f"Use one of {', '.join(CandidateInterview.Status.values)}."]}
                )
            invites = invites.filter(status=status)
        for name, field in (("interviewId", "interview_id"), ("candidateId", "candidate_id")):
            if value := params.get(name):
                body = CandidateInterviewCreateIn().fields[name]
                try:
                    invites = invites.filter(**{field: body.to_internal_value(value)})
                except exceptions.ValidationError as exc:
                    raise exceptions.ValidationError({name: exc.detail}) from exc
        return paginate(request, invites, "candidateInterviews", rows_of(CandidateInterviewOut))

    @extend_schema(
        summary="Invite a candidate to an interview",
        description="With `sendInvite` (the default) the invite is INVITED and its link is "
        "sent by `deliveryTypes` once saved; otherwise it stays a DRAFT. The link's token is "
        "never returned. Another team's candidate or interview is a 404. A candidate who "
        "already has an open (INVITED or IN_PROGRESS, not past its expiry) invite to the "
        "interview is a 409 naming `candidateId`, whose `existingCandidateInterviewId` is that "
        "invite: remind or extend it instead.",
        request=CandidateInterviewCreateIn,
        responses={
            201: envelope_of(
                "CandidateInterviewCreate", "candidateInterview", CandidateInterviewDetailOut
            )
        },
    )
    def post(self, request: Request) -> Response:
        body = CandidateInterviewCreateIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team, by = request_team(request), request_user(request)
        candidate = get_or_404(Candidate.objects.for_team(team), data["candidateId"], "candidate")
        interview = get_or_404(Interview.objects.for_team(team), data["interviewId"], "interview")
        with service_errors(
            INVITE_ERRORS | {"candidate": "candidateId", "interview": "interviewId"}
        ):
            try:
                invite, _token = invite_create(
                    team=team,
                    by=by,
                    candidate=candidate,
                    interview=interview,
                    delivery_types=data["deliveryTypes"],
                    expires_at=data.get("expiresAt"),
                    send=data["sendInvite"],
                    language=data.get("language", ""),
                    expiry_days=data.get("expiryDays"),
                    external_redirect_uri=data.get("externalRedirectUri", ""),
                    sms_opt_in=data.get("smsOptIn"),
                    time_zone=data.get("timezone", ""),
                    personal_note=data.get("personalNote", ""),
                )
            except DuplicateInvite as exc:
                return _duplicate_invite(request, exc)
        return envelope(request, {"candidateInterview": _detail(invite)}, 201)


class CandidateInterviewDetail(GatherView):
    scopes = {"GET": READ, "PATCH": WRITE}
    what = "candidate interview"

    @extend_schema(
        summary="Get a candidate interview",
        description="With its answers, transcript (AI interview turns), latest AI evaluation "
        "and reviewers' scorecards.",
        parameters=[TEAM_PARAM],
        responses=envelope_of(
            "CandidateInterviewGet", "candidateInterview", CandidateInterviewDetailOut
        ),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        invite = get_or_404(_invites(request_team(request)), pk, "candidate interview")
        return envelope(request, {"candidateInterview": _detail(invite)})

    @extend_schema(
        summary="Extend a candidate interview",
        description="Moves the expiry; an expired invite reopens. Completed and cancelled "
        "invites cannot be extended (409).",
        request=CandidateInterviewUpdateIn,
        responses=envelope_of(
            "CandidateInterviewUpdate", "candidateInterview", CandidateInterviewDetailOut
        ),
    )
    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        invite = get_or_404(_invites(request_team(request)), pk, "candidate interview")
        body = CandidateInterviewUpdateIn(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors(INVITE_ERRORS, conflicts=STATUS):
            invite_extend(invite=invite, until=body.validated_data["expiresAt"])
        return envelope(request, {"candidateInterview": _detail(invite)})


class CandidateInterviewCancel(GatherView):
    scopes = {"POST": WRITE}
    what = "candidate interview"

    @extend_schema(
        summary="Cancel a candidate interview",
        description="Its link stops accepting answers. A completed invite is a 409.",
        request=None,
        parameters=[TEAM_PARAM],
        responses=envelope_of(
            "CandidateInterviewCancel", "candidateInterview", CandidateInterviewDetailOut
        ),
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        invite = get_or_404(_invites(request_team(request)), pk, "candidate interview")
        with service_errors(INVITE_ERRORS, conflicts=STATUS):
            invite_cancel(invite=invite, by=request.auth.created_by)
        return envelope(request, {"candidateInterview": _detail(invite)})


class CandidateInterviewRemind(GatherView):
    scopes = {"POST": WRITE}
    what = "candidate interview"

    @extend_schema(
        summary="Remind a candidate",
        description="Sends the candidate the same link again by the invite's delivery types; "
        "the link keeps working. Only INVITED and IN_PROGRESS invites whose link has not "
        "expired can be reminded; anything else is a 409.",
        request=None,
        parameters=[TEAM_PARAM],
        responses=envelope_of(
            "CandidateInterviewRemind", "candidateInterview", CandidateInterviewDetailOut
        ),
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        invite = get_or_404(_invites(request_team(request)), pk, "candidate interview")
        with service_errors(INVITE_ERRORS, conflicts=STATUS):
            invite_remind(invite=invite, by=request.auth.created_by)
        return envelope(request, {"candidateInterview": _detail(invite)})


class CandidateInterviewResend(GatherView):
    scopes = {"POST": WRITE}
    what = "candidate interview"

    @extend_schema(
        summary="Send a candidate a new link",
        description="Sends a new link (the old one stops working at once); an expired invite "
        "reopens. To nudge a candidate with the link they have, use `remind`. "
        "Drafts, completed and cancelled invites are a 409.",
        request=None,
        parameters=[TEAM_PARAM],
        responses=envelope_of(
            "CandidateInterviewResend", "candidateInterview", CandidateInterviewDetailOut
        ),
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        invite = get_or_404(_invites(request_team(request)), pk, "candidate interview")
        with service_errors(INVITE_ERRORS, conflicts=STATUS):
            invite_resend(invite=invite, by=request.auth.created_by)
        return envelope(request, {"candidateInterview": _detail(invite)})


class CandidateInterviewResendInvite(CandidateInterviewRemind):
    """Gather's name for a reminder: the same link again (``remind``)."""

    @extend_schema(
        summary="Resend the invite (Gather)",
        operation_id="candidate_interviews_resend_invite",
        description="Gather's name for `remind`: the candidate gets the same link again by the "
        "invite's delivery types, and it keeps working. Only INVITED and IN_PROGRESS invites "
        "whose link has not expired; anything else is a 409 (extend an expired invite, or send "
        "a new link with `resend`).",
        request=None,
        parameters=[TEAM_PARAM],
        responses=envelope_of(
            "CandidateInterviewResendInvite", "candidateInterview", CandidateInterviewDetailOut
        ),
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        return super().post(request, pk)


def _evaluation_type(scores: Scores) -> str | None:
    if scores.human is not None and scores.ai is not None:
        return "hybrid"
    if scores.human is not None:
        return "manual"
    return "ai_generated" if scores.ai is not None else None


class CandidateInterviewResults(GatherView):
    scopes = {"GET": READ}
    what = "candidate interview"

    @extend_schema(
        summary="Get a candidate interview's results",
        description="The scores (the same figures as the `scores` of the candidate interview "
        "and the review page), the score card (`evaluationType` ai_generated, manual or "
        "hybrid; the latest AI evaluation and the submitted scorecards) and the AI summary. "
        "`score` is the reviewer score when reviewers have scored, else the AI score (advice).",
        parameters=[TEAM_PARAM],
        responses=envelope_of("CandidateInterviewResults", "results", ResultsOut),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        submitted: QuerySet[Scorecard] = (
            Scorecard.objects.filter(submitted_at__isnull=False)
            .prefetch_related("ratings__criterion")
            .order_by("submitted_at")
        )
        invites = scores_annotated(_invites(request_team(request))).prefetch_related(
            Prefetch("evaluations", queryset=Evaluation.objects.prefetch_related("scores")),
            Prefetch("scorecards", queryset=submitted),
        )
        invite = get_or_404(invites, pk, "candidate interview")
        scores = scores_of(invite)
        evaluation = latest_evaluation(invite)
        human, ai = scores.human_rounded, scores.ai_rounded
        results = {
            "candidateInterviewId": invite.pk,
            "status": invite.status,
            "score": human if human is not None else ai,
            "scores": scores,
            "scoreCard": {
                "evaluationType": _evaluation_type(scores),
                "reviewerScore": human,
                "aiScore": ai,
                "evaluation": evaluation,
                "scorecards": list(invite.scorecards.all()),
            },
            "summary": evaluation.summary if evaluation is not None else "",
            "aiEvaluationDeclined": invite.ai_evaluation_declined,
            "completedAt": invite.completed_at,
        }
        return envelope(request, {"results": ResultsOut(results).data})


class CandidateInterviewStatus(GatherView):
    scopes = {"PATCH": WRITE}
    what = "candidate interview"

    @extend_schema(
        summary="Change a candidate interview's status (Gather)",
        description="The changes a recruiter can make in the dashboard, by the same services: "
        "`CANCELLED` cancels a draft or open invite (as `cancel`); `INVITED` sends a draft, or "
        "reopens an expired invite with the same link for the team's default expiry (as "
        "extending it). Any other status is a 400 naming `status` (the others are reached by "
        "the candidate or the expiry); a change the invite's current status forbids is a 409.",
        request=CandidateInterviewStatusIn,
        parameters=[TEAM_PARAM],
        responses=envelope_of(
            "CandidateInterviewStatus", "candidateInterview", CandidateInterviewDetailOut
        ),
    )
    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        invite = get_or_404(_invites(request_team(request)), pk, "candidate interview")
        body = CandidateInterviewStatusIn(data=request.data)
        body.is_valid(raise_exception=True)
        to = body.validated_data["status"]
        by = request.auth.created_by
        with service_errors(INVITE_ERRORS, conflicts=STATUS):
            if to == CandidateInterview.Status.CANCELLED:
                invite_cancel(invite=invite, by=by)
            elif invite.status == CandidateInterview.Status.DRAFT:
                invite_send(invite=invite, by=by)
            elif invite.status == CandidateInterview.Status.EXPIRED:
                days = invite.team.invite_expiry_days
                invite_extend(invite=invite, until=timezone.now() + timedelta(days=days))
            else:
                raise Conflict(
                    f"A {invite.get_status_display().lower()} invite cannot be made INVITED: "
                    "only a draft (sent) or an expired invite (reopened) can."
                )
        invite.refresh_from_db()
        return envelope(request, {"candidateInterview": _detail(invite)})


class DecisionsIn(serializers.Serializer):
    candidateInterviewIds = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=BULK_DECIDE_MAX
    )
    decision = serializers.ChoiceField(choices=CandidateInterview.Decision.values)


class DecisionsOut(serializers.Serializer):
    candidateInterviewIds = serializers.ListField(child=serializers.UUIDField())
    decision = serializers.CharField()


class CandidateInterviewDecisions(GatherView):
    scopes = {"POST": WRITE}

    @extend_schema(
        summary="Decide for several candidates",
        description="Advance, hold or reject up to 100 completed candidate interviews at once "
        '(not in Gather): `{"candidateInterviewIds": ["…"], "decision": "reject"}`. All or '
        "nothing: an id that is not one of the team's is a 404 naming it; one not completed "
        "is a 409. Each decision is audited as the dashboard's are.",
        request=DecisionsIn,
        parameters=[TEAM_PARAM],
        responses=envelope_of("CandidateInterviewDecisions", "result", DecisionsOut),
    )
    def post(self, request: Request) -> Response:
        body = DecisionsIn(data=request.data)
        body.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(body.validated_data["candidateInterviewIds"]))
        decision = body.validated_data["decision"]
        found = {
            i.pk: i
            for i in _invites(request_team(request))
            .filter(pk__in=ids)
            .exclude(status=CandidateInterview.Status.DRAFT)
            .select_related("candidate", "team")
        }
        if missing := [str(i) for i in ids if i not in found]:
            raise exceptions.NotFound(f"No candidate interview {', '.join(missing)} in this team.")
        # The one rule left once the body is valid: every candidate has completed (409).
        with service_errors(conflicts={"ids"}):
            invite_decide_bulk(
                invites=[found[i] for i in ids], decision=decision, by=request.auth.created_by
            )
        result = {"candidateInterviewIds": ids, "decision": decision}
        return envelope(request, {"result": DecisionsOut(result).data})


# ---------------------------------------------------------------- AI voice-interview turns


class AgentUser:
    is_authenticated = True
    is_anonymous = False
    pk = None

    def __str__(self) -> str:
        return "AI voice agent"


class AgentCredential:
    """``request.auth`` of an agent: it may read and write one candidate interview's turns."""

    scopes = (READ, WRITE)

    def __init__(self, invite: CandidateInterview) -> None:
        self.invite = invite
        self.pk = f"agent:{invite.interview_id}"


class AgentSecretAuthentication(BaseAuthentication):
    """``X-Agent-Secret``: the secret issued for the interview of the candidate interview in
    the URL, compared by hash in constant time."""

    def authenticate(self, request: Request) -> tuple[AgentUser, AgentCredential] | None:
        secret = request.headers.get("X-Agent-Secret", "").strip()
        if not secret:
            return None
        pk = (request.parser_context or {}).get("kwargs", {}).get("pk")
        invite = get_invite_or_none(pk)
        digest = hashlib.sha256(secret.encode()).hexdigest()
        stored = invite.interview.agent_secret_hash if invite is not None else ""
        if invite is None or not stored or not hmac.compare_digest(digest, stored):
            raise exceptions.AuthenticationFailed(
                "The X-Agent-Secret header does not match this interview's agent secret."
            )
        return AgentUser(), AgentCredential(invite)

    def authenticate_header(self, request: Request) -> str:
        return 'AgentSecret header="X-Agent-Secret"'


class AgentSecretScheme(OpenApiAuthenticationExtension):
    target_class = AgentSecretAuthentication
    name = "AgentSecret"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "X-Agent-Secret"}


def get_invite_or_none(pk: Any) -> CandidateInterview | None:
    if not isinstance(pk, uuid.UUID):  # a path id that is not a UUID (lenient_id_routes)
        return None
    return CandidateInterview.objects.select_related("interview").filter(pk=pk).first()


class AgentView(GatherView):
    authentication_classes = [ApiKeyAuthentication, AgentSecretAuthentication]
    what = "candidate interview"

    def invite(self, request: Request, pk: uuid.UUID) -> CandidateInterview:
        if isinstance(request.auth, AgentCredential):
            return request.auth.invite
        return get_or_404(_invites(request_team(request)), pk, self.what)


AGENT_AUTH = "An API key with interviews:write (interviews:read to read), or `X-Agent-Secret`."


class TurnList(AgentView):
    scopes = {"POST": WRITE}

    @extend_schema(
        summary="Record a turn",
        description="One exchange of an AI voice interview. The first turn starts the "
        "interview. A completed interview takes no more turns (409); a turn number already "
        f"recorded is a 409 too. {AGENT_AUTH}",
        request=TurnCreateIn,
        responses={201: envelope_of("TurnCreate", "turn", TurnOut)},
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        invite = self.invite(request, pk)
        body = TurnCreateIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with service_errors():
            turn = turn_create(
                invite=invite,
                turn_number=data["turnNumber"],
                role=data["role"],
                content=data["content"],
                audio_url=data["audioUrl"],
                is_pending_question=data["isPendingQuestion"],
                evaluation=data["evaluation"],
            )
        return envelope(request, {"turn": TurnOut(turn).data}, 201)


class TurnDetail(AgentView):
    scopes = {"PATCH": WRITE}

    @extend_schema(
        summary="Update a turn",
        description=f"Typically the final transcript and its evaluation. {AGENT_AUTH}",
        request=TurnUpdateIn,
        responses=envelope_of("TurnUpdate", "turn", TurnOut),
    )
    def patch(self, request: Request, pk: uuid.UUID, turn_number: int) -> Response:
        invite = self.invite(request, pk)
        body = TurnUpdateIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            with service_errors():
                turn = turn_update(
                    invite=invite,
                    turn_number=turn_number,
                    content=data.get("content"),
                    audio_url=data.get("audioUrl"),
                    is_pending_question=data.get("isPendingQuestion"),
                    evaluation=data.get("evaluation"),
                )
        except Turn.DoesNotExist as exc:
            raise exceptions.NotFound(f"No turn {turn_number} in this interview.") from exc
        return envelope(request, {"turn": TurnOut(turn).data})


class TurnHistory(AgentView):
    scopes = {"GET": READ}

    @extend_schema(
        summary="Turn history",
        description=f"Every turn of the interview, in order. {AGENT_AUTH}",
        responses=envelope_of("TurnHistory", "turns", TurnOut, many=True),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        invite = self.invite(request, pk)
        turns = Turn.objects.filter(candidate_interview=invite).order_by("turn_number")
        return envelope(request, {"turns": TurnOut(turns, many=True).data})


class Finalize(AgentView):
    scopes = {"POST": WRITE}

    @extend_schema(
        summary="Finalize an AI interview",
        description="Completes the interview (completed is final) and, unless `generateReport` "
        "is false, makes the AI report in the background: an evaluation of the candidate's "
        "turns on the interview's scorecard criteria, shown as `evaluation` once ready "
        f"(refused, with the reason, for an empty transcript). `audioUrl` is accepted but not "
        f"stored yet. {AGENT_AUTH}",
        request=FinalizeIn,
        responses=envelope_of(
            "CandidateInterviewFinalize", "candidateInterview", CandidateInterviewDetailOut
        ),
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        invite = self.invite(request, pk)
        body = FinalizeIn(data=request.data)
        body.is_valid(raise_exception=True)
        ended_at = body.validated_data.get("endedAt")
        generate_report = body.validated_data.get("generateReport") is not False
        with service_errors():
            candidate_interview_finalize(
                invite=invite, ended_at=ended_at, generate_report=generate_report
            )
        return envelope(request, {"candidateInterview": _detail(invite)})


urlpatterns = [
    path("candidates", CandidateList.as_view(), name="candidates"),
    path("candidates/<uuid:pk>", CandidateDetail.as_view(), name="candidate"),
    path("candidate-interviews", CandidateInterviewList.as_view(), name="candidate-interviews"),
    path(
        "candidate-interviews/decisions",
        CandidateInterviewDecisions.as_view(),
        name="candidate-interview-decisions",
    ),
    path(
        "candidate-interviews/<uuid:pk>",
        CandidateInterviewDetail.as_view(),
        name="candidate-interview",
    ),
    path(
        "candidate-interviews/<uuid:pk>/cancel",
        CandidateInterviewCancel.as_view(),
        name="candidate-interview-cancel",
    ),
    path(
        "candidate-interviews/<uuid:pk>/remind",
        CandidateInterviewRemind.as_view(),
        name="candidate-interview-remind",
    ),
    path(
        "candidate-interviews/<uuid:pk>/resend",
        CandidateInterviewResend.as_view(),
        name="candidate-interview-resend",
    ),
    path(
        "candidate-interviews/<uuid:pk>/resend-invite",
        CandidateInterviewResendInvite.as_view(),
        name="candidate-interview-resend-invite",
    ),
    path(
        "candidate-interviews/<uuid:pk>/results",
        CandidateInterviewResults.as_view(),
        name="candidate-interview-results",
    ),
    path(
        "candidate-interviews/<uuid:pk>/status",
        CandidateInterviewStatus.as_view(),
        name="candidate-interview-status",
    ),
    path("candidate-interviews/<uuid:pk>/turns", TurnList.as_view(), name="turns"),
    path(
        "candidate-interviews/<uuid:pk>/turns/<int:turn_number>",
        TurnDetail.as_view(),
        name="turn",
    ),
    path("candidate-interviews/<uuid:pk>/history", TurnHistory.as_view(), name="turn-history"),
    path("candidate-interviews/<uuid:pk>/finalize", Finalize.as_view(), name="finalize"),
]
