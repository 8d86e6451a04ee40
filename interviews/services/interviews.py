"""Writes for interviews. Ordinals of an interview's questions stay 1..n with no gaps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    SurveyQuestion,
)

if TYPE_CHECKING:
    from accounts.models import Team, User

AnyQuestion = AudioQuestion | SurveyQuestion | AITextQuestion

_KIND_FIELD = {
    AudioQuestion: (InterviewQuestion.Kind.AUDIO, "audio_question"),
    SurveyQuestion: (InterviewQuestion.Kind.SURVEY, "survey_question"),
    AITextQuestion: (InterviewQuestion.Kind.AI_TEXT, "ai_text_question"),
}

# Ordinals are moved out of the way by this much before being rewritten, so the unique
# (interview, ordinal) constraint holds at every statement on every database.
_ORDINAL_PARKING = 1_000_000


def _lock(interview: Interview) -> list[InterviewQuestion]:
    Interview.objects.select_for_update().filter(pk=interview.pk).first()
    return list(InterviewQuestion.objects.filter(interview=interview).order_by("ordinal"))


def _renumber(items: list[InterviewQuestion]) -> None:
    """Write ordinals 1..n in the order of ``items``."""
    if not items:
        return
    ids = [item.pk for item in items]
    InterviewQuestion.objects.filter(pk__in=ids).update(ordinal=F("ordinal") + _ORDINAL_PARKING)
    for position, item in enumerate(items, start=1):
        item.ordinal = position
    InterviewQuestion.objects.bulk_update(items, ["ordinal"])


@transaction.atomic
def interview_question_add(
    *,
    interview: Interview,
    question: AnyQuestion,
    position: int | None = None,
    knockout: bool = False,
) -> InterviewQuestion:
    """Add ``question`` at ``position`` (1-based; default last), shifting later ones down."""
    kind, field = _KIND_FIELD[type(question)]
    if question.team_id != interview.team_id:
        raise ValidationError({"question": "That question belongs to another team."})
    if knockout and kind != InterviewQuestion.Kind.SURVEY:
        raise ValidationError({"knockout": "Only survey questions can be knockout questions."})
    items = _lock(interview)
    if any(getattr(item, f"{field}_id") == question.pk for item in items):
        raise ValidationError({"question": f"“{question}” is already in this interview."})
    count = len(items)
    if position is None:
        position = count + 1
    if not 1 <= position <= count + 1:
        raise ValidationError({"position": f"Position must be between 1 and {count + 1}."})
    new = InterviewQuestion.objects.create(
        interview=interview,
        kind=kind,
        ordinal=_ORDINAL_PARKING * 2,
        knockout=knockout,
        **{field: question},
    )
    items.insert(position - 1, new)
    _renumber(items)
    return new


@transaction.atomic
def interview_question_move(*, item: InterviewQuestion, position: int) -> None:
    items = _lock(item.interview)
    if not 1 <= position <= len(items):
        raise ValidationError({"position": f"Position must be between 1 and {len(items)}."})
    items = [i for i in items if i.pk != item.pk]
    items.insert(position - 1, item)
    _renumber(items)


@transaction.atomic
def interview_question_remove(*, item: InterviewQuestion) -> None:
    items = _lock(item.interview)
    removed = item.pk  # delete() sets item.pk to None
    item.delete()
    _renumber([i for i in items if i.pk != removed])


@transaction.atomic
def interview_questions_set_order(*, interview: Interview, item_ids: list[str]) -> None:
    """Reorder by a full list of item ids (drag and drop)."""
    items = _lock(interview)
    by_id = {str(i.pk): i for i in items}
    if sorted(map(str, item_ids)) != sorted(by_id):
        raise ValidationError(
            {"order": "The order must list every question of the interview once."}
        )
    _renumber([by_id[str(i)] for i in item_ids])


@transaction.atomic
def interview_create(
    *,
    team: Team,
    title: str,
    by: User | None,
    questions: list[AnyQuestion] | None = None,
    **fields: object,
) -> Interview:
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Enter a title."})
    interview = Interview(team=team, title=title, created_by=by, **fields)
    interview.full_clean(exclude=["team", "created_by", "narrator"])
    interview.save()
    for question in questions or []:
        interview_question_add(interview=interview, question=question)
    return interview


@transaction.atomic
def interview_set_status(*, interview: Interview, status: int) -> Interview:
    if status not in Interview.Status.values:
        raise ValidationError(
            {"status": "Status must be 0 (active), 1 (paused), 2 (closed) or 3 (archived)."}
        )
    interview.status = status
    interview.archived_at = timezone.now() if status == Interview.Status.ARCHIVED else None
    interview.save(update_fields=["status", "archived_at", "updated_at"])
    return interview
