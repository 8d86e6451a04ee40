"""The request log of the integrations page."""

import django_tables2 as tables
from django.template.defaultfilters import truncatechars
from django.utils.html import format_html

from integrations.models import ConnectorRequest
from kit.tables import NUMBER_WIDE_ONLY, WIDE_ONLY


def _css(status: int) -> str:
    return "success" if status < 300 else "warning" if status < 500 else "danger"


class ConnectorRequestTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name="When", format="j M Y H:i:s")
    connector = tables.Column(verbose_name="From", attrs=WIDE_ONLY)
    path = tables.Column(verbose_name="Call")
    status_code = tables.Column(verbose_name="HTTP")
    duration_ms = tables.Column(verbose_name="Time (ms)", attrs=NUMBER_WIDE_ONLY)
    error = tables.Column(verbose_name="Problem", attrs=WIDE_ONLY)

    class Meta:
        model = ConnectorRequest
        fields = ["created_at", "connector", "path", "status_code", "duration_ms", "error"]
        orderable = False
        empty_text = (
            "No calls yet. Enable an integration above and give the ATS its key and URLs; "
            "every call it makes shows here."
        )

    def render_connector(self, record: ConnectorRequest) -> str:
        return record.connector.get_kind_display()

    def render_path(self, record: ConnectorRequest) -> str:
        return format_html(
            '<code class="small text-break">{} {}</code>', record.method, record.path
        )

    def render_status_code(self, value: int) -> str:
        return format_html('<span class="badge text-bg-{}">{}</span>', _css(value), value)

    def render_error(self, value: str) -> str:
        return format_html(
            '<span class="small" title="{}">{}</span>', value, truncatechars(value, 80)
        )
