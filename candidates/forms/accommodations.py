"""The recruiter's accommodation form on the invite page."""

from __future__ import annotations

from django import forms

from candidates.models import CandidateInterview
from candidates.services.accommodations import DAYS_MAX, RETAKES_MAX


class AccommodationForm(forms.Form):
    time = forms.ChoiceField(
        required=False,
        label="Thinking and answer time",
        choices=[("", "Standard time"), *CandidateInterview.ExtraTime.choices],
    )
    extra_retakes = forms.IntegerField(
        label="Extra retakes per answer", min_value=0, max_value=RETAKES_MAX, initial=0
    )
    extra_days = forms.IntegerField(
        label="Extra days to finish",
        min_value=0,
        max_value=DAYS_MAX,
        initial=0,
        help_text="Added to the expiry; lowering it takes the days back off.",
    )

    @classmethod
    def for_invite(cls, invite: CandidateInterview) -> AccommodationForm:
        return cls(
            initial={
                "time": invite.accommodation_time,
                "extra_retakes": invite.accommodation_extra_retakes,
                "extra_days": invite.accommodation_extra_days,
            }
        )
