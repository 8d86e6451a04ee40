"""Per-interview counters: how many questions an interview asks and how many of its invites are
open (invited or in progress) or completed, kept on the ``Interview`` row so the interview list
and the home page read them instead of counting invites on every request.

Every service that creates, deletes or moves an invite between statuses calls
``invite_counts_apply`` (or ``invite_counts_apply_many`` for a bulk change) in its own
transaction; the question-list services set ``question_count`` where they renumber.
``interview_counts_recount`` recomputes them from the rows (``manage.py
interview_counts_recount``) and is the test's oracle.

Locking: the counter update takes the interview row's lock until the caller's transaction ends,
so services call it after their invite writes (invite row first, then the interview row: one
order everywhere, no deadlock), and bulk changes update interviews in primary-key order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from candidates.models import CandidateInterview
from interviews.models import Interview, InterviewQuestion

_Status = CandidateInterview.Status

# Each counter and the invite statuses it counts.
INVITE_COUNTERS: dict[str, frozenset[str]] = {
    "open_invite_count": frozenset({_Status.INVITED, _Status.IN_PROGRESS}),
    "completed_invite_count": frozenset({_Status.COMPLETED}),
}
COUNTER_FIELDS = ("question_count", *INVITE_COUNTERS)

_RECOUNT_CHUNK = 500


def _deltas(before: str | None, after: str | None, n: int) -> dict[str, int]:
    deltas = {}
    for field, statuses in INVITE_COUNTERS.items():
        d = n * ((after in statuses) - (before in statuses))
        if d:
            deltas[field] = d
    return deltas


def _moved(field: str, d: int) -> Any:
    # Never below zero: a counter that drifted (a row written around the services, e.g. in the
    # admin) must not make a candidate's or recruiter's action fail; the recount repairs it.
    return F(field) + d if d > 0 else Greatest(F(field) + d, Value(0))


def _apply(interview_id: Any, deltas: dict[str, int]) -> None:
    if deltas:
        Interview.objects.filter(pk=interview_id).update(
            **{field: _moved(field, d) for field, d in deltas.items()}
        )


def invite_counts_apply(
    *, interview_id: Any, before: str | None, after: str | None, n: int = 1
) -> None:
    """Adjust the counters of interview ``interview_id`` for ``n`` invites moving from status
    ``before`` (``None``: newly created) to ``after`` (``None``: deleted): one ``UPDATE`` in the
    caller's transaction, none when no counter changes."""
    if n and before != after:
        _apply(interview_id, _deltas(before, after, n))


def invite_counts_apply_many(*, moves: Iterable[tuple[Any, str | None, str | None]]) -> None:
    """``invite_counts_apply`` for many invites at once: ``moves`` holds one
    ``(interview_id, before, after)`` per invite; one ``UPDATE`` per interview whose counters
    change, in primary-key order."""
    per_interview: dict[Any, Counter[str]] = {}
    for (interview_id, before, after), n in Counter(moves).items():
        for field, d in _deltas(before, after, n).items():
            per_interview.setdefault(interview_id, Counter())[field] += d
    for interview_id in sorted(per_interview, key=str):
        _apply(interview_id, {f: d for f, d in per_interview[interview_id].items() if d})


def question_count_apply(*, interview_id: Any, delta: int) -> None:
    """Adjust the interview's question count by ``delta`` (in the caller's transaction)."""
    if delta:
        Interview.objects.filter(pk=interview_id).update(
            question_count=_moved("question_count", delta)
        )


def _real_counts() -> dict[str, Coalesce]:
    def count_of(model: Any, **filters: Any) -> Coalesce:
        rows = (
            model.objects.filter(interview=OuterRef("pk"), **filters)
            .order_by()
            .values("interview")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    real = {"question_count": count_of(InterviewQuestion)}
    for field, statuses in INVITE_COUNTERS.items():
        real[field] = count_of(CandidateInterview, status__in=sorted(statuses))
    return real


def interview_counts_recount(*, interview_ids: Iterable[Any] | None = None) -> int:
    """Recompute the counters of ``interview_ids`` (default: every interview) from the rows and
    store those that differ; returns how many interviews changed.

    Works in chunks, each in its own transaction that locks the chunk's interview rows before
    counting: a concurrent invite change either committed before (and is counted) or applies its
    delta after the recount's write (and is not counted twice)."""
    if interview_ids is None:
        ids = list(Interview.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(interview_ids), key=str)
    changed = 0
    real = _real_counts()
    for start in range(0, len(ids), _RECOUNT_CHUNK):
        chunk = ids[start : start + _RECOUNT_CHUNK]
        with transaction.atomic():
            list(
                Interview.objects.filter(pk__in=chunk)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", flat=True)
            )
            rows = (
                Interview.objects.filter(pk__in=chunk)
                .annotate(**{f"real_{field}": expr for field, expr in real.items()})
                .values("pk", *COUNTER_FIELDS, *(f"real_{field}" for field in COUNTER_FIELDS))
            )
            for row in rows:
                fixed = {
                    field: row[f"real_{field}"]
                    for field in COUNTER_FIELDS
                    if row[field] != row[f"real_{field}"]
                }
                if fixed:
                    Interview.objects.filter(pk=row["pk"]).update(**fixed)
                    changed += 1
    return changed
