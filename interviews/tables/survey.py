import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dashboard.tables import NUMBER, NUMBER_WIDE_ONLY, WIDE_ONLY
from interviews.languages import LANGUAGE_NAMES
from interviews.models import SurveyQuestion
from interviews.services.survey import WITH_OPTIONS

ARCHIVED_BADGE = mark_safe(' <span class="badge text-bg-secondary">Archived</span>')


class SurveyQuestionTable(tables.Table):
    title = tables.Column(verbose_name="Question")
    survey_type = tables.Column(verbose_name="Type", attrs=WIDE_ONLY)
    option_count = tables.Column(verbose_name="Options", attrs=NUMBER_WIDE_ONLY)
    language = tables.Column(attrs=WIDE_ONLY)
    usage_count = tables.Column(verbose_name="Used by", attrs=NUMBER)
    updated_at = tables.DateColumn(verbose_name="Updated", format="j M Y", attrs=WIDE_ONLY)

    class Meta:
        model = SurveyQuestion
        fields = [
            "title",
            "survey_type",
            "option_count",
            "language",
            "usage_count",
            "updated_at",
        ]
        empty_text = "No survey questions match. Try other words or filters, or show archived ones."

    def render_title(self, record: SurveyQuestion) -> SafeString:
        # On phones the type column is hidden; it rides under the title instead.
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a>{}'
            '<div class="small text-body-secondary d-md-none">{}</div>',
            reverse("interviews:survey_edit", args=[record.pk]),
            record.title,
            ARCHIVED_BADGE if record.is_archived else "",
            record.get_survey_type_display(),
        )

    def render_option_count(self, record: SurveyQuestion, value: int) -> str | int:
        return value if record.survey_type in WITH_OPTIONS else "—"

    def render_language(self, value: str) -> str:
        return LANGUAGE_NAMES.get(value, value)

    def render_usage_count(self, value: int) -> str:
        return f"{value} interview{'' if value == 1 else 's'}"
