import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dashboard.tables import NUMBER, NUMBER_WIDE_ONLY, WIDE_ONLY
from interviews.languages import LANGUAGE_NAMES
from interviews.models import AITextQuestion

ARCHIVED_BADGE = mark_safe(' <span class="badge text-bg-secondary">Archived</span>')


class AITextQuestionTable(tables.Table):
    title = tables.Column(verbose_name="Question")
    criterion_count = tables.Column(verbose_name="Criteria", attrs=NUMBER_WIDE_ONLY)
    max_answer_length = tables.Column(verbose_name="Max. length", attrs=NUMBER_WIDE_ONLY)
    language = tables.Column(attrs=WIDE_ONLY)
    usage_count = tables.Column(verbose_name="Used by", attrs=NUMBER)
    updated_at = tables.DateColumn(verbose_name="Updated", format="j M Y", attrs=WIDE_ONLY)

    class Meta:
        model = AITextQuestion
        fields = [
            "title",
            "criterion_count",
            "max_answer_length",
            "language",
            "usage_count",
            "updated_at",
        ]
        empty_text = (
            "No AI text questions match. Try other words or filters, or show archived ones."
        )

    def render_title(self, record: AITextQuestion) -> SafeString:
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a>{}',
            reverse("interviews:ai_text_edit", args=[record.pk]),
            record.title,
            ARCHIVED_BADGE if record.is_archived else "",
        )

    def render_max_answer_length(self, value: int) -> str:
        return f"{value:,}"

    def render_language(self, value: str) -> str:
        return LANGUAGE_NAMES.get(value, value)

    def render_usage_count(self, value: int) -> str:
        return f"{value} interview{'' if value == 1 else 's'}"
