"""The team's candidate-message settings. Saving goes through
candidates.services.candidate_messages.team_messages_update."""

from __future__ import annotations

from django import forms

from accounts.models import Team


class MessageSettingsForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = [
            "tell_candidates_decision",
            "decision_message_delay_minutes",
            "quiet_hours_start",
            "quiet_hours_end",
        ]
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        labels = {
            "tell_candidates_decision": "Tell candidates the decision",
            "decision_message_delay_minutes": "Wait before sending a decision (minutes)",
            "quiet_hours_start": "Send texts and reminders from",
            "quiet_hours_end": "Until",
        }
        help_texts = {
            "tell_candidates_decision": "When a recruiter records advance or reject, the "
            "candidate gets a short, respectful email in their language. Hold sends nothing.",
            "decision_message_delay_minutes": "5 to 1440. Changing the decision within this "
            "time cancels the email, so a mis-click never reaches the candidate.",
            "quiet_hours_start": "In the candidate's time zone (the one given with the invite, "
            "else their phone number's). Outside these hours a text or reminder waits.",
            "quiet_hours_end": "At least one hour after the start, the same day.",
        }
