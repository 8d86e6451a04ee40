import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from interviews.models import Interview
from kit.tables import NUMBER, NUMBER_WIDE_ONLY, WIDE_ONLY, DirectCellsMixin

STATUS_CSS = {0: "success", 1: "warning", 2: "secondary", 3: "dark"}


def status_badge(interview: Interview) -> str:
    return format_html(
        '<span class="badge text-bg-{}">{}</span>',
        STATUS_CSS[interview.status],
        interview.get_status_display(),
    )


class InterviewListTable(DirectCellsMixin, tables.Table):
    select = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {
                "aria-label": "Select all interviews on this page",
                "data-select-all": "",
            },
            "td__input": {
                "name": "ids",
                "form": "bulk-form",
                "class": "form-check-input row-select",
                "aria-label": lambda record: f"Select {record.title}",
            },
            "th": {"class": "select-col"},
        },
        orderable=False,
    )
    title = tables.Column(verbose_name="Interview")
    interview_type = tables.Column(verbose_name="Type", attrs=WIDE_ONLY)
    status = tables.Column(attrs=WIDE_ONLY)
    question_count = tables.Column(verbose_name="Questions", attrs=NUMBER_WIDE_ONLY)
    invited_count = tables.Column(verbose_name="Open invites", attrs=NUMBER)
    completed_count = tables.Column(verbose_name="Completed", attrs=NUMBER)
    created_at = tables.DateColumn(verbose_name="Created", format="j M Y", attrs=WIDE_ONLY)

    class Meta:
        model = Interview
        fields = [
            "select",
            "title",
            "interview_type",
            "status",
            "question_count",
            "invited_count",
            "completed_count",
            "created_at",
        ]
        empty_text = "No interviews match."

    def render_title(self, record: Interview) -> str:
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a><div class="d-md-none mt-1">{}</div>',
            reverse("interviews:interview_detail", args=[record.pk]),
            record.title,
            status_badge(record),
        )

    def render_status(self, record: Interview) -> str:
        return status_badge(record)
