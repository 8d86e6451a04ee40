"""A team's own wording of one message to candidates. Checking and saving go through
candidates.services.message_templates."""

from __future__ import annotations

from typing import Any

from django import forms

from kit import limits


class MessageTemplateForm(forms.Form):
    subject = forms.CharField(
        max_length=200,
        label="Subject",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        max_length=limits.MESSAGE_TEMPLATE,
        label="Message",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
    )
    phone = forms.CharField(
        max_length=32,
        required=False,
        label="Your mobile number (for the test text)",
        help_text="International form, e.g. +14155550123. Used once, not stored.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if channel == "sms":
            del self.fields["subject"]
            # The service refuses a longer text with the limit named; the browser stops typing.
            self.fields["body"].widget.attrs.update(rows=5, maxlength=limits.SMS_TEMPLATE)
        else:
            del self.fields["phone"]
