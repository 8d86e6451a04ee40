"""The fixes docs/performance.md proposes, applied in memory so a bench can measure them first.

    BENCH_PROPOSED=1 .venv/bin/python -m bench.throughput

bench.settings imports this module when BENCH_PROPOSED=1 (gunicorn and the in-process
capture both read it), and bench.throughput then adds the one index the plan asks for (and
drops it after). The application's own code is untouched: each function here is the patch as
it would be written in place, with the same name.
"""

from __future__ import annotations

import math
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet

COUNT_EXACT_UP_TO = 10_000
INDEX_NAME = "invite_interview_completed"
INDEX_SQL = (
    f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON candidates_candidateinterview "
    "(interview_id, completed_at DESC NULLS LAST, created_at DESC, id)"
)


def bounded_count(queryset: QuerySet[Any]) -> tuple[int, bool]:
    """(total, exact): an exact count up to COUNT_EXACT_UP_TO rows, else PostgreSQL's estimate
    of the query's rows, so a list of a million rows never counts them all."""
    capped = queryset.order_by()[: COUNT_EXACT_UP_TO + 1].count()
    if capped <= COUNT_EXACT_UP_TO or connection.vendor != "postgresql":
        return capped, capped <= COUNT_EXACT_UP_TO
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    return max(capped, int(plan[0]["Plan"]["Plan Rows"])), False


def paginate(request: Any, queryset: QuerySet[Any], key: str, render: Any) -> Any:
    from api.responses import envelope, page_params

    page, size = page_params(request)
    total, exact = bounded_count(queryset)
    rows = list(queryset[(page - 1) * size : page * size])
    return envelope(
        request,
        {
            key: [render(row) for row in rows],
            "pagination": {
                "total": total,
                "totalIsExact": exact,
                "page": page,
                "pages": max(1, math.ceil(total / size)),
                "pageSize": size,
            },
        },
    )


def human_score_distribution(invites: QuerySet[Any]) -> dict[int, int]:
    """From the ratings side: only invites with a submitted scorecard are read, instead of a
    correlated subquery for every invite of the interview."""
    from candidates.analytics import SCALE, Status
    from candidates.models import Rating

    means = (
        Rating.objects.filter(
            scorecard__candidate_interview__in=invites.exclude(status=Status.DRAFT),
            scorecard__submitted_at__isnull=False,
        )
        .order_by()
        .values("scorecard__candidate_interview")
        .annotate(human=Avg("score"))
    )
    edges = {1: (None, 1.5), 2: (1.5, 2.5), 3: (2.5, 3.5), 4: (3.5, 4.5), 5: (4.5, None)}
    buckets = {}
    for point, (low, high) in edges.items():
        cond = Q(human__isnull=False)
        if low is not None:
            cond &= Q(human__gte=low)
        if high is not None:
            cond &= Q(human__lt=high)
        buckets[f"s{point}"] = Count("human", filter=cond)
    counts = means.aggregate(**buckets)
    return {point: counts[f"s{point}"] for point in SCALE}


def _count_of(model: Any, **filters: Any) -> Any:
    """A correlated count of ``model`` rows of the outer interview, 0 when there are none."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    rows = (
        model.objects.filter(interview=OuterRef("pk"), **filters)
        .order_by()
        .values("interview")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def interview_list(
    *,
    team: Any,
    include_archived: bool = False,
    filters: dict[str, str] | None = None,
    membership: Any = None,
) -> QuerySet[Any]:
    """interviews.selectors.interview_list with its three counts as correlated subqueries:
    the JOIN of questions x invites (then COUNT DISTINCT) read every invite of every
    interview; a subquery per shown row reads one interview's index range, and only for the
    page of rows the LIMIT keeps."""
    from candidates.models import CandidateInterview
    from candidates.selectors import interviews_visible
    from interviews.models import Interview, InterviewQuestion

    filters = filters or {}
    interviews = (
        Interview.objects.for_team(team)
        if membership is None
        else interviews_visible(membership=membership)
    )
    status = filters.get("status", "")
    if status == "all" or include_archived:
        pass
    elif status:
        interviews = interviews.filter(status=int(status))
    else:
        interviews = interviews.exclude(status=Interview.Status.ARCHIVED)
    if filters.get("type"):
        interviews = interviews.filter(interview_type=filters["type"])
    if q := (filters.get("q") or "").strip():
        interviews = interviews.filter(Q(title__icontains=q) | Q(display_name__icontains=q))
    return interviews.annotate(
        question_count=_count_of(InterviewQuestion),
        invited_count=_count_of(CandidateInterview, status__in=["INVITED", "IN_PROGRESS"]),
        completed_count=_count_of(CandidateInterview, status="COMPLETED"),
    ).order_by("-created_at")


def apply() -> None:
    import api.candidates
    import api.interviews
    import api.questions
    import api.responses
    import api.webhooks
    import candidates.analytics
    import interviews.selectors
    import interviews.views.builder

    for module in (api.responses, api.candidates, api.interviews, api.questions, api.webhooks):
        module.paginate = paginate  # type: ignore[attr-defined]
    candidates.analytics.human_score_distribution = human_score_distribution
    for module in (interviews.selectors, interviews.views.builder, api.interviews):
        module.interview_list = interview_list  # type: ignore[attr-defined]
