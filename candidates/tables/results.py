"""An interview's results table (rows from ``selectors_results.result_list``)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from candidates.models import CandidateInterview
from candidates.scores import Scores, score_text, scores_of
from candidates.selectors_results import result_sorted
from candidates.tables.invites import invite_status_badge
from kit.tables import NUMBER, NUMBER_WIDE_ONLY, WIDE_ONLY, DirectCellsMixin, hidden_header

DECISION_CSS = {"advance": "success", "hold": "warning", "reject": "danger"}


def review_url(pk: Any) -> str:
    """The review page of invite ``pk``; its detail page while the review page is not built."""
    try:
        return reverse("candidates:invite_review", args=[pk])
    except NoReverseMatch:
        return reverse("candidates:invite_detail", args=[pk])


def ai_score_html(scores: Scores, *, testid: str = "ai-score") -> str:
    """The AI figure with what it rests on; muted when it rests on only some answers."""
    if scores.ai_declined:
        return format_html(
            '<span class="text-body-secondary">{}</span>'
            '<div class="small text-body-secondary" data-testid="ai-declined">{}</div>',
            "—",
            scores.ai_basis_text,
        )
    if scores.ai is None:
        return format_html('<span class="text-body-secondary">{}</span>', "—")
    return format_html(
        '<span data-testid="{}" class="{}" title="{}">{}</span>'
        '<div class="small {}" data-testid="ai-basis">{}</div>',
        testid,
        "text-body-secondary" if scores.ai_partial else "",
        _("AI advice, not a decision"),
        scores.ai_text,
        "fw-semibold text-warning-emphasis" if scores.ai_partial else "text-body-secondary",
        scores.ai_basis_text,
    )


def decision_badge(invite: CandidateInterview) -> str:
    if not invite.decision:
        return format_html('<span class="small text-body-secondary">{}</span>', "Undecided")
    return format_html(
        '<span class="badge text-bg-{}" data-testid="decision">{}</span>',
        DECISION_CSS.get(invite.decision, "secondary"),
        invite.get_decision_display(),
    )


class ResultTable(DirectCellsMixin, tables.Table):
    # The compare page and the bulk decisions take the chosen invites as ?ids=<id>&ids=<id>
    # (the form outside the table; each action button sets its own formaction).
    select = tables.Column(
        verbose_name=format_html(
            '<input type="checkbox" class="form-check-input" data-select-all aria-label="{}">',
            "Select all on this page",
        ),
        accessor="pk",
        orderable=False,
        attrs={"th": {"class": "select-col"}, "td": {"class": "select-col"}},
    )
    candidate = tables.Column(verbose_name="Candidate")
    status = tables.Column(verbose_name="Status", attrs=WIDE_ONLY)
    completed_at = tables.Column(verbose_name="Completed", attrs=WIDE_ONLY)
    ai_score = tables.Column(verbose_name="AI advice", attrs=NUMBER, empty_values=())
    human_score = tables.Column(verbose_name="Reviewers", attrs=NUMBER, empty_values=())
    knockout_count = tables.Column(
        verbose_name="Knockouts", attrs=NUMBER_WIDE_ONLY, orderable=False
    )
    decision = tables.Column(verbose_name="Decision", orderable=False, empty_values=())
    review = tables.Column(
        verbose_name=hidden_header("Review"),
        accessor="pk",
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )

    class Meta:
        model = CandidateInterview
        fields = [
            "select",
            "candidate",
            "status",
            "completed_at",
            "ai_score",
            "human_score",
            "knockout_count",
            "decision",
            "review",
        ]
        order_by_field = "sort"
        empty_text = "No candidates match these filters."
        row_attrs = {"data-testid": "result-row"}
        attrs = {"class": "table table-hover align-middle mb-0 results-table"}

    def _order(
        self, queryset: QuerySet[CandidateInterview], key: str, is_descending: bool
    ) -> tuple[QuerySet[CandidateInterview], bool]:
        return result_sorted(queryset, f"-{key}" if is_descending else key), True

    def order_candidate(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        return self._order(queryset, "candidate", is_descending)

    def order_completed_at(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        return self._order(queryset, "completed_at", is_descending)

    def order_ai_score(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        return self._order(queryset, "ai_score", is_descending)

    def order_human_score(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        return self._order(queryset, "human_score", is_descending)

    def render_select(self, record: CandidateInterview) -> str:
        return format_html(
            '<input type="checkbox" class="form-check-input row-select" name="ids" value="{}" '
            'form="compare-form" aria-label="Select {}">',
            record.pk,
            record.candidate.full_name,
        )

    def render_candidate(self, record: CandidateInterview) -> str:
        candidate = record.candidate
        # On phones the status column is hidden; its badge rides under the name instead.
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a>'
            '<div class="small text-body-secondary d-none d-md-block">{}</div>'
            '<div class="d-md-none mt-1">{}</div>',
            review_url(record.pk),
            candidate.full_name,
            candidate.email or candidate.phone,
            invite_status_badge(record),
        )

    def render_status(self, record: CandidateInterview) -> str:
        return invite_status_badge(record)

    def render_completed_at(self, record: CandidateInterview) -> str:
        if record.completed_at is None:
            return "—"
        when = timezone.localtime(record.completed_at)
        return format_html(
            '<time datetime="{}">{}</time>', when.isoformat(), dateformat.format(when, "j M Y")
        )

    def render_ai_score(self, record: CandidateInterview) -> str:
        return ai_score_html(scores_of(record))

    def render_human_score(self, record: CandidateInterview) -> str:
        score = getattr(record, "human_score", None)
        count = getattr(record, "scorecard_count", 0)
        if score is None:
            return format_html('<span class="text-body-secondary">{}</span>', "—")
        return format_html(
            '<span data-testid="human-score">{}</span>'
            '<div class="small text-body-secondary">{} scorecard{}</div>',
            score_text(score),
            count,
            "" if count == 1 else "s",
        )

    def render_knockout_count(self, value: int) -> str:
        if not value:
            return "0"
        return format_html('<span class="badge text-bg-warning">{} flagged</span>', value)

    def render_decision(self, record: CandidateInterview) -> str:
        return decision_badge(record)

    def render_review(self, record: CandidateInterview) -> str:
        return format_html(
            '<a class="btn btn-sm btn-outline-primary" href="{}">Review'
            '<span class="visually-hidden"> {}</span></a>',
            review_url(record.pk),
            record.candidate.full_name,
        )
