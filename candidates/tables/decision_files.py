"""The list of a team's decision file requests."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from candidates.models import DecisionFileRequest
from kit.tables import WIDE_ONLY, DirectCellsMixin

STATUS_CSS = {"requested": "warning", "sent": "success", "cancelled": "secondary"}


class DecisionFileTable(DirectCellsMixin, tables.Table):
    candidate = tables.Column(
        verbose_name="Candidate",
        accessor="pk",
        order_by=(
            "candidate_interview__candidate__last_name",
            "candidate_interview__candidate__first_name",
        ),
    )
    interview = tables.Column(
        verbose_name="Interview",
        accessor="pk",
        order_by=("candidate_interview__interview__title",),
        attrs=WIDE_ONLY,
    )
    status = tables.Column(verbose_name="Status")
    requested_at = tables.DateTimeColumn(verbose_name="Asked", format="j M Y, H:i")
    sent_at = tables.DateTimeColumn(verbose_name="Sent", format="j M Y", attrs=WIDE_ONLY)

    class Meta:
        model = DecisionFileRequest
        fields = ["candidate", "interview", "status", "requested_at", "sent_at"]
        empty_text = "No requests here."
        row_attrs = {"data-testid": "decision-file-row"}

    def render_candidate(self, record: DecisionFileRequest) -> str:
        candidate = record.candidate_interview.candidate
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a>',
            reverse("candidates:decision_file_detail", args=[record.pk]),
            candidate.full_name,
        )

    def render_interview(self, record: DecisionFileRequest) -> str:
        return record.candidate_interview.interview.title

    def render_status(self, record: DecisionFileRequest) -> str:
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            STATUS_CSS.get(record.status, "secondary"),
            record.get_status_display(),
        )
