"""Forms of the invite pages. Saving goes through ``candidates.services.invites``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from candidates.models import Candidate, CandidateInterview, InviteDelivery
from candidates.services.sms_consent import FORM_WORDING
from interviews.models import Interview
from kit import limits

DELIVERY_CHOICES = [
    (InviteDelivery.Channel.EMAIL.value, "Email"),
    (InviteDelivery.Channel.SMS.value, "Text message (SMS)"),
]


def end_of_day(day: date) -> datetime:
    """An expiry date means "through that day", in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def default_expiry_day(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


class ExpiryDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value < timezone.localdate():
            raise forms.ValidationError("Choose today or a later date.", code="past")


class InviteCreateForm(forms.Form):
    interview = forms.ModelChoiceField(
        queryset=Interview.objects.none(),
        empty_label="Choose an interview",
        error_messages={"required": "Choose the interview to invite them to."},
    )
    candidates = forms.ModelMultipleChoiceField(
        queryset=Candidate.objects.none(),
        error_messages={"required": "Select at least one candidate."},
    )
    delivery_types = forms.MultipleChoiceField(
        choices=DELIVERY_CHOICES,
        label="Send by",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    expires_on = ExpiryDateField(label="Link expires on")
    sms_opt_in = forms.BooleanField(label=FORM_WORDING, required=False)
    personal_note = forms.CharField(
        label="Personal note (optional)",
        required=False,
        max_length=limits.PERSONAL_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Quoted in the invite's email and reminders, in your words, to each candidate "
        "invited here.",
    )

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        interview = self.fields["interview"]
        assert isinstance(interview, forms.ModelChoiceField)
        interview.queryset = Interview.objects.for_team(team).filter(status=Interview.Status.ACTIVE)
        candidates = self.fields["candidates"]
        assert isinstance(candidates, forms.ModelMultipleChoiceField)
        candidates.queryset = Candidate.objects.for_team(team)
        self.fields["expires_on"].initial = default_expiry_day(team.invite_expiry_days)
        self.fields["delivery_types"].initial = [InviteDelivery.Channel.EMAIL.value]

    def expires_at(self) -> datetime:
        return end_of_day(self.cleaned_data["expires_on"])


class InviteExtendForm(forms.Form):
    until = ExpiryDateField(label="New expiry date")

    def expires_at(self) -> datetime:
        return end_of_day(self.cleaned_data["until"])


class InviteFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Any status"), *CandidateInterview.Status.choices],
    )
    interview = forms.ChoiceField(required=False, label="Interview")

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        interviews = Interview.objects.for_team(team).order_by("title").values_list("pk", "title")
        self.fields["interview"].choices = [  # type: ignore[attr-defined]
            ("", "Any interview"),
            *((str(pk), title) for pk, title in interviews),
        ]

    def filters(self) -> dict[str, str]:
        return self.cleaned_data if self.is_valid() else {}
