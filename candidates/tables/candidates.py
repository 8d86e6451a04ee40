from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from candidates.models import Candidate, CandidateInterview
from kit.badges import status_css
from kit.tables import NUMBER_WIDE_ONLY, WIDE_ONLY, DirectCellsMixin


def invite_status_badge(status: str | None) -> str:
    if not status:
        return format_html('<span class="text-body-secondary small">{}</span>', "Not invited")
    return format_html(
        '<span class="badge text-bg-{}">{}</span>',
        status_css(status),
        CandidateInterview.Status(status).label,
    )


class CandidateTable(DirectCellsMixin, tables.Table):
    """The candidate list (rows from ``selectors.candidate_list``)."""

    select = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {
                "aria-label": "Select all candidates on this page",
                "data-select-all": "",
            },
            # The invite page takes the chosen candidates as ?candidates=<id>&candidates=<id>.
            "td__input": {
                "name": "candidates",
                "form": "bulk-form",
                "class": "form-check-input row-select",
                "aria-label": lambda record: f"Select {record.full_name}",
            },
            "th": {"class": "select-col"},
        },
        orderable=False,
    )
    name = tables.Column(
        verbose_name="Name", accessor="first_name", order_by=("first_name", "last_name")
    )
    email = tables.Column(attrs=WIDE_ONLY)
    phone = tables.Column(attrs=WIDE_ONLY)
    latest_status = tables.Column(verbose_name="Latest invite", empty_values=())
    invite_count = tables.Column(verbose_name="Invites", attrs=NUMBER_WIDE_ONLY)
    created_at = tables.DateColumn(verbose_name="Added", format="j M Y", attrs=WIDE_ONLY)

    class Meta:
        model = Candidate
        fields = [
            "select",
            "name",
            "email",
            "phone",
            "latest_status",
            "invite_count",
            "created_at",
        ]
        empty_text = "No candidates match these filters."

    def render_name(self, record: Candidate) -> str:
        # On phones the email column is hidden; the email rides under the name instead.
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a><div class="d-md-none small text-body-secondary'
            ' text-break">{}</div>',
            reverse("candidates:candidate_detail", args=[record.pk]),
            record.full_name,
            record.email or record.phone,
        )

    def render_latest_status(self, record: Any) -> str:
        if not record.latest_status:
            return invite_status_badge(None)
        return format_html(
            '{}<div class="small text-body-secondary text-truncate">{}</div>',
            invite_status_badge(record.latest_status),
            record.latest_interview,
        )
