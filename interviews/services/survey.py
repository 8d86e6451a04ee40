"""Writes for survey questions and their options.

Every rule of every survey type is checked here, so the form, the API and scripts share them.
A rule that fails raises ``ValidationError`` keyed by the field it concerns; an option's field
is keyed ``options.<index>.<field>`` (0-based, in the order given) so a form can show the message
on that option's row. Nothing is saved unless every rule holds.

Survey types and what they store:

- ``FREE_TEXT``: no options; an optional ``max_character_length`` (1..10,000).
- ``YES_NO``: no options (Yes and No are implied by the type, as in the Gather API seed);
  an optional ``preferred_option`` (``YES`` or ``NO``).
- ``THUMBS_UP_DOWN``: exactly two options, at most one preferred.
- ``MULTIPLE_CHOICE``: two or more options, at most one preferred.
- ``MULTIPLE_CHOICE_WEIGHTED``: two or more options, each with a weight; none preferred.
- ``MULTIPLE_CHOICE_MULTIPLE_ANSWER``: two or more options, at least one preferred;
  ``select_all_for_full_score`` asks for every preferred option for the full score.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from interviews.filters import LANGUAGES
from interviews.models import InterviewQuestion, SurveyOption, SurveyQuestion
from interviews.services.copy import copy_title, question_copy
from kit import limits

if TYPE_CHECKING:
    from accounts.models import Team, User

SurveyType = SurveyQuestion.SurveyType

MAX_TITLE = 200
MAX_TEXT = limits.SURVEY_QUESTION_TEXT
MAX_DESCRIPTION = limits.DESCRIPTION
MAX_OPTION_TEXT = limits.SURVEY_OPTION
MAX_OPTIONS = 20
MAX_FREE_TEXT_LENGTH = limits.FREE_TEXT_ANSWER
WEIGHT_LIMIT = Decimal(1000)
LANGUAGE_CODES = frozenset(code for code, _name in LANGUAGES)

# Types whose answers are chosen from stored options.
WITH_OPTIONS = frozenset(
    {
        SurveyType.THUMBS_UP_DOWN,
        SurveyType.MULTIPLE_CHOICE,
        SurveyType.MULTIPLE_CHOICE_WEIGHTED,
        SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER,
    }
)
# Option ordinals are parked this far out before being rewritten, so the unique
# (question, ordinal) constraint holds at every statement on every database.
_ORDINAL_PARKING = 1_000_000


@dataclass(frozen=True, kw_only=True)
class OptionInput:
    """One option as the caller gives it. ``id`` keeps an existing option (and the answers that
    chose it); an option without ``id`` is new."""

    text: str
    weight: Decimal | None = None
    is_preferred: bool = False
    id: uuid.UUID | str | None = None


@dataclass(frozen=True)
class _Option:
    id: str | None
    text: str
    weight: Decimal | None
    is_preferred: bool


class RuleErrors:
    """Collects every broken rule, so the caller sees them all at once (shared by the banks)."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def clean_text(
    errors: RuleErrors, field: str, value: str, *, label: str, max_length: int, required: str = ""
) -> str:
    value = (value or "").strip()
    if not value and required:
        errors.add(field, required)
    elif len(value) > max_length:
        errors.add(field, f"{label} must be {max_length:,} characters or fewer.")
    return value


def clean_question_basics(
    errors: RuleErrors,
    *,
    title: str,
    question_text: str,
    description: str,
    language: str,
    max_text: int = MAX_TEXT,
) -> tuple[str, str, str]:
    """Title, question text and description stripped and checked; the language checked."""
    title = clean_text(
        errors, "title", title, label="The title", max_length=MAX_TITLE, required="Enter a title."
    )
    question_text = clean_text(
        errors,
        "question_text",
        question_text,
        label="The question text",
        max_length=max_text,
        required="Enter the question text candidates will read.",
    )
    description = clean_text(
        errors, "description", description, label="The description", max_length=MAX_DESCRIPTION
    )
    if language not in LANGUAGE_CODES:
        errors.add("language", "Choose a language from the list (a code such as en or de).")
    return title, question_text, description


