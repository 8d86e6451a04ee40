"""Scorecard templates: the criteria hiring managers rate an interview's candidates on."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from interviews.models import Interview, ScorecardCriterion, ScorecardTemplate
from interviews.selectors import interview_scorecard_template
from kit import limits

SCALE = ("1", "2", "3", "4", "5")

DEFAULT_ANCHORS = {
    "1": "No evidence: the answers do not show this.",
    "2": "Weak: some signs, with notable gaps.",
    "3": "Meets the bar: solid, typical of a good hire.",
    "4": "Strong: clear, specific evidence.",
    "5": "Exceptional: among the best you have seen.",
}

DEFAULT_CRITERIA = [
    ("Communication", "Explains ideas clearly and concisely; structures the answer."),
    ("Role knowledge", "Shows the skills and knowledge the role needs, with concrete examples."),
    ("Problem solving", "Reasons through problems, weighs trade-offs, learns from mistakes."),
    ("Motivation and fit", "Knows why they want this role; values match the team's."),
]


def _clean_criteria(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not criteria:
        raise ValidationError({"criteria": "Add at least one criterion."})
    seen: set[str] = set()
    cleaned = []
    for index, row in enumerate(criteria, start=1):
        name = " ".join(str(row.get("name", "")).split())
        if not name:
            raise ValidationError({"criteria": f"Criterion {index}: enter a name."})
        if len(name) > 120:
            raise ValidationError({"criteria": f"Criterion {index}: at most 120 characters."})
        if name.lower() in seen:
            raise ValidationError({"criteria": f"Criterion {index}: “{name}” appears twice."})
        seen.add(name.lower())
        try:
            weight = int(row.get("weight", 1))
        except (TypeError, ValueError):
            weight = 0
        if not 1 <= weight <= 10:
            raise ValidationError(
                {"criteria": f"Criterion {index}: the weight must be a whole number from 1 to 10."}
            )
        anchors = {
            k: str(v).strip() for k, v in (row.get("anchors") or {}).items() if str(v).strip()
        }
        if set(anchors) - set(SCALE):
            raise ValidationError(
                {"criteria": f"Criterion {index}: anchors describe the points 1 to 5 only."}
            )
        description = str(row.get("description", "")).strip()
        too_long = len(description) > limits.DESCRIPTION or any(
            len(text) > limits.SCORECARD_ANCHOR for text in anchors.values()
        )
        if too_long:
            raise ValidationError(
                {
                    "criteria": f"Criterion {index}: a description has at most "
                    f"{limits.DESCRIPTION:,} characters, an anchor {limits.SCORECARD_ANCHOR}."
                }
            )
        cleaned.append(
            {
                "name": name,
                "description": description,
                "weight": weight,
                "anchors": anchors,
            }
        )
    return cleaned


@transaction.atomic
def scorecard_template_save(
    *, interview: Interview, name: str, criteria: list[dict[str, Any]]
) -> ScorecardTemplate:
    """Create or replace the interview's scorecard template with ``criteria`` in order.

    Each criterion: ``name``, ``description``, ``weight`` (1-10), ``anchors`` ({"1".."5": text}).
    """
    name = " ".join(name.split()) or "Scorecard"
    rows = _clean_criteria(criteria)
    template = interview_scorecard_template(interview)
    if template is None:
        template = ScorecardTemplate.objects.create(
            team=interview.team, interview=interview, name=name
        )
    else:
        template.name = name
        template.save(update_fields=["name"])
    existing = {c.name.lower(): c for c in template.criteria.all()}
    # Keep rows whose name survives (ratings point at them); park ordinals, then rewrite.
    template.criteria.update(ordinal=F("ordinal") + 1_000_000)
    keep = []
    for ordinal, row in enumerate(rows, start=1):
        criterion = existing.pop(row["name"].lower(), None) or ScorecardCriterion(template=template)
        for field, value in row.items():
            setattr(criterion, field, value)
        criterion.ordinal = ordinal
        keep.append(criterion)
    ScorecardCriterion.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    for criterion in keep:
        criterion.save()
    return template


@transaction.atomic
def scorecard_template_create_default(*, interview: Interview) -> ScorecardTemplate:
    """The template a new interview starts with: four broad criteria, anchored 1-5."""
    return scorecard_template_save(
        interview=interview,
        name="Standard scorecard",
        criteria=[
            {"name": n, "description": d, "weight": 1, "anchors": DEFAULT_ANCHORS}
            for n, d in DEFAULT_CRITERIA
        ],
    )
