"""The fairness settings form. Saving goes through candidates.services.fairness."""

from __future__ import annotations

from decimal import Decimal

from django import forms


class AIThresholdForm(forms.Form):
    ai_pass_threshold = forms.DecimalField(
        label="AI advice passes at or above",
        min_value=Decimal(1),
        max_value=Decimal(5),
        decimal_places=1,
        help_text="A score from 1 to 5 (one decimal). Used only by the report below: it decides "
        "nothing about a candidate.",
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "1", "max": "5"}),
    )
