from collections.abc import Callable
from typing import Any

import pytest

from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    Narrator,
    SurveyQuestion,
)
from tests.factories import InterviewFactory, InterviewQuestionFactory

KINDS = {
    AudioQuestion: InterviewQuestion.Kind.AUDIO,
    SurveyQuestion: InterviewQuestion.Kind.SURVEY,
    AITextQuestion: InterviewQuestion.Kind.AI_TEXT,
}


@pytest.fixture
def shared_with(hiring_manager: Any) -> Callable[[Any], Interview]:
    """Put a bank question (or narrator) in an interview the hiring manager reviews: hiring
    managers see a question or narrator only there."""

    def share(obj: Any) -> Interview:
        interview: Interview
        if isinstance(obj, Narrator):
            interview = InterviewFactory.create(team=obj.team, narrator=obj)
        else:
            interview = InterviewFactory.create(team=obj.team)
            kind = KINDS[type(obj)]
            fields: dict[str, Any] = {"audio_question": None, f"{kind}_question": obj}
            InterviewQuestionFactory(interview=interview, kind=kind, **fields)
        interview.reviewers.add(hiring_manager)
        return interview

    return share
