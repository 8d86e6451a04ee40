"""Forms of the privacy & compliance settings. Saving goes through candidates.services.privacy."""

from __future__ import annotations

from django import forms

from accounts.models import Team


class PrivacySettingsForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = [
            "privacy_notice",
            "ai_notice",
            "alternative_contact_email",
            "ai_decline_allowed",
            "retention_months",
            "media_retention_months",
            "self_id_survey_enabled",
        ]
        labels = {
            "privacy_notice": "Privacy notice",
            "ai_notice": "AI notice",
            "alternative_contact_email": "Who handles requests for an alternative process",
            "ai_decline_allowed": "Let candidates decline AI evaluation",
            "retention_months": "Keep data (months)",
            "media_retention_months": "Keep recordings (months)",
            "self_id_survey_enabled": "Offer the voluntary self-identification survey",
        }
        help_texts = {
            "privacy_notice": "Shown before the first question. Leave empty to use Panelist's "
            "default (shown below), translated into the candidate's language.",
            "ai_notice": "Shown when the interview uses AI evaluation. Leave empty for the "
            "default, which says what the AI assesses and that a person decides.",
            "alternative_contact_email": "Empty: the team's owners and admins are emailed.",
            "ai_decline_allowed": "The consent page offers a human-only lane: answers are "
            "transcribed for reviewers but never AI-scored or summarised. Turning this off later "
            "keeps the choices candidates already made.",
            "retention_months": "Counted from the candidate's last activity; 1 to 120.",
            "media_retention_months": "Optional: delete recordings sooner than the rest "
            "(transcripts and scores stay until the data is deleted).",
            "self_id_survey_enabled": "Asked at the end of the interview, always optional, "
            "stored apart from answers and never shown to reviewers. Needed for adverse-impact "
            "reports.",
        }
        widgets = {
            "privacy_notice": forms.Textarea(attrs={"rows": 5}),
            "ai_notice": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self) -> dict:
        data = super().clean() or {}
        months, media = data.get("retention_months"), data.get("media_retention_months")
        if months and media and media > months:
            self.add_error(
                "media_retention_months",
                "Recordings cannot be kept longer than the rest of the candidate's data.",
            )
        return data
