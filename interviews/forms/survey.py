"""The survey question form: common fields, the type's own settings, and the options formset.

The forms only parse what was typed; ``interviews.services.survey`` owns every rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from interviews.filters import LANGUAGES
from interviews.forms.rows import RequiredByService
from interviews.models import SurveyOption, SurveyQuestion
from interviews.services.survey import MAX_OPTIONS, WITH_OPTIONS, OptionInput
from kit import limits

if TYPE_CHECKING:
    from django.forms.formsets import BaseFormSet

SurveyType = SurveyQuestion.SurveyType

# What each type shows on the options' rows.
WEIGHTED = frozenset({SurveyType.MULTIPLE_CHOICE_WEIGHTED})
WITH_PREFERRED = frozenset(
    {
        SurveyType.THUMBS_UP_DOWN,
        SurveyType.MULTIPLE_CHOICE,
        SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER,
    }
)
BLANK_OPTION: dict[str, Any] = {"id": "", "text": "", "weight": None, "is_preferred": False}


class SurveyQuestionForm(forms.Form):
    title = RequiredByService(max_length=200, help_text="How the question is listed in the bank.")
    question_text = RequiredByService(
        label="Question",
        max_length=limits.SURVEY_QUESTION_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What candidates read.",
    )
    description = forms.CharField(
        required=False,
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Notes for your team about this question.",
    )
    survey_type = forms.ChoiceField(label="Type", choices=SurveyType.choices)
    language = forms.ChoiceField(choices=LANGUAGES, initial="en")
    max_character_length = forms.IntegerField(
        required=False,
        label="Maximum answer length",
        help_text=f"In characters, up to {limits.FREE_TEXT_ANSWER:,} (also when left empty).",
    )
    preferred_option = forms.ChoiceField(
        required=False,
        label="Preferred answer",
        choices=[("", "No preference"), *SurveyQuestion.PreferredOption.choices],
        help_text="The answer that counts in the candidate's favour.",
    )
    select_all_for_full_score = forms.BooleanField(
        required=False, label="Full score only when every preferred option is chosen"
    )


class OptionForm(forms.Form):
    id = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(required=False, max_length=limits.SURVEY_OPTION, label="Option")
    weight = forms.DecimalField(required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    is_preferred = forms.BooleanField(required=False, label="Preferred")


OptionFormSet = forms.formset_factory(
    OptionForm, extra=0, max_num=MAX_OPTIONS * 5, absolute_max=MAX_OPTIONS * 5
)


def option_formset(
    data: Any = None, *, initial: list[dict[str, Any]] | None = None
) -> BaseFormSet[OptionForm]:
    return OptionFormSet(data, initial=initial, prefix="options")


def question_initial(question: SurveyQuestion) -> dict[str, Any]:
    return {
        "title": question.title,
        "question_text": question.question_text,
        "description": question.description,
        "survey_type": question.survey_type,
        "language": question.language,
        "max_character_length": question.max_character_length,
        "preferred_option": question.preferred_option,
        "select_all_for_full_score": question.select_all_for_full_score,
    }


def option_rows(options: list[SurveyOption]) -> list[dict[str, Any]]:
    return [
        {"id": str(o.pk), "text": o.text, "weight": o.weight, "is_preferred": o.is_preferred}
        for o in options
    ]


def rows_for_type(survey_type: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Starting rows when a type with options is chosen and there are too few to edit."""
    if survey_type == SurveyType.THUMBS_UP_DOWN and not rows:
        return [
            {**BLANK_OPTION, "text": "Thumbs up", "is_preferred": True},
            {**BLANK_OPTION, "text": "Thumbs down"},
        ]
    if survey_type in WITH_OPTIONS and len(rows) < 2:
        return rows + [dict(BLANK_OPTION) for _ in range(2 - len(rows))]
    return rows


def option_inputs(formset: BaseFormSet[OptionForm], survey_type: str) -> list[OptionInput]:
    """The service's options from a valid formset, keeping only what ``survey_type`` uses."""
    if survey_type not in WITH_OPTIONS:
        return []
    return [
        OptionInput(
            id=form.cleaned_data.get("id") or None,
            text=form.cleaned_data.get("text") or "",
            weight=form.cleaned_data.get("weight") if survey_type in WEIGHTED else None,
            is_preferred=bool(form.cleaned_data.get("is_preferred"))
            and survey_type in WITH_PREFERRED,
        )
        for form in formset.forms
    ]


def question_fields(form: SurveyQuestionForm) -> dict[str, Any]:
    """The service's keyword arguments from a valid form, keeping only what the type uses."""
    data = form.cleaned_data
    survey_type = data["survey_type"]
    return {
        "title": data["title"],
        "question_text": data["question_text"],
        "description": data["description"],
        "language": data["language"],
        "survey_type": survey_type,
        "max_character_length": (
            data["max_character_length"] if survey_type == SurveyType.FREE_TEXT else None
        ),
        "preferred_option": (data["preferred_option"] if survey_type == SurveyType.YES_NO else ""),
        "select_all_for_full_score": (
            data["select_all_for_full_score"]
            and survey_type == SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER
        ),
    }
