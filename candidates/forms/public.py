"""The form a candidate fills in to start a public or unlisted interview."""

from __future__ import annotations

from typing import Any

from django import forms

from candidates.validators import normalize_e164


class PublicStartForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=32,
        help_text="With the country code, e.g. +14155550123.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    # A honeypot: hidden from people (the template wraps it in a hidden block), filled in by
    # bots that complete every input they find.
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_phone(self) -> str:
        return normalize_e164(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError(
                "We could not start the interview from this form. Please try again.",
                code="honeypot",
            )
        return cleaned