def _clean_options(
    errors: RuleErrors,
    survey_type: str,
    options: Sequence[OptionInput],
    *,
    existing_ids: set[str],
) -> list[_Option]:
    label = SurveyType(survey_type).label.lower()
    if survey_type not in WITH_OPTIONS:
        if options:
            rule = (
                "yes/no questions have the fixed answers Yes and No; use the preferred answer "
                "instead of options."
                if survey_type == SurveyType.YES_NO
                else "free-text questions have no options."
            )
            errors.add("options", f"Remove the options: {rule}")
        return []

    if survey_type == SurveyType.THUMBS_UP_DOWN and len(options) != 2:
        errors.add(
            "options",
            f"A thumbs up / down question needs exactly two options; it has {len(options)}.",
        )
    elif len(options) < 2:
        errors.add("options", f"A {label} question needs at least two options.")
    elif len(options) > MAX_OPTIONS:
        errors.add("options", f"A question can have at most {MAX_OPTIONS} options.")

    cleaned: list[_Option] = []
    seen_texts: dict[str, int] = {}
    seen_ids: set[str] = set()
    for index, option in enumerate(options):
        n = index + 1
        key = f"options.{index}"
        text = (option.text or "").strip()
        if not text:
            errors.add(f"{key}.text", f"Option {n} needs text: every option is required.")
        elif len(text) > MAX_OPTION_TEXT:
            errors.add(f"{key}.text", f"Option {n} must be {MAX_OPTION_TEXT} characters or fewer.")
        elif (folded := text.casefold()) in seen_texts:
            errors.add(
                f"{key}.text",
                f"Option {n} repeats option {seen_texts[folded]} (“{text}”); option texts "
                "must be unique within a question, ignoring case.",
            )
        else:
            seen_texts[folded] = n

        option_id = None
        if option.id:
            try:
                option_id = str(uuid.UUID(str(option.id)))
            except ValueError:
                option_id = str(option.id)
            if option_id not in existing_ids or option_id in seen_ids:
                errors.add(f"{key}.id", f"Option {n} is not an option of this question.")
            seen_ids.add(option_id)

        weight = option.weight
        if survey_type == SurveyType.MULTIPLE_CHOICE_WEIGHTED:
            if weight is None:
                errors.add(
                    f"{key}.weight",
                    f"Option {n} needs a weight: every option of a weighted question has one.",
                )
            elif (
                not weight.is_finite()
                or abs(weight) > WEIGHT_LIMIT
                or weight != weight.quantize(Decimal("0.01"))
            ):
                errors.add(
                    f"{key}.weight",
                    f"Option {n}'s weight must be a number between -1000 and 1000 with at most "
                    "two decimal places.",
                )
        elif weight is not None:
            errors.add(
                f"{key}.weight",
                f"Option {n} has a weight, but only weighted multiple-choice questions use "
                "weights.",
            )

        if option.is_preferred and survey_type == SurveyType.MULTIPLE_CHOICE_WEIGHTED:
            errors.add(
                f"{key}.is_preferred",
                f"Option {n} is marked preferred, but weighted questions score by weight; "
                "unmark it.",
            )
        cleaned.append(_Option(option_id, text, weight, option.is_preferred))

    preferred = sum(o.is_preferred for o in cleaned)
    if survey_type in (SurveyType.MULTIPLE_CHOICE, SurveyType.THUMBS_UP_DOWN) and preferred > 1:
        errors.add(
            "options",
            f"Mark at most one preferred option: a {label} question has one best answer "
            f"({preferred} are marked).",
        )
    if survey_type == SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER and cleaned and not preferred:
        errors.add(
            "options",
            "Mark at least one preferred option: a question with several answers scores the "
            "preferred ones.",
        )
    return cleaned


def _clean(
    *,
    errors: RuleErrors,
    survey_type: str,
    options: Sequence[OptionInput],
    max_character_length: int | None,
    preferred_option: str,
    select_all_for_full_score: bool,
    existing_ids: set[str],
) -> list[_Option]:
    if survey_type not in SurveyType.values:
        errors.add("survey_type", f"Choose a survey type: one of {', '.join(SurveyType.values)}.")
        return []
    if survey_type == SurveyType.FREE_TEXT:
        if max_character_length is not None and not (
            1 <= max_character_length <= MAX_FREE_TEXT_LENGTH
        ):
            errors.add(
                "max_character_length",
                f"The maximum answer length must be between 1 and {MAX_FREE_TEXT_LENGTH:,} "
                "characters (or empty for no limit).",
            )
    elif max_character_length is not None:
        errors.add(
            "max_character_length",
            "Only free-text questions have a maximum answer length; leave it empty.",
        )
    if preferred_option and preferred_option not in SurveyQuestion.PreferredOption.values:
        errors.add("preferred_option", "The preferred answer must be YES, NO or empty.")
    elif preferred_option and survey_type != SurveyType.YES_NO:
        errors.add(
            "preferred_option",
            "Only yes/no questions have a preferred answer; mark preferred options instead.",
        )
    if select_all_for_full_score and survey_type != SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER:
        errors.add(
            "select_all_for_full_score",
            "Only questions with several answers can require every preferred option for the "
            "full score.",
        )
    return _clean_options(errors, survey_type, options, existing_ids=existing_ids)


