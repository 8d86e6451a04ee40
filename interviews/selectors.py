from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import Membership, Role, Team
from accounts.permissions import MATRIX, Perm
from accounts.tenancy import TeamScopedQuerySet
from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    Narrator,
    ScorecardTemplate,
    SurveyOption,
    SurveyQuestion,
)

if TYPE_CHECKING:
    from accounts.models import User

QuestionT = TypeVar("QuestionT", AudioQuestion, SurveyQuestion, AITextQuestion)


# --- what a member may see: hiring managers see only the interviews shared with them. The rule
# lives here, once; the candidates app narrows invites and candidates by it.


def sees_all_interviews(membership: Membership) -> bool:
    """Owners, admins and recruiters see every interview of the team; hiring managers only those
    they were added to as reviewers."""
    return membership.role != Role.HIRING_MANAGER


def interviews_visible(*, membership: Membership) -> TeamScopedQuerySet[Interview]:
    """The interviews of the member's team that the member may see."""
    qs = Interview.objects.for_team(membership.team)
    if sees_all_interviews(membership):
        return qs
    return qs.filter(reviewers=membership.user_id)


def questions_visible(
    queryset: TeamScopedQuerySet[QuestionT], *, membership: Membership
) -> TeamScopedQuerySet[QuestionT]:
    """``queryset``'s bank questions (audio, survey or AI text) of the member's team that the
    member may see: hiring managers see a question only where an interview they review asks it
    (read-only), as the runner and the review page show it to them."""
    qs = queryset.for_team(membership.team)
    if sees_all_interviews(membership):
        return qs
    asked = queryset.model._default_manager.filter(
        usages__interview__in=interviews_visible(membership=membership)
    )
    return qs.filter(pk__in=asked.values("pk"))


def usages_visible(*, membership: Membership, prefix: str = "usages") -> Q | None:
    """A filter on ``<prefix>`` (a question's interview links) keeping the links to interviews
    the member may see; ``None`` for who sees every interview. For counts and lists of where a
    question is asked, so a hiring manager learns nothing of the interviews they do not review."""
    if sees_all_interviews(membership):
        return None
    return Q(**{f"{prefix}__interview__in": interviews_visible(membership=membership)})


def narrators_visible(*, membership: Membership) -> TeamScopedQuerySet[Narrator]:
    """The team's narrators the member may see: hiring managers see the narrator of an
    interview they review, or of a question asked in one."""
    qs = Narrator.objects.for_team(membership.team)
    if sees_all_interviews(membership):
        return qs
    interviews = interviews_visible(membership=membership)
    questions = AudioQuestion.objects.filter(usages__interview__in=interviews)
    return qs.filter(
        Q(pk__in=interviews.values("narrator_id")) | Q(pk__in=questions.values("narrator_id"))
    )


# --- lists


def interview_list(
    *,
    team: Team,
    include_archived: bool = False,
    filters: dict[str, str] | None = None,
    membership: Membership | None = None,
) -> QuerySet[Interview]:
    """The team's interviews with their question count and ``invited_count`` (open invites) and
    ``completed_count``, read from the counters; with ``membership``, only those the member
    may see (``interviews_visible``).

    ``filters``: ``q`` (title), ``status`` ("0".."3" or "all"; default hides archived),
    ``type`` (interview type).
    """
    filters = filters or {}
    interviews = (
        Interview.objects.for_team(team)
        if membership is None
        else interviews_visible(membership=membership)
    )
    status = filters.get("status", "")
    if status == "all" or include_archived:
        pass
    elif status:
        interviews = interviews.filter(status=int(status))
    else:
        interviews = interviews.exclude(status=Interview.Status.ARCHIVED)
    if filters.get("type"):
        interviews = interviews.filter(interview_type=filters["type"])
    if q := (filters.get("q") or "").strip():
        interviews = interviews.filter(Q(title__icontains=q) | Q(display_name__icontains=q))
    # The interview's own counters (interviews.counters), under the names the tables sort by:
    # no invite is read, however many an interview has.
    return interviews.annotate(
        invited_count=F("open_invite_count"), completed_count=F("completed_invite_count")
    ).order_by("-created_at")


def interview_items(*, interview: Interview) -> list[InterviewQuestion]:
    """The interview's questions in order, each with its question (and options) loaded."""
    return list(
        InterviewQuestion.objects.filter(interview=interview)
        .select_related("audio_question__narrator", "survey_question", "ai_text_question")
        .prefetch_related(
            Prefetch("survey_question__options", queryset=SurveyOption.objects.order_by("ordinal")),
            "ai_text_question__criteria",
        )
        .order_by("ordinal")
    )


def question_usage_list(
    *, question: AudioQuestion | SurveyQuestion | AITextQuestion, membership: Membership
) -> QuerySet[InterviewQuestion]:
    """Where ``question`` is asked: its interview links (to the interviews the member may see),
    with the interview loaded."""
    return (
        question.usages.filter(interview__in=interviews_visible(membership=membership))
        .select_related("interview")
        .order_by("interview__title", "interview__pk")
    )


PICKER_MODELS: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    InterviewQuestion.Kind.AUDIO: (AudioQuestion, ("question_script",)),
    InterviewQuestion.Kind.SURVEY: (SurveyQuestion, ("question_text",)),
    InterviewQuestion.Kind.AI_TEXT: (AITextQuestion, ("question_text",)),
}


def picker_questions(*, interview: Interview, kind: str, q: str = "", limit: int = 20) -> list[Any]:
    """Unarchived questions of one kind from the team's bank that the interview lacks."""
    model, text_fields = PICKER_MODELS[kind]
    field = {"audio": "audio_question", "survey": "survey_question", "ai_text": "ai_text_question"}[
        kind
    ]
    used = InterviewQuestion.objects.filter(interview=interview, kind=kind).values(f"{field}_id")
    questions = model.objects.for_team(interview.team).filter(archived_at__isnull=True)
    questions = questions.exclude(pk__in=used)
    if q := q.strip():
        match = Q(title__icontains=q)
        for text_field in text_fields:
            match |= Q(**{f"{text_field}__icontains": q})
        questions = questions.filter(match)
    return list(questions.order_by("-created_at")[:limit])


def teams_writable_by(*, user: User, organization_id: Any) -> list[Team]:
    """Teams of ``organization_id`` where ``user`` may author (the copy targets)."""
    roles = [role for role, perms in MATRIX.items() if Perm.AUTHOR in perms]
    team_ids = Membership.objects.filter(user=user, role__in=roles).values("team_id")
    return list(
        Team.objects.filter(pk__in=team_ids, organization_id=organization_id).order_by("name")
    )


def interview_scorecard_template(interview: Interview) -> ScorecardTemplate | None:
    """The template the interview's candidates are rated on, or None: the one place that reads
    the relation (``select_related``/``prefetch_related("scorecard_template")`` make it free)."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return interview.scorecard_template
    except ObjectDoesNotExist:
        return None
