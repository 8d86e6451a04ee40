import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from interviews.models import SurveyQuestion
from interviews.services.survey import WITH_OPTIONS
from interviews.tables.questions import QuestionBankTable
from kit.tables import NUMBER_WIDE_ONLY, WIDE_ONLY

ARCHIVED_BADGE = mark_safe(' <span class="badge text-bg-secondary">Archived</span>')


class SurveyQuestionTable(QuestionBankTable):
    survey_type = tables.Column(verbose_name="Type", attrs=WIDE_ONLY)
    option_count = tables.Column(verbose_name="Options", attrs=NUMBER_WIDE_ONLY)

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
