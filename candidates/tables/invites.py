"""The invite list: its table, and the selector that feeds it (one query per page)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_tables2 as tables
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from candidates.models import CandidateInterview, InviteDelivery
from kit.badges import status_css
from kit.tables import WIDE_ONLY, DirectCellsMixin

if TYPE_CHECKING:
    from accounts.models import Team

DELIVERY_CSS = {
    "queued": "secondary",
    "sent": "success",
    "logged": "warning",
    "failed": "danger",
    "retrying": "warning",
    "held": "info",
}
CHANNEL_LABELS = {"email": "Email", "sms": "SMS"}


def invite_list(*, team: Team, filters: dict[str, Any]) -> QuerySet[CandidateInterview]:
    """The team's invites with candidate and interview joined, and the latest delivery status
    of each channel annotated (``email_status``, ``sms_status``)."""

    def latest(channel: str) -> Subquery:
        rows = InviteDelivery.objects.filter(candidate_interview=OuterRef("pk"), channel=channel)
        return Subquery(rows.order_by("-created_at", "-pk").values("status")[:1])

    invites = (
        CandidateInterview.objects.for_team(team)
        .select_related("candidate", "interview")
        .annotate(email_status=latest("email"), sms_status=latest("sms"))
    )
    if status := filters.get("status"):
        invites = invites.filter(status=status)
    if interview := filters.get("interview"):
        invites = invites.filter(interview_id=interview)
    for word in (filters.get("q") or "").split()[:5]:
        invites = invites.filter(
            Q(candidate__first_name__icontains=word)
            | Q(candidate__last_name__icontains=word)
            | Q(candidate__email__icontains=word)
            | Q(candidate__phone__icontains=word)
        )
    return invites.order_by("-created_at")


def invite_status_badge(invite: CandidateInterview) -> str:
    return format_html(
        '<span class="badge text-bg-{}" data-testid="invite-status">{}</span>',
        status_css(invite.status),
        invite.get_status_display(),
    )


def delivery_badge(channel: str, status: str) -> str:
    return format_html(
        '<span class="badge text-bg-{} me-1" data-testid="delivery-{}">{} {}</span>',
        DELIVERY_CSS.get(status, "secondary"),
        channel,
        CHANNEL_LABELS.get(channel, channel),
        status,
    )


class InviteTable(DirectCellsMixin, tables.Table):
    candidate = tables.Column(
        verbose_name="Candidate", order_by=("candidate__last_name", "candidate__first_name")
    )
    interview = tables.Column(verbose_name="Interview", order_by=("interview__title",))
    status = tables.Column(verbose_name="Status")
    expires_at = tables.Column(verbose_name="Expires")
    delivery = tables.Column(
        verbose_name="Delivery", accessor="pk", orderable=False, empty_values=()
    )
    created_at = tables.DateColumn(verbose_name="Created", format="j M Y", attrs=WIDE_ONLY)

    class Meta:
        model = CandidateInterview
        fields = ["candidate", "interview", "status", "expires_at", "delivery", "created_at"]
        empty_text = "No invites match."
        row_attrs = {"data-testid": "invite-row"}

    def render_candidate(self, record: CandidateInterview) -> str:
        candidate = record.candidate
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a>'
            '<div class="small text-body-secondary">{}</div>',
            reverse("candidates:invite_detail", args=[record.pk]),
            candidate.full_name,
            candidate.email or candidate.phone,
        )

    def render_interview(self, record: CandidateInterview) -> str:
        return record.interview.title

    def render_status(self, record: CandidateInterview) -> str:
        return invite_status_badge(record)

    def render_expires_at(self, record: CandidateInterview) -> str:
        if record.expires_at is None:
            return "—"
        # One local time and one formatter for both texts.
        when = dateformat.DateFormat(timezone.localtime(record.expires_at))
        overdue = record.is_expired and record.status in ("INVITED", "IN_PROGRESS")
        return format_html(
            '<span title="{}">{}</span>{}',
            when.format("j M Y, H:i T"),
            when.format("j M Y"),
            mark_safe(' <span class="small text-danger">(passed)</span>') if overdue else "",
        )

    def render_delivery(self, record: CandidateInterview) -> str:
        found = [
            (channel, status)
            for channel, status in (
                ("email", getattr(record, "email_status", None)),
                ("sms", getattr(record, "sms_status", None)),
            )
            if status
        ]
        if not found:
            return format_html('<span class="small text-body-secondary">{}</span>', "Not sent")
        return format_html_join("", "{}", ((delivery_badge(c, s),) for c, s in found))
