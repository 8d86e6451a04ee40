"""The team's forms on a decision file request: a note to the candidate, and why it is closed."""

from __future__ import annotations

from django import forms

from candidates.services.decision_files import CLOSED_REASON_MAX
from kit import limits


class DecisionFileNoteForm(forms.Form):
    note = forms.CharField(
        label="A note to the candidate (optional)",
        required=False,
        max_length=limits.DECISION_FILE_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent at the top of the file, as you write it: for example who to contact "
        "with questions. Write it in the candidate's language.",
    )


class DecisionFileCloseForm(forms.Form):
    reason = forms.CharField(
        label="Why it is not sent",
        max_length=CLOSED_REASON_MAX,
        help_text="Kept with the request and in the audit log; the candidate is not told.",
    )
