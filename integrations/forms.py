"""The integrations settings page's forms. They only shape the input:
``services.connector_ats_configure`` checks and saves it."""

from __future__ import annotations

from django import forms

from integrations.models import ATS_KEY_MAX, CALLBACK_URL_MAX


class AshbySettingsForm(forms.Form):
    ats_url = forms.URLField(
        label="assessment.update URL",
        max_length=CALLBACK_URL_MAX,
        required=False,
        assume_scheme="https",
        help_text="Where Panelist reports progress to Ashby. Leave it blank for Ashby's own, "
        "https://api.ashbyhq.com/assessment.update.",
    )
    ats_key = forms.CharField(
        label="Ashby API key",
        max_length=ATS_KEY_MAX,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Make one in Ashby (Admin → API Keys) with the Candidates write permission "
        "and paste it here. It is stored encrypted and never shown again; leave the field "
        "blank to keep the current one.",
    )
