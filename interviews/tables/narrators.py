"""The narrators table."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from interviews.languages import LANGUAGE_NAMES
from interviews.models import Narrator
from kit.tables import NUMBER_WIDE_ONLY, WIDE_ONLY, hidden_header
from speech.voice_quality import voice_quality


class NarratorTable(tables.Table):
    name = tables.Column(verbose_name="Narrator")
    provider = tables.Column(verbose_name="Engine", attrs=WIDE_ONLY)
    voice = tables.Column(attrs=WIDE_ONLY, default="—")
    language = tables.Column(attrs=WIDE_ONLY)
    speed = tables.Column(attrs=NUMBER_WIDE_ONLY)
    clarity = tables.Column(
        verbose_name="Clarity", accessor="pk", orderable=False, attrs=WIDE_ONLY, empty_values=()
    )
    question_count = tables.Column(verbose_name="Questions", attrs=NUMBER_WIDE_ONLY)
    preview = tables.TemplateColumn(
        template_name="interviews/narrators/_preview_cell.html",
        verbose_name=hidden_header("Preview"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )

    class Meta:
        model = Narrator
        fields = [
            "name",
            "provider",
            "voice",
            "language",
            "speed",
            "clarity",
            "question_count",
            "preview",
        ]
        empty_text = "No narrators match."

    def render_name(self, record: Narrator) -> str:
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a>',
            reverse("interviews:narrator_edit", args=[record.pk]),
            record.name,
        )

    def render_language(self, value: str) -> str:
        return LANGUAGE_NAMES.get(value, value)

    def render_clarity(self, record: Narrator) -> str:
        quality = voice_quality(
            provider=record.provider, voice=record.voice, language=record.language
        )
        css = {"clear": "success", "hard to understand": "danger"}.get(quality.tier, "warning")
        if quality.wer is None:
            css = "light border"
        title = (
            f"A listener missed about {quality.missed_percent}% of the words in our test"
            if quality.wer is not None
            else "Not measured yet (bench/tts_quality)"
        )
        return format_html(
            '<span class="badge text-bg-{}" title="{}">{}</span>',
            css,
            title,
            quality.tier.capitalize(),
        )

    def render_speed(self, value: object) -> str:
        return f"{float(value):g}×"  # type: ignore[arg-type]
