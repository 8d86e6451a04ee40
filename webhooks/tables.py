"""Tables of the webhook pages: a team's endpoints, and one endpoint's deliveries."""

import django_tables2 as tables
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from kit.tables import NUMBER_WIDE_ONLY, WIDE_ONLY, DirectCellsMixin, hidden_header
from webhooks.models import Delivery, Endpoint

STATUS_CSS: dict[str, str] = {
    Delivery.Status.PENDING: "secondary",
    Delivery.Status.SUCCEEDED: "success",
    Delivery.Status.FAILED: "danger",
    Delivery.Status.RETRYING: "warning",
}


class EndpointTable(tables.Table):
    url = tables.Column(verbose_name="URL")
    event_types = tables.Column(verbose_name="Events", orderable=False, attrs=WIDE_ONLY)
    enabled = tables.Column(verbose_name="State")
    created_at = tables.DateColumn(verbose_name="Created", format="j M Y", attrs=WIDE_ONLY)

    class Meta:
        model = Endpoint
        fields = ["url", "event_types", "enabled", "created_at"]
        empty_text = "No webhook endpoints yet."

    def render_url(self, record: Endpoint) -> str:
        return format_html(
            '<a class="fw-semibold text-break" href="{}">{}</a>'
            '<div class="small text-body-secondary">{}</div>',
            reverse("webhooks:endpoint_detail", args=[record.pk]),
            record.url,
            record.description,
        )

    def render_event_types(self, value: list[str]) -> str:
        return ", ".join(value)

    def render_enabled(self, record: Endpoint) -> str:
        if record.enabled:
            return mark_safe('<span class="badge text-bg-success">Enabled</span>')
        return format_html(
            '<span class="badge text-bg-secondary" title="{}">Disabled</span>',
            record.disabled_reason,
        )


class DeliveryTable(DirectCellsMixin, tables.Table):
    created_at = tables.DateTimeColumn(verbose_name="When", format="j M Y H:i:s")
    event = tables.Column(verbose_name="Event", accessor="event__type", orderable=False)
    attempt = tables.Column(verbose_name="Attempt", attrs=NUMBER_WIDE_ONLY)
    status = tables.Column()
    response_status = tables.Column(verbose_name="HTTP", attrs=NUMBER_WIDE_ONLY)
    duration_ms = tables.Column(verbose_name="Time (ms)", attrs=NUMBER_WIDE_ONLY)
    response_excerpt = tables.Column(verbose_name="Response", orderable=False, attrs=WIDE_ONLY)
    actions = tables.TemplateColumn(
        template_name="webhooks/_delivery_actions_cell.html",
        verbose_name=hidden_header("Actions"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )

    class Meta:
        model = Delivery
        fields = [
            "created_at",
            "event",
            "attempt",
            "status",
            "response_status",
            "duration_ms",
            "response_excerpt",
            "actions",
        ]
        empty_text = "Nothing has been sent to this endpoint yet."
        orderable = False

    def render_status(self, record: Delivery) -> str:
        return format_html(
            '<span class="badge text-bg-{}" title="{}">{}</span>',
            STATUS_CSS.get(record.status, "secondary"),
            record.error,
            record.get_status_display(),
        )

    def render_response_excerpt(self, record: Delivery) -> str:
        text = record.response_excerpt or record.error
        return format_html(
            '<code class="small text-break" title="{}">{}</code>', text, truncatechars(text, 80)
        )
