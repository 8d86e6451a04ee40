"""Forms of the review page. They only parse and carry errors; the services validate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError

from candidates.models import CandidateInterview, Scorecard
from kit import limits

if TYPE_CHECKING:
    from candidates.models import Rating
    from interviews.models import ScorecardCriterion

SCALE = [(str(n), str(n)) for n in range(1, 6)]


class ScorecardForm(forms.Form):
    """One score (1-5 radio buttons, anchors as their labels) and note per criterion, then a
    recommendation and notes. Criteria fields are ``score_<id>`` and ``note_<id>``."""

    recommendation = forms.CharField(required=False)
    notes = forms.CharField(
        required=False, max_length=limits.COMMENT, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, criteria: list[ScorecardCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            # Parsed as text: the service says what is wrong with a bad score, by field.
            self.fields[f"score_{criterion.pk}"] = forms.CharField(required=False)
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                required=False, max_length=limits.COMMENT, widget=forms.Textarea(attrs={"rows": 1})
            )

    @classmethod
    def initial_for(cls, scorecard: Scorecard | None) -> dict[str, Any]:
        if scorecard is None:
            return {}
        initial: dict[str, Any] = {
            "recommendation": scorecard.recommendation,
            "notes": scorecard.notes,
        }
        rating: Rating
        for rating in scorecard.ratings.all():
            initial[f"score_{rating.criterion_id}"] = str(rating.score)
            initial[f"note_{rating.criterion_id}"] = rating.note
        return initial

    def ratings(self) -> list[dict[str, Any]]:
        """The ratings to save, including any ``score_<id>`` posted for an unknown criterion."""
        keys = {c.pk: None for c in self.criteria}
        rows = [
            {
                "criterion": str(pk),
                "score": self.cleaned_data.get(f"score_{pk}") or None,
                "note": self.cleaned_data.get(f"note_{pk}", ""),
            }
            for pk in keys
        ]
        known = {f"score_{pk}" for pk in keys}
        for name in self.data:
            if name.startswith("score_") and name not in known:
                rows.append(
                    {"criterion": name.removeprefix("score_"), "score": self.data.get(name)}
                )
        return rows

    def apply_errors(self, exc: ValidationError) -> None:
        for name, errors in exc.error_dict.items():
            if name in self.fields:
                self.add_error(name, errors)
            else:
                self.add_error(None, errors)

    def rows(self) -> list[dict[str, Any]]:
        """Per criterion: the criterion, its bound score and note fields, and its scale with
        the anchors, for the template."""
        result = []
        for criterion in self.criteria:
            score = self[f"score_{criterion.pk}"]
            anchors = criterion.anchors or {}
            result.append(
                {
                    "criterion": criterion,
                    "score": score,
                    "note": self[f"note_{criterion.pk}"],
                    "value": str(score.value() or ""),
                    "scale": [(value, anchors.get(value, "")) for value, _ in SCALE],
                }
            )
        return result

    @property
    def recommendation_choices(self) -> list[tuple[str, str]]:
        return list(Scorecard.Recommendation.choices)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=limits.COMMENT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Mention a teammate with @first.last or @their@email; they get an email.",
    )
    answer = forms.UUIDField(required=False, widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=CandidateInterview.Decision.choices)


class OverrideForm(forms.Form):
    value = forms.TypedChoiceField(label="Your score", choices=SCALE, coerce=int)
    reason = forms.CharField(label="Reason", max_length=limits.OVERRIDE_REASON)
