"""The search and filter bar shared by the three question banks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Count, Q, QuerySet

from interviews.languages import LANGUAGES
from interviews.selectors import questions_visible, usages_visible

if TYPE_CHECKING:
    from accounts.models import Membership
    from accounts.tenancy import TeamScopedQuerySet


class QuestionFilterForm(forms.Form):
    """``q`` searches title and text; ``archived`` is active (default), archived or all."""

    ARCHIVED_CHOICES = [("", "Active"), ("only", "Archived"), ("all", "All")]

    q = forms.CharField(required=False, label="Search", max_length=200)
    archived = forms.ChoiceField(required=False, choices=ARCHIVED_CHOICES, label="Show")
    language = forms.ChoiceField(required=False, choices=[("", "Any language"), *LANGUAGES])

    def __init__(
        self, *args: Any, type_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        if type_choices:
            self.fields["type"] = forms.ChoiceField(
                required=False, choices=[("", "Any type"), *type_choices]
            )

    def filters(self) -> dict[str, str]:
        return self.cleaned_data if self.is_valid() else {}


def question_list(
    *,
    queryset: TeamScopedQuerySet[Any],
    membership: Membership,
    filters: dict[str, str],
    text_fields: tuple[str, ...],
    type_field: str = "",
) -> QuerySet[Any]:
    """A bank's questions that ``membership`` may see, filtered, with ``usage_count`` (the
    interviews using it that the member may see)."""
    questions = questions_visible(queryset, membership=membership)
    archived = filters.get("archived", "")
    if archived == "only":
        questions = questions.filter(archived_at__isnull=False)
    elif archived != "all":
        questions = questions.filter(archived_at__isnull=True)
    if filters.get("language"):
        questions = questions.filter(language=filters["language"])
    if type_field and filters.get("type"):
        questions = questions.filter(**{type_field: filters["type"]})
    if q := (filters.get("q") or "").strip():
        match = Q(title__icontains=q)
        for field in text_fields:
            match |= Q(**{f"{field}__icontains": q})
        questions = questions.filter(match)
    usages = Count("usages", distinct=True, filter=usages_visible(membership=membership))
    return questions.annotate(usage_count=usages).order_by("-created_at")
