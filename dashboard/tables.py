"""Tables for the dashboard's own pages (team admin and home)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from accounts.audit import ACTION_LABELS
from accounts.models import AuditEvent, Membership, Team
from interviews.models import Interview
from kit.tables import NUMBER, NUMBER_WIDE_ONLY, WIDE_ONLY, DirectCellsMixin, hidden_header


class InterviewTable(tables.Table):
    title = tables.Column(verbose_name="Interview", linkify=False)
    interview_type = tables.Column(verbose_name="Type", attrs=WIDE_ONLY)
    status = tables.Column(attrs=WIDE_ONLY)
    question_count = tables.Column(verbose_name="Questions", attrs=NUMBER_WIDE_ONLY)
    invited_count = tables.Column(verbose_name="Open invites", attrs=NUMBER)
    completed_count = tables.Column(verbose_name="Completed", attrs=NUMBER)
    created_at = tables.DateColumn(verbose_name="Created", format="j M Y", attrs=WIDE_ONLY)

    class Meta:
        model = Interview
        fields = [
            "title",
            "interview_type",
            "status",
            "question_count",
            "invited_count",
            "completed_count",
            "created_at",
        ]
        empty_text = "No interviews yet."

    def render_title(self, record: Interview) -> str:
        # On phones the status column is hidden; its badge rides under the title instead.
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a><div class="d-md-none mt-1">{}</div>',
            reverse("interviews:interview_detail", args=[record.pk]),
            record.title,
            self.render_status(record),
        )

    def render_status(self, record: Interview) -> str:
        css = {0: "success", 1: "warning", 2: "secondary", 3: "dark"}[record.status]
        return format_html(
            '<span class="badge text-bg-{}">{}</span>', css, record.get_status_display()
        )


class MemberTable(tables.Table):
    user = tables.Column(verbose_name="Member", order_by=("user__full_name", "user__email"))
    role = tables.TemplateColumn(
        template_name="dashboard/_member_role_cell.html", verbose_name="Role", order_by="role"
    )
    created_at = tables.DateColumn(verbose_name="Joined", format="j M Y", attrs=WIDE_ONLY)
    actions = tables.TemplateColumn(
        template_name="dashboard/_member_actions_cell.html",
        verbose_name=hidden_header("Actions"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )

    class Meta:
        model = Membership
        fields = ["user", "role", "created_at", "actions"]
        empty_text = "No members."

    def render_user(self, record: Membership) -> str:
        return format_html(
            '<div class="fw-semibold">{}</div><div class="small text-body-secondary">{}</div>',
            record.user.full_name or "—",
            record.user.email,
        )


class TeamTable(tables.Table):
    name = tables.Column(verbose_name="Team")
    slug = tables.Column(attrs=WIDE_ONLY)
    member_count = tables.Column(verbose_name="Members", attrs=NUMBER)
    created_at = tables.DateColumn(verbose_name="Created", format="j M Y", attrs=WIDE_ONLY)
    actions = tables.TemplateColumn(
        template_name="dashboard/_team_actions_cell.html",
        verbose_name=hidden_header("Actions"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )

    class Meta:
        model = Team
        fields = ["name", "slug", "member_count", "created_at", "actions"]
        empty_text = "No teams."


class AuditEventTable(DirectCellsMixin, tables.Table):
    created_at = tables.DateTimeColumn(verbose_name="When", format="j M Y H:i:s")
    actor_label = tables.Column(verbose_name="Who", empty_values=())
    action = tables.Column(verbose_name="What")
    object_repr = tables.Column(verbose_name="Object", attrs=WIDE_ONLY)
    ip_address = tables.Column(verbose_name="IP", attrs=WIDE_ONLY)

    class Meta:
        model = AuditEvent
        fields = ["created_at", "actor_label", "action", "object_repr", "ip_address"]
        empty_text = "Nothing has been recorded yet."
        orderable = False

    def render_actor_label(self, value: str) -> str:
        return value or "—"

    def render_action(self, value: str) -> str:
        label = ACTION_LABELS.get(value, value)
        return format_html(
            '{}<div class="small text-body-secondary"><code>{}</code></div>', label, value
        )
