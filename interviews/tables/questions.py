"""The columns every question bank's table shows; each kind's table adds its own between them
(``Meta.fields`` gives the order)."""

import django_tables2 as tables

from interviews.languages import LANGUAGE_NAMES
from kit.tables import NUMBER, WIDE_ONLY, DirectCellsMixin


class QuestionBankTable(DirectCellsMixin, tables.Table):
    title = tables.Column(verbose_name="Question")
    language = tables.Column(attrs=WIDE_ONLY)
    usage_count = tables.Column(verbose_name="Used by", attrs=NUMBER)
    updated_at = tables.DateColumn(verbose_name="Updated", format="j M Y", attrs=WIDE_ONLY)

    def render_language(self, value: str) -> str:
        return LANGUAGE_NAMES.get(value, value)

    def render_usage_count(self, value: int) -> str:
        return f"{value} interview{'' if value == 1 else 's'}"
