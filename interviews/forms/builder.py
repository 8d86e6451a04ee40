from typing import Any

from django import forms

from interviews.models import Interview, Narrator
from interviews.services.interviews import EDITABLE_FIELDS
from interviews.services.scorecards import SCALE
from kit import limits


class InterviewForm(forms.ModelForm):
    """An interview's settings. Saving goes through ``interview_create`` / ``interview_update``."""

    keywords = forms.CharField(
        required=False,
        help_text="Words or phrases to spot in answers, separated by commas.",
        widget=forms.TextInput(attrs={"placeholder": "python, django, teamwork"}),
    )

    class Meta:
        model = Interview
        fields = list(EDITABLE_FIELDS)
        labels = {
            "display_name": "Name candidates see",
            "description_url": "Job description link",
            "interview_type": "Type",
            "think_time_seconds": "Think time (seconds)",
            "answer_time_seconds": "Answer time limit (seconds)",
            "retakes_allowed": "Retakes per question",
            "attempts_allowed": "Attempts at the whole interview",
            "random_question_count": "Ask a random subset of questions",
            "resume": "Candidates may leave and resume",
            "web_only": "Web only (no phone answers)",
            "integrity_facts": "Note integrity facts for reviewers",
            "recording_mode": "Record",
            "ai_style": "AI interviewer style",
            "ai_seniority": "Seniority",
            "ai_tone": "Tone",
            "ai_followups_max": "Follow-up questions per question (0–5)",
        }
        help_texts = {
            "display_name": "Leave empty to use the title.",
            "random_question_count": "How many questions each candidate gets, drawn at random "
            "and fixed per invite. Leave empty to ask every question.",
            "welcome_message": "Shown before the first question.",
            "thank_you_message": "Shown when the candidate finishes.",
            "ai_followups_max": "Asked only when a language model is configured (LLM_BASE_URL).",
            "integrity_facts": "Off by default. Candidates invited before you turn it on are "
            "not observed: only those told on the consent page are.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "welcome_message": forms.Textarea(attrs={"rows": 3}),
            "thank_you_message": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        narrator = self.fields["narrator"]
        assert isinstance(narrator, forms.ModelChoiceField)
        narrator.queryset = Narrator.objects.for_team(team)
        narrator.empty_label = "No narrator (upload recordings)"
        if self.instance.pk:
            self.initial["keywords"] = ", ".join(k.text for k in self.instance.keywords.all())
        # Only AI interviews use it; a form that leaves it out keeps the current number.
        self.fields["ai_followups_max"].required = False

    def clean_ai_followups_max(self) -> int:
        value = self.cleaned_data.get("ai_followups_max")
        return self.instance.ai_followups_max if value is None else value

    def keyword_list(self) -> list[str]:
        return [w for w in self.cleaned_data.get("keywords", "").split(",") if w.strip()]

    def settings(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class InterviewFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[
            ("", "Active, paused and closed"),
            *[(str(value), label) for value, label in Interview.Status.choices],
            ("all", "All"),
        ],
    )
    type = forms.ChoiceField(
        required=False, label="Type", choices=[("", "Any type"), *Interview.InterviewType.choices]
    )

    def filters(self) -> dict[str, str]:
        return self.cleaned_data if self.is_valid() else {}


class BulkStatusForm(forms.Form):
    ids = forms.MultipleChoiceField(
        required=True, error_messages={"required": "Select at least one interview."}
    )
    status = forms.TypedChoiceField(
        choices=Interview.Status.choices, coerce=int, label="Set status to"
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = choices  # type: ignore[attr-defined]


class CopyForm(forms.Form):
    team = forms.ChoiceField(label="Copy to team")
    copy_keywords = forms.BooleanField(required=False, label="Copy the keywords too")

    def __init__(self, *args: Any, teams: list[Any], current_team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in teams}
        self.fields["team"].choices = [  # type: ignore[attr-defined]
            (str(t.pk), f"{t.name} (this team)" if t.pk == current_team.pk else t.name)
            for t in teams
        ]
        self.initial.setdefault("team", str(current_team.pk))


class CriterionForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        required=False, max_length=limits.DESCRIPTION, widget=forms.Textarea(attrs={"rows": 2})
    )
    weight = forms.IntegerField(min_value=1, max_value=10, initial=1)
    DELETE = forms.BooleanField(required=False, label="Remove")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for point in SCALE:
            self.fields[f"anchor_{point}"] = forms.CharField(
                required=False, max_length=limits.SCORECARD_ANCHOR, label=f"{point}"
            )

    def anchors(self) -> dict[str, str]:
        return {p: self.cleaned_data.get(f"anchor_{p}", "") for p in SCALE}


CriterionFormSet = forms.formset_factory(CriterionForm, extra=0, can_delete=False)


class ScorecardForm(forms.Form):
    name = forms.CharField(max_length=150, initial="Standard scorecard", label="Scorecard name")
