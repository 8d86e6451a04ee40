"""Adverse-impact reports: selection rates and impact ratios by self-identified category.

The method of NYC Local Law 144 bias audits (6 RCNY § 5-301): for each category, the selection
rate is the share of its candidates that were *selected* — here, that the recruiter advanced —
and the impact ratio is that rate divided by the rate of the most selected category. A ratio
under 0.8 fails the EEOC's four-fifths rule of thumb and deserves a look.

The sample is the completed candidate interviews whose candidate answered the voluntary survey.
"Prefer not to say" is counted but kept out of the ratios, and a category holding less than 2 %
of the sample is excluded from the ratios (as the rules allow) and listed as excluded. Reports
show only aggregates: no page or API shows one candidate's self-identification.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from candidates.models import CandidateInterview, SelfIdentification

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import Team
    from interviews.models import Interview

FOUR_FIFTHS = Decimal("0.8")
SMALL_CATEGORY_SHARE = Decimal("0.02")
Sex = SelfIdentification.Sex
Race = SelfIdentification.RaceEthnicity


@dataclass
class CategoryRow:
    dimension: str  # "sex", "race_ethnicity" or "intersectional"
    label: str
    applicants: int
    selected: int
    selection_rate: Decimal | None = None
    impact_ratio: Decimal | None = None
    excluded: str = ""  # why the category has no ratio

    @property
    def below_four_fifths(self) -> bool:
        return self.impact_ratio is not None and self.impact_ratio < FOUR_FIFTHS


@dataclass
class ImpactReport:
    sample: int  # completed interviews with a self-identification
    selected: int
    declined: int  # "prefer not to say" on both questions
    rows: list[CategoryRow] = field(default_factory=list)

    def dimension(self, name: str) -> list[CategoryRow]:
        return [row for row in self.rows if row.dimension == name]

    @property
    def flagged(self) -> list[CategoryRow]:
        return [row for row in self.rows if row.below_four_fifths]


def _rate(selected: int, applicants: int) -> Decimal:
    return (Decimal(selected) / Decimal(applicants)).quantize(Decimal("0.0001"))


def _score(rows: list[CategoryRow], sample: int) -> None:
    """Selection rates, exclusions and impact ratios for one dimension's rows, in place."""
    for row in rows:
        if row.applicants:
            row.selection_rate = _rate(row.selected, row.applicants)
        if row.applicants == 0:
            row.excluded = "No candidates"
        elif sample and Decimal(row.applicants) / Decimal(sample) < SMALL_CATEGORY_SHARE:
            row.excluded = "Under 2% of the sample"
    scored = [r for r in rows if not r.excluded and r.selection_rate is not None]
    best = max((r.selection_rate for r in scored if r.selection_rate is not None), default=None)
    for row in scored:
        if best and row.selection_rate is not None:
            row.impact_ratio = (row.selection_rate / best).quantize(Decimal("0.001"))
        elif best == 0:
            row.excluded = "Nobody was selected"


def impact_report(*, invites: QuerySet[CandidateInterview]) -> ImpactReport:
    """The report for ``invites`` (already scoped to one interview or one team)."""
    base = SelfIdentification.objects.filter(
        candidate_interview__in=invites.filter(status=CandidateInterview.Status.COMPLETED)
    )
    advanced = Q(candidate_interview__decision=CandidateInterview.Decision.ADVANCE)
    counts: list[dict[str, Any]] = [
        dict(row)
        for row in base.order_by()
        .values("sex", "race_ethnicity")
        .annotate(n=Count("id"), selected=Count("id", filter=advanced))
    ]
    return report_from_counts(counts)


def report_from_counts(counts: list[dict[str, Any]]) -> ImpactReport:
    """The report from ``{"sex", "race_ethnicity", "n", "selected"}`` counts per combination:
    what "selected" means is the caller's (a decision to advance, AI advice passing …)."""
    sample = sum(c["n"] for c in counts)
    report = ImpactReport(
        sample=sample,
        selected=sum(c["selected"] for c in counts),
        declined=sum(
            c["n"]
            for c in counts
            if c["sex"] == Sex.DECLINED and c["race_ethnicity"] == Race.DECLINED
        ),
    )

    def total(match: dict[str, str]) -> tuple[int, int]:
        rows = [c for c in counts if all(c[k] == v for k, v in match.items())]
        return sum(c["n"] for c in rows), sum(c["selected"] for c in rows)

    dimensions: list[tuple[str, list[tuple[str, dict[str, str]]]]] = [
        ("sex", [(str(s.label), {"sex": s.value}) for s in Sex if s != Sex.DECLINED]),
        (
            "race_ethnicity",
            [(str(r.label), {"race_ethnicity": r.value}) for r in Race if r != Race.DECLINED],
        ),
        (
            "intersectional",
            [
                (f"{r.label} {str(s.label).lower()}", {"sex": s.value, "race_ethnicity": r.value})
                for r in Race
                if r != Race.DECLINED
                for s in Sex
                if s != Sex.DECLINED
            ],
        ),
    ]
    for name, categories in dimensions:
        rows = []
        for label, match in categories:
            applicants, selected = total(match)
            rows.append(CategoryRow(name, label, applicants, selected))
        _score(rows, sample)
        report.rows.extend(rows)
    return report


def interview_impact_report(*, interview: Interview) -> ImpactReport:
    return impact_report(invites=CandidateInterview.objects.filter(interview=interview))


def team_impact_report(*, team: Team) -> ImpactReport:
    return impact_report(invites=CandidateInterview.objects.for_team(team))
