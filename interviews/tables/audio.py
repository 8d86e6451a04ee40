"""The audio question bank's table."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from interviews.models import AudioQuestion
from interviews.tables.questions import QuestionBankTable
from kit.tables import NUMBER_WIDE_ONLY, WIDE_ONLY

STATUS_CSS = {
    AudioQuestion.TranscriptionStatus.PENDING: "secondary",
    AudioQuestion.TranscriptionStatus.PROCESSING: "info",
    AudioQuestion.TranscriptionStatus.COMPLETED: "success",
    AudioQuestion.TranscriptionStatus.FAILED: "danger",
}

ARCHIVED_BADGE = mark_safe(' <span class="badge text-bg-light border">Archived</span>')


def audio_status_badge(question: AudioQuestion) -> str:
    return format_html(
        '<span class="badge text-bg-{}">{}</span>',
        STATUS_CSS.get(question.transcription_status, "secondary"),  # type: ignore[call-overload]
        question.get_transcription_status_display(),
    )


class AudioQuestionTable(QuestionBankTable):
    narrator = tables.Column(
        verbose_name="Narrator", order_by="narrator__name", attrs=WIDE_ONLY, default="Default voice"
    )
    transcription_status = tables.Column(verbose_name="Audio")
    # Hidden on phones in this bank only (the base shows it everywhere).
    usage_count = tables.Column(verbose_name="Used by", attrs=NUMBER_WIDE_ONLY)

    class Meta:
        model = AudioQuestion
        fields = [
            "title",
            "narrator",
            "transcription_status",
            "language",
            "usage_count",
            "updated_at",
        ]
        empty_text = "No audio questions match. Clear the search, or create one."

    def render_title(self, record: AudioQuestion) -> str:
        # The script's opening words help tell similar titles apart; phones skip them.
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a>{}'
            '<div class="small text-body-secondary d-none d-md-block">{}</div>',
            reverse("interviews:audio_edit", args=[record.pk]),
            record.title,
            ARCHIVED_BADGE if record.archived_at else "",
            Truncator(record.question_script).chars(90),
        )

    def render_transcription_status(self, record: AudioQuestion) -> str:
        return audio_status_badge(record)
