"""The AI text question form and its rubric formset.

The forms only parse what was typed; ``interviews.services.ai_text`` owns every rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from interviews.filters import LANGUAGES
from interviews.forms.rows import RequiredByService
from interviews.models import AITextQuestion, RubricCriterion
from interviews.services.ai_text import MAX_CRITERIA, CriterionInput
from kit import limits

if TYPE_CHECKING:
    from django.forms.formsets import BaseFormSet

BLANK_CRITERION: dict[str, Any] = {
    "id": "",
    "name": "",
    "strong_answer": "",
    "weight": 1,
    "ideal_answer": "",
}


class AITextQuestionForm(forms.Form):
    title = RequiredByService(max_length=200, help_text="How the question is listed in the bank.")
    question_text = RequiredByService(
        label="Question",
        max_length=limits.AI_QUESTION_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What candidates read and answer in writing.",
    )
    description = forms.CharField(
        required=False,
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Notes for your team about this question.",
    )
    max_answer_length = forms.IntegerField(
        label="Maximum answer length",
        initial=5000,
        help_text=f"In characters, from 1 to {limits.WRITTEN_ANSWER:,}.",
    )
    language = forms.ChoiceField(choices=LANGUAGES, initial="en")


class CriterionForm(forms.Form):
    id = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(required=False, max_length=120, label="Criterion")
    strong_answer = forms.CharField(
        required=False,
        label="What a strong answer shows",
        max_length=limits.STRONG_ANSWER,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    weight = forms.IntegerField(
        required=False, widget=forms.NumberInput(attrs={"min": 1, "max": 10})
    )
    ideal_answer = forms.CharField(
        required=False,
        label="Ideal answer",
        help_text="Optional. Written like a candidate's answer; the AI advice compares answers "
        "with it point by point and is markedly better with one.",
        max_length=limits.IDEAL_ANSWER,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


CriterionFormSet = forms.formset_factory(
    CriterionForm, extra=0, max_num=MAX_CRITERIA * 5, absolute_max=MAX_CRITERIA * 5
)


def criterion_formset(
    data: Any = None, *, initial: list[dict[str, Any]] | None = None
) -> BaseFormSet[CriterionForm]:
    return CriterionFormSet(data, initial=initial, prefix="criteria")


def question_initial(question: AITextQuestion) -> dict[str, Any]:
    return {
        "title": question.title,
        "question_text": question.question_text,
        "description": question.description,
        "max_answer_length": question.max_answer_length,
        "language": question.language,
    }


def criterion_rows(criteria: list[RubricCriterion]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(c.pk),
            "name": c.name,
            "strong_answer": c.strong_answer,
            "weight": c.weight,
            "ideal_answer": c.ideal_answer,
        }
        for c in criteria
    ]


def criterion_inputs(formset: BaseFormSet[CriterionForm]) -> list[CriterionInput]:
    """The service's criteria from a valid formset. An empty weight is passed as 0, not
    defaulted, so the service's rule is reported next to the field."""
    return [
        CriterionInput(
            id=form.cleaned_data.get("id") or None,
            name=form.cleaned_data.get("name") or "",
            strong_answer=form.cleaned_data.get("strong_answer") or "",
            weight=form.cleaned_data.get("weight") or 0,
            ideal_answer=form.cleaned_data.get("ideal_answer") or "",
        )
        for form in formset.forms
    ]
