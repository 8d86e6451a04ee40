import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from interviews.models import AITextQuestion
from interviews.tables.questions import QuestionBankTable
from kit.tables import NUMBER_WIDE_ONLY

ARCHIVED_BADGE = mark_safe(' <span class="badge text-bg-secondary">Archived</span>')


class AITextQuestionTable(QuestionBankTable):
    criterion_count = tables.Column(verbose_name="Criteria", attrs=NUMBER_WIDE_ONLY)
    max_answer_length = tables.Column(verbose_name="Max. length", attrs=NUMBER_WIDE_ONLY)

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
