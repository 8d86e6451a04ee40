"""Adverse impact of the AI advice itself, before any decision.

The same report as ``candidates.impact`` (rows, exclusions, impact ratios and the four-fifths
flag come from ``impact.report_from_counts``), with "selected" meaning *the AI advice passes*:
the invite's AI score from ``candidates.scores``, as shown (one decimal, half up), is at or
above the team's ``ai_pass_threshold``. The sample is the completed interviews whose candidate
answered the voluntary survey *and* that have AI advice (candidates who declined AI evaluation,
or whose answers are not scored yet, are not in it).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from candidates.impact import ImpactReport, report_from_counts
from candidates.models import CandidateInterview
from candidates.scores import round_score, scores_annotated, scores_of

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import Team
    from interviews.models import Interview


def ai_advice_impact_report(
    *, invites: QuerySet[CandidateInterview], threshold: Decimal
) -> ImpactReport:
    """The report on ``invites`` (already scoped to one interview or one team), in one query."""
    rows = (
        scores_annotated(
            invites.filter(
                status=CandidateInterview.Status.COMPLETED, self_identification__isnull=False
            ).select_related("self_identification")
        )
        .filter(Q(ai_score__isnull=False))
        .order_by()
    )
    counts: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"n": 0, "selected": 0})
    for row in rows:
        survey = row.self_identification
        entry = counts[(survey.sex, survey.race_ethnicity)]
        entry["n"] += 1
        shown = round_score(scores_of(row).ai)
        if shown is not None and shown >= threshold:
            entry["selected"] += 1
    return report_from_counts(
        [{"sex": sex, "race_ethnicity": race, **c} for (sex, race), c in counts.items()]
    )


def interview_ai_impact_report(*, interview: Interview) -> ImpactReport:
    return ai_advice_impact_report(
        invites=CandidateInterview.objects.filter(team_id=interview.team_id, interview=interview),
        threshold=interview.team.ai_pass_threshold,
    )


def team_ai_impact_report(*, team: Team) -> ImpactReport:
    return ai_advice_impact_report(
        invites=CandidateInterview.objects.for_team(team), threshold=team.ai_pass_threshold
    )
