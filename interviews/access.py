"""One access helper per object type: the current team's object and whether the caller may
change it; 404 for another team's object, 403 for a read-only role when ``write=True``."""

from typing import Any

from accounts.http import TeamRequest
from accounts.tenancy import get_for_team, require_membership
from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    Narrator,
    ScorecardTemplate,
    SurveyQuestion,
)


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


def get_audio_question_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[AudioQuestion, bool]:
    return get_for_team(request, AudioQuestion.objects.select_related("narrator"), pk, write=write)


def get_survey_question_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[SurveyQuestion, bool]:
    return get_for_team(request, SurveyQuestion.objects.all(), pk, write=write)


def get_ai_text_question_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[AITextQuestion, bool]:
    return get_for_team(request, AITextQuestion.objects.all(), pk, write=write)


def get_narrator_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[Narrator, bool]:
    return get_for_team(request, Narrator.objects.all(), pk, write=write)


def get_scorecard_template_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[ScorecardTemplate, bool]:
    return get_for_team(request, ScorecardTemplate.objects.all(), pk, write=write)
