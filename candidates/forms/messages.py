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
        ]
        labels = {
            "tell_candidates_decision": "Tell candidates the decision",
            "decision_message_delay_minutes": "Wait before sending a decision (minutes)",
        }
        help_texts = {
            "tell_candidates_decision": "When a recruiter records advance or reject, the "
            "candidate gets a short, respectful email in their language. Hold sends nothing.",
            "decision_message_delay_minutes": "5 to 1440. Changing the decision within this "
            "time cancels the email, so a mis-click never reaches the candidate.",
        }
