"""One access helper per object type: the current team's object and whether the caller may
change it; 404 for another team's object (or one a hiring manager may not see, by the rules of
``interviews.selectors``), 403 for a read-only role when ``write=True``."""

from __future__ import annotations

from typing import Any

from accounts.http import TeamRequest
from accounts.tenancy import TeamScopedQuerySet, get_for_team, require_membership
from interviews.models import AITextQuestion, AudioQuestion, Interview, Narrator, SurveyQuestion
from interviews.selectors import (
    QuestionT,
    interviews_visible,
    narrators_visible,
    questions_visible,
)


def get_visible_interview_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[Interview, bool]:
    """The interview ``pk`` if the caller may see it: a hiring manager gets 404 for one not
    shared with them (``interviews_visible``)."""
    membership = require_membership(request)
    return get_for_team(
        request,
        interviews_visible(membership=membership).select_related("narrator"),
        pk,
        write=write,
    )


def _questions(
    request: TeamRequest, queryset: TeamScopedQuerySet[QuestionT]
) -> TeamScopedQuerySet[QuestionT]:
    """A hiring manager sees a bank question only where an interview they review asks it
    (``questions_visible``); 404 for the rest."""
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
    """The narrator ``pk`` if the caller may see it (``narrators_visible``)."""
    narrators = narrators_visible(membership=require_membership(request))
    return get_for_team(request, narrators, pk, write=write)
