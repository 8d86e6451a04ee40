"""The owner's AI models page: every model Panelist can load on this server, its licences and
the SHA-256 of its files, checked now (``speech.models``; the same list as ``./panelist
models``); and, for an owner who is also the server's operator, adding a Piper voice (the same
service as ``./panelist voices add``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.access import deny
from kit.pages import apply_errors
from speech.models import inventory
from speech.voices import VOICE_MAX_BYTES, added_voices, voice_upload

if TYPE_CHECKING:
    from django.http import HttpResponse

    from accounts.http import AuthedRequest


class VoiceForm(forms.Form):
    voice = forms.FileField(
        label="Voice file (.onnx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".onnx"}),
        help_text=f"A Piper voice, up to {VOICE_MAX_BYTES // 1048576} MB.",
    )
    config = forms.FileField(
        label="Its settings (.onnx.json)",
        widget=forms.ClearableFileInput(attrs={"accept": ".json"}),
        help_text="The JSON that comes with the voice: its language is read from it.",
    )
    card = forms.FileField(
        label="Its model card (optional)",
        required=False,
        help_text="MODEL_CARD: the licence of the voice and of its recordings is read from it.",
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def ai_models(request: AuthedRequest) -> HttpResponse:
    membership = request.membership
    if membership is None or not membership.can_manage_owners:
        raise deny(request, "Only owners can see the server's AI models.")
    # A voice serves every team on the server and runs in every worker: adding one is the
    # operator's (a staff account), not any team's owner.
    may_add = bool(request.user.is_staff)
    form = VoiceForm()
    if request.method == "POST":
        if not may_add:
            raise deny(request, "Only the server's operator (a staff account) can add a voice.")
        form = VoiceForm(request.POST, request.FILES)
        if form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            try:
                card = voice_upload(
                    team=membership.team,
                    by=request.user,
                    voice=data["voice"],
                    config=data["config"],
                    card=data.get("card"),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Added the voice {card.stem} ({card.language}). Create a narrator with the "
                    "Piper engine to use it.",
                )
                return redirect("dashboard:ai_models")
    rows = inventory()
    return render(
        request,
        "dashboard/ai_models.html",
        {
            "rows": rows,
            "refused": [row for row in rows if row.state.startswith("refused")],
            "voices": added_voices(),
            "may_add_voice": may_add,
            "form": form,
            "page_title": "AI models",
            "section": "ai_models",
        },
        status=400 if form.errors else 200,
    )
