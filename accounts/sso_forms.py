"""Forms of single sign-on: the email that starts it, and the organization's settings."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from accounts.models import Organization, Team
from accounts.sso import JIT_ROLES


class SSOStartForm(forms.Form):
    email = forms.EmailField(
        label="Work email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class OrganizationSSOForm(forms.Form):
    enabled = forms.BooleanField(label="Single sign-on is on", required=False)
    issuer = forms.URLField(
        label="Issuer URL",
        max_length=500,
        assume_scheme="https",
        help_text="From your identity provider, e.g. https://login.example.com/realms/acme. "
        "Panelist reads its discovery document when you save.",
    )
    client_id = forms.CharField(label="Client ID", max_length=255, required=False)
    client_secret = forms.CharField(
        label="Client secret",
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted. Leave empty to keep the current one.",
    )
    email_domains = forms.CharField(
        label="Email domains",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="People whose email is in these domains sign in through your provider. "
        "Separate them with commas or new lines.",
    )
    jit_team = forms.ModelChoiceField(
        label="Team new people join",
        queryset=Team.objects.none(),
        required=False,
        help_text="Someone your provider vouches for who has no account here joins this team. "
        "Empty: only people already invited sign in.",
    )
    jit_role = forms.ChoiceField(
        label="Their role",
        choices=[(r.value, r.label) for r in JIT_ROLES],
        initial="hiring_manager",
    )
    password_login_disabled = forms.BooleanField(
        label="Members must sign in with single sign-on (owners keep their password)",
        required=False,
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["jit_team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Team.objects.filter(organization=organization)

    def clean_email_domains(self) -> list[str]:
        return [d for d in re.split(r"[\s,;]+", self.cleaned_data["email_domains"]) if d]