def _write_options(
    question: SurveyQuestion, options: list[_Option], existing: dict[str, SurveyOption]
) -> None:
    """Make the question's options exactly ``options``, ordinals 1..n in that order."""
    keep = {o.id for o in options if o.id}
    SurveyOption.objects.filter(question=question).exclude(pk__in=keep).delete()
    SurveyOption.objects.filter(question=question).update(ordinal=F("ordinal") + _ORDINAL_PARKING)
    changed: list[SurveyOption] = []
    new: list[SurveyOption] = []
    for ordinal, option in enumerate(options, start=1):
        row = existing[option.id] if option.id else SurveyOption(question=question)
        row.text, row.weight, row.is_preferred, row.ordinal = (
            option.text,
            option.weight,
            option.is_preferred,
            ordinal,
        )
        (changed if option.id else new).append(row)
    SurveyOption.objects.bulk_update(changed, ["text", "weight", "is_preferred", "ordinal"])
    SurveyOption.objects.bulk_create(new)


@transaction.atomic
def survey_question_create(
    *,
    team: Team,
    by: User | None,
    title: str,
    question_text: str,
    survey_type: str,
    description: str = "",
    language: str = "en",
    options: Sequence[OptionInput] = (),
    max_character_length: int | None = None,
    preferred_option: str = "",
    select_all_for_full_score: bool = False,
) -> SurveyQuestion:
    errors = RuleErrors()
    title, question_text, description = clean_question_basics(
        errors,
        title=title,
        question_text=question_text,
        description=description,
        language=language,
    )
    cleaned = _clean(
        errors=errors,
        survey_type=survey_type,
        options=options,
        max_character_length=max_character_length,
        preferred_option=preferred_option,
        select_all_for_full_score=select_all_for_full_score,
        existing_ids=set(),
    )
    errors.raise_if_any()
    question = SurveyQuestion.objects.create(
        team=team,
        created_by=by,
        title=title,
        question_text=question_text,
        description=description,
        language=language,
        survey_type=survey_type,
        max_character_length=max_character_length,
        preferred_option=preferred_option,
        select_all_for_full_score=select_all_for_full_score,
    )
    _write_options(question, cleaned, {})
    return question


@transaction.atomic
def survey_question_update(
    *,
    question: SurveyQuestion,
    title: str,
    question_text: str,
    survey_type: str,
    description: str = "",
    language: str = "en",
    options: Sequence[OptionInput] = (),
    max_character_length: int | None = None,
    preferred_option: str = "",
    select_all_for_full_score: bool = False,
) -> SurveyQuestion:
    """Replace the question's content. Options given with their ``id`` are kept (answers that
    chose them stay linked); existing options left out are removed.

    Once candidates have answered, the type can't change and chosen options can't be removed:
    their answers would lose their meaning.
    """
    SurveyQuestion.objects.select_for_update().filter(pk=question.pk).first()
    existing = {str(o.pk): o for o in SurveyOption.objects.filter(question=question)}
    errors = RuleErrors()
    title, question_text, description = clean_question_basics(
        errors,
        title=title,
        question_text=question_text,
        description=description,
        language=language,
    )
    cleaned = _clean(
        errors=errors,
        survey_type=survey_type,
        options=options,
        max_character_length=max_character_length,
        preferred_option=preferred_option,
        select_all_for_full_score=select_all_for_full_score,
        existing_ids=set(existing),
    )
    if survey_type != question.survey_type and _has_answers(question):
        errors.add(
            "survey_type",
            "Candidates have already answered this question, so its type can't change; "
            "duplicate it and change the copy.",
        )
    kept = {o.id for o in cleaned if o.id}
    removed = [pk for pk in existing if pk not in kept]
    chosen = (
        SurveyOption.objects.filter(pk__in=removed, answers__isnull=False)
        .distinct()
        .order_by("ordinal")
        .values_list("text", flat=True)
        if removed
        else []
    )
    for text in chosen:
        errors.add(
            "options",
            f"“{text}” was chosen in candidates' answers and can't be removed; archive the "
            "question and use a copy instead.",
        )
    errors.raise_if_any()

    question.title = title
    question.question_text = question_text
    question.description = description
    question.language = language
    question.survey_type = survey_type
    question.max_character_length = max_character_length
    question.preferred_option = preferred_option
    question.select_all_for_full_score = select_all_for_full_score
    question.save()
    _write_options(question, cleaned, existing)
    return question


def _has_answers(question: SurveyQuestion) -> bool:
    return InterviewQuestion.objects.filter(
        survey_question=question, answers__isnull=False
    ).exists()


@transaction.atomic
def survey_question_duplicate(*, question: SurveyQuestion, by: User | None) -> SurveyQuestion:
    """A new, active question in the same team: same content and options, title + " (copy)"."""
    return question_copy(question=question, team=question.team, by=by, title=copy_title(question))
