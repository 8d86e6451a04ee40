"""Writes for AI text questions and their rubrics.

A rubric is one or more criteria (name, what a strong answer shows, weight 1-10, optional ideal
answer); the evaluator scores each written answer against them. Rules are checked here and
reported like the survey rules: a criterion's field is keyed ``criteria.<index>.<field>``
(0-based, in the order given). Nothing is saved unless every rule holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from interviews.models import AITextQuestion, RubricCriterion
from interviews.services.copy import copy_title, question_copy
from interviews.services.survey import RuleErrors, clean_question_basics, clean_text
from kit import limits

if TYPE_CHECKING:
    from accounts.models import Team, User

MAX_QUESTION_TEXT = limits.AI_QUESTION_TEXT
MAX_ANSWER_LENGTH = limits.WRITTEN_ANSWER
MAX_CRITERIA = 20
MAX_NAME = 120
MAX_STRONG_ANSWER = limits.STRONG_ANSWER
MAX_IDEAL_ANSWER = limits.IDEAL_ANSWER
WEIGHT_MIN, WEIGHT_MAX = 1, 10
_ORDINAL_PARKING = 1_000_000


@dataclass(frozen=True, kw_only=True)
class CriterionInput:
    """One rubric criterion as the caller gives it; ``id`` keeps an existing criterion."""

    name: str
    strong_answer: str
    weight: int = 1
    ideal_answer: str = ""
    id: uuid.UUID | str | None = None


@dataclass(frozen=True)
class _Criterion:
    id: str | None
    name: str
    strong_answer: str
    weight: int
    ideal_answer: str


def _clean_criteria(
    errors: RuleErrors, criteria: Sequence[CriterionInput], *, existing_ids: set[str]
) -> list[_Criterion]:
    if not criteria:
        errors.add(
            "criteria",
            "Add at least one rubric criterion: answers are scored against the rubric.",
        )
    elif len(criteria) > MAX_CRITERIA:
        errors.add("criteria", f"A rubric can have at most {MAX_CRITERIA} criteria.")
    cleaned: list[_Criterion] = []
    seen_names: dict[str, int] = {}
    seen_ids: set[str] = set()
    for index, criterion in enumerate(criteria):
        n = index + 1
        key = f"criteria.{index}"
        name = clean_text(
            errors,
            f"{key}.name",
            criterion.name,
            label=f"Criterion {n}'s name",
            max_length=MAX_NAME,
            required=f"Criterion {n} needs a name.",
        )
        if name and len(name) <= MAX_NAME:
            folded = name.casefold()
            if folded in seen_names:
                errors.add(
                    f"{key}.name",
                    f"Criterion {n} repeats the name of criterion {seen_names[folded]} "
                    f"(“{name}”); names must be unique within a rubric, ignoring case.",
                )
            else:
                seen_names[folded] = n
        strong_answer = clean_text(
            errors,
            f"{key}.strong_answer",
            criterion.strong_answer,
            label=f"Criterion {n}'s description of a strong answer",
            max_length=MAX_STRONG_ANSWER,
            required=f"Criterion {n} needs a description of what a strong answer shows.",
        )
        ideal_answer = clean_text(
            errors,
            f"{key}.ideal_answer",
            criterion.ideal_answer,
            label=f"Criterion {n}'s ideal answer",
            max_length=MAX_IDEAL_ANSWER,
        )
        weight = criterion.weight
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int)
            or not (WEIGHT_MIN <= weight <= WEIGHT_MAX)
        ):
            errors.add(
                f"{key}.weight",
                f"Criterion {n}'s weight must be a whole number from {WEIGHT_MIN} to {WEIGHT_MAX}.",
            )
        criterion_id = None
        if criterion.id:
            try:
                criterion_id = str(uuid.UUID(str(criterion.id)))
            except ValueError:
                criterion_id = str(criterion.id)
            if criterion_id not in existing_ids or criterion_id in seen_ids:
                errors.add(f"{key}.id", f"Criterion {n} is not a criterion of this question.")
            seen_ids.add(criterion_id)
        cleaned.append(_Criterion(criterion_id, name, strong_answer, weight, ideal_answer))
    return cleaned


def _clean(
    errors: RuleErrors,
    *,
    title: str,
    question_text: str,
    description: str,
    language: str,
    max_answer_length: int,
    criteria: Sequence[CriterionInput],
    existing_ids: set[str],
) -> tuple[tuple[str, str, str], list[_Criterion]]:
    basics = clean_question_basics(
        errors,
        title=title,
        question_text=question_text,
        description=description,
        language=language,
        max_text=MAX_QUESTION_TEXT,
    )
    if (
        isinstance(max_answer_length, bool)
        or not isinstance(max_answer_length, int)
        or not 1 <= max_answer_length <= MAX_ANSWER_LENGTH
    ):
        errors.add(
            "max_answer_length",
            f"The maximum answer length must be between 1 and {MAX_ANSWER_LENGTH:,} characters.",
        )
    return basics, _clean_criteria(errors, criteria, existing_ids=existing_ids)


def _write_criteria(
    question: AITextQuestion, criteria: list[_Criterion], existing: dict[str, RubricCriterion]
) -> None:
    """Make the rubric exactly ``criteria``, ordinals 1..n in that order."""
    keep = {c.id for c in criteria if c.id}
    RubricCriterion.objects.filter(question=question).exclude(pk__in=keep).delete()
    RubricCriterion.objects.filter(question=question).update(
        ordinal=F("ordinal") + _ORDINAL_PARKING
    )
    changed: list[RubricCriterion] = []
    new: list[RubricCriterion] = []
    for ordinal, c in enumerate(criteria, start=1):
        row = existing[c.id] if c.id else RubricCriterion(question=question)
        row.name, row.strong_answer, row.weight, row.ideal_answer, row.ordinal = (
            c.name,
            c.strong_answer,
            c.weight,
            c.ideal_answer,
            ordinal,
        )
        (changed if c.id else new).append(row)
    RubricCriterion.objects.bulk_update(
        changed, ["name", "strong_answer", "weight", "ideal_answer", "ordinal"]
    )
    RubricCriterion.objects.bulk_create(new)


@transaction.atomic
def ai_text_question_create(
    *,
    team: Team,
    by: User | None,
    title: str,
    question_text: str,
    criteria: Sequence[CriterionInput],
    description: str = "",
    language: str = "en",
    max_answer_length: int = 5000,
) -> AITextQuestion:
    errors = RuleErrors()
    (title, question_text, description), cleaned = _clean(
        errors,
        title=title,
        question_text=question_text,
        description=description,
        language=language,
        max_answer_length=max_answer_length,
        criteria=criteria,
        existing_ids=set(),
    )
    errors.raise_if_any()
    question = AITextQuestion.objects.create(
        team=team,
        created_by=by,
        title=title,
        question_text=question_text,
        description=description,
        language=language,
        max_answer_length=max_answer_length,
    )
    _write_criteria(question, cleaned, {})
    return question


@transaction.atomic
def ai_text_question_update(
    *,
    question: AITextQuestion,
    title: str,
    question_text: str,
    criteria: Sequence[CriterionInput],
    description: str = "",
    language: str = "en",
    max_answer_length: int = 5000,
) -> AITextQuestion:
    """Replace the question's content and rubric. Criteria given with their ``id`` are kept
    (past evaluations stay linked to them); existing criteria left out are removed (past
    evaluations keep the criterion's name)."""
    AITextQuestion.objects.select_for_update().filter(pk=question.pk).first()
    existing = {str(c.pk): c for c in RubricCriterion.objects.filter(question=question)}
    errors = RuleErrors()
    (title, question_text, description), cleaned = _clean(
        errors,
        title=title,
        question_text=question_text,
        description=description,
        language=language,
        max_answer_length=max_answer_length,
        criteria=criteria,
        existing_ids=set(existing),
    )
    errors.raise_if_any()
    question.title = title
    question.question_text = question_text
    question.description = description
    question.language = language
    question.max_answer_length = max_answer_length
    question.save()
    _write_criteria(question, cleaned, existing)
    return question


@transaction.atomic
def ai_text_question_duplicate(*, question: AITextQuestion, by: User | None) -> AITextQuestion:
    """A new, active question in the same team: same content and rubric, title + " (copy)"."""
    return question_copy(question=question, team=question.team, by=by, title=copy_title(question))
