from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from candidates.models import CandidateInterview
from candidates.services.candidates import EXTERNAL_ID_MAX, NAME_MAX, candidate_clean
from candidates.services.imports import DELIVERY_TYPES, MAX_BYTES, MAX_ROWS
from interviews.models import Interview


class CandidateForm(forms.Form):
    """A candidate's contact details. The rules live in ``candidate_clean``; the form shows
    every field's problem at once, and saving goes through the candidate services."""

    first_name = forms.CharField(
        max_length=NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = forms.CharField(
        max_length=NAME_MAX, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.CharField(
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="One candidate per email in this team.",
    )
    phone = forms.CharField(
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "off", "placeholder": "+1 415 555 0123"}
        ),
        help_text="With + and the country code; spaces and dashes are fine. Needed for SMS.",
    )
    external_id = forms.CharField(
        max_length=EXTERNAL_ID_MAX,
        required=False,
        label="External id",
        help_text="The candidate's id in your applicant tracking system, if any.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data.update(candidate_clean(**{name: data.get(name, "") for name in self.fields}))
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                # A field that failed its own checks already says why.
                if name not in self.errors:
                    self.add_error(name, errors)
        return data

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.fields}


class CandidateFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    interview = forms.ChoiceField(required=False, label="Interview")
    status = forms.ChoiceField(
        required=False,
        label="Invite status",
        choices=[
            ("", "Any status"),
            *CandidateInterview.Status.choices,
            ("none", "Not invited yet"),
        ],
    )

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        interviews = Interview.objects.for_team(team).order_by("title").values_list("pk", "title")
        self.fields["interview"].choices = [  # type: ignore[attr-defined]
            ("", "Any interview"),
            *[(str(pk), title) for pk, title in interviews],
        ]

    def filters(self) -> dict[str, str]:
        return self.cleaned_data if self.is_valid() else {}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=f"UTF-8, comma or semicolon separated, up to {MAX_BYTES // 1024 // 1024} MB "
        f"and {MAX_ROWS:,} rows.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            # Refused before reading it; the service checks again for other callers.
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
            )
        return upload


class ImportStartForm(forms.Form):
    """Optionally invite the imported candidates to an interview."""

    interview = forms.ModelChoiceField(
        queryset=Interview.objects.none(),
        required=False,
        label="Invite them to",
        empty_label="Don't invite them now",
    )
    delivery_types = forms.MultipleChoiceField(
        choices=[(d, {"email": "Email", "sms": "SMS"}[d]) for d in DELIVERY_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Send the invite by",
        initial=["email"],
    )

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        interview: forms.ModelChoiceField[Interview] = self.fields["interview"]  # type: ignore[assignment]
        interview.queryset = Interview.objects.for_team(team).filter(status=Interview.Status.ACTIVE)
