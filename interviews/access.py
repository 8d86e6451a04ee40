"""One access helper per object type: the current team's object and whether the caller may
change it; 404 for another team's object, 403 for a read-only role when ``write=True``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.http import TeamRequest
from accounts.tenancy import TeamScopedQuerySet, get_for_team, require_membership
from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    Narrator,
    ScorecardTemplate,
    SurveyQuestion,
)

if TYPE_CHECKING:
    from candidates.selectors import QuestionT


def get_interview_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[Interview, bool]:
    """The interview ``pk`` if the caller may see it: a hiring manager gets 404 for one not
    shared with them (``candidates.selectors.interviews_visible``)."""
    from candidates.selectors import interviews_visible

    queryset = interviews_visible(membership=require_membership(request))
    return get_for_team(request, queryset.select_related("narrator"), pk, write=write)


def get_interview_question_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[InterviewQuestion, bool]:
    return get_for_team(
        request, InterviewQuestion.objects.select_related("interview"), pk, write=write
    )


def _questions(
    request: TeamRequest, queryset: TeamScopedQuerySet[QuestionT]
) -> TeamScopedQuerySet[QuestionT]:
    """A hiring manager sees a bank question only where an interview they review asks it
    (``candidates.selectors.questions_visible``); 404 for the rest."""
    from candidates.selectors import questions_visible

    return questions_visible(queryset, membership=require_membership(request))


def get_audio_question_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[AudioQuestion, bool]:
    return get_for_team(
        request,
        _questions(request, AudioQuestion.objects.select_related("narrator")),
        pk,
        write=write,
    )


def get_survey_question_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[SurveyQuestion, bool]:
    return get_for_team(request, _questions(request, SurveyQuestion.objects.all()), pk, write=write)


def get_ai_text_question_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[AITextQuestion, bool]:
    return get_for_team(request, _questions(request, AITextQuestion.objects.all()), pk, write=write)


def get_narrator_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[Narrator, bool]:
    """The narrator ``pk`` if the caller may see it (``candidates.selectors.narrators_visible``)."""
    from candidates.selectors import narrators_visible

    narrators = narrators_visible(membership=require_membership(request))
    return get_for_team(request, narrators, pk, write=write)


def get_scorecard_template_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[ScorecardTemplate, bool]:
    return get_for_team(request, ScorecardTemplate.objects.all(), pk, write=write)
