"""Narrators: the team's text-to-speech voices, with a spoken preview of each."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from accounts.access import deny, team_required
from accounts.http import TeamRequest
from accounts.models import Membership, Team
from interviews.access import get_narrator_for
from interviews.filters import LANGUAGES
from interviews.models import Narrator
from interviews.selectors import narrators_visible, questions_visible, usages_visible
from interviews.services.audio import (
    narrator_create,
    narrator_delete,
    narrator_sample,
    narrator_update,
    voice_settings,
)
from interviews.tables.narrators import NarratorTable
from kit.pages import apply_errors, render_page
from speech.media import MediaError
from speech.tts import PROVIDERS, TTSError, Voice, get_provider

PAGE_SIZE = 25


class NarratorForm(forms.Form):
    name = forms.CharField(max_length=100)
    provider = forms.ChoiceField(
        label="Engine",
        choices=Narrator.Provider.choices,
        initial=Narrator.Provider.KOKORO,
        help_text="Kokoro is the clearest in English and Spanish; French is hard to understand "
        "with every shipped voice (record those questions yourself).",
    )
    voice = forms.CharField(
        max_length=200,
        required=False,
        help_text="Kokoro: jm_kumo, jf_tebukuro, …; empty uses the clearest for the language. "
        "eSpeak NG: a language tag such as en-us, en-gb or pt-br; empty uses the language. "
        "OpenAI-compatible: alloy, nova, … Piper: the voice file's name.",
        widget=forms.TextInput(attrs={"list": "voice-options", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(choices=LANGUAGES, initial="en")
    speed = forms.DecimalField(
        min_value=Decimal("0.5"),
        max_value=Decimal(2),
        decimal_places=2,
        initial=Decimal(1),
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text="1 is normal; 0.5 is half as fast, 2 twice as fast.",
    )


def narrator_list(*, membership: Membership) -> QuerySet[Narrator]:
    """The narrators the member may see, with how many active questions (that the member may
    see) each speaks."""
    active = Q(questions__archived_at__isnull=True)
    if (usages := usages_visible(membership=membership, prefix="questions__usages")) is not None:
        active &= usages
    return (
        narrators_visible(membership=membership)
        .annotate(question_count=Count("questions", filter=active, distinct=True))
        .order_by("name")
    )


def _question_count(narrator: Narrator, membership: Membership) -> int:
    """How many active questions the narrator speaks that the member may see."""
    questions = narrator.questions.filter(archived_at__isnull=True)
    return questions_visible(questions, membership=membership).count()


def _voice_options() -> list[Voice]:
    """Voices to suggest in the form, from every provider that works on this server."""
    options: list[Voice] = []
    for name in PROVIDERS:
        try:
            options += get_provider(name).voices()
        except TTSError:
            continue
    return options


def _can_author(request: TeamRequest) -> None:
    if not request.membership.can_author:
        raise deny(request, "Your role in this team can listen to narrators but not change them.")


def _save(form: NarratorForm, narrator: Narrator | None, team: Team) -> Narrator | None:
    data = form.cleaned_data
    fields = {
        "name": data["name"],
        "provider": data["provider"],
        "voice": data["voice"],
        "language": data["language"],
        "speed": float(data["speed"]),
    }
    try:
        if narrator is None:
            return narrator_create(team=team, **fields)
        return narrator_update(narrator=narrator, **fields)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


@require_GET
@team_required
def narrator_list_view(request: TeamRequest) -> HttpResponse:
    table = NarratorTable(narrator_list(membership=request.membership))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    context = {
        "table": table,
        "can_edit": request.membership.can_author,
        "page_title": "Narrators",
        "section": "questions",
    }
    return render_page(request, "interviews/narrators/list.html", context, partial="table")


@require_http_methods(["GET", "POST"])
@team_required
def narrator_create_view(request: TeamRequest) -> HttpResponse:
    _can_author(request)
    form = NarratorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        narrator = _save(form, None, request.team)
        if narrator is not None:
            messages.success(request, f"{narrator.name} is ready to read your questions.")
            return redirect("interviews:narrator_edit", pk=narrator.pk)
    response = render(
        request,
        "interviews/narrators/form.html",
        {
            "form": form,
            "voices": _voice_options(),
            "page_title": "New narrator",
            "section": "questions",
        },
    )
    if form.errors:
        response.status_code = 422
    return response


@require_http_methods(["GET", "POST"])
@team_required
def narrator_edit(request: TeamRequest, pk: UUID) -> HttpResponse:
    narrator, can_edit = get_narrator_for(request, pk, write=request.method == "POST")
    form = NarratorForm(
        request.POST or None,
        initial={
            "name": narrator.name,
            "provider": narrator.provider,
            "voice": narrator.voice,
            "language": narrator.language,
            "speed": narrator.speed,
        },
    )
    if request.method == "POST" and form.is_valid():
        before = voice_settings(narrator=narrator, language="")
        if _save(form, narrator, request.team) is not None:
            changed = voice_settings(narrator=narrator, language="") != before
            messages.success(
                request,
                "Saved. Its questions' audio is being made again in the new voice."
                if changed
                else "Saved.",
            )
            return redirect("interviews:narrator_edit", pk=narrator.pk)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    response = render(
        request,
        "interviews/narrators/form.html",
        {
            "form": form,
            "narrator": narrator,
            "can_edit": can_edit,
            "question_count": _question_count(narrator, request.membership),
            "voices": _voice_options() if can_edit else [],
            "page_title": narrator.name,
            "section": "questions",
        },
    )
    if form.errors:
        response.status_code = 422
    return response


@require_http_methods(["GET", "POST"])
@team_required
def narrator_delete_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    narrator, _can_edit = get_narrator_for(request, pk, write=True)
    if request.method == "POST":
        narrator_delete(narrator=narrator)
        messages.success(request, f"{narrator.name} was deleted.")
        return redirect("interviews:narrator_list")
    return render(
        request,
        "interviews/narrators/delete_confirm.html",
        {
            "narrator": narrator,
            "question_count": _question_count(narrator, request.membership),
            "page_title": f"Delete {narrator.name}",
            "section": "questions",
        },
    )


@require_GET
@team_required
def narrator_preview(request: TeamRequest, pk: UUID) -> HttpResponse:
    """The sample as audio/mpeg; an htmx request gets a player for it instead."""
    narrator, _can_edit = get_narrator_for(request, pk)
    error = ""
    try:
        mp3 = narrator_sample(narrator=narrator)
    except (TTSError, MediaError) as exc:
        error = str(exc)
    if request.htmx:
        response = render(
            request,
            "interviews/narrators/_preview_player.html",
            {
                "narrator": narrator,
                "error": error,
                "src": reverse("interviews:narrator_preview", args=[narrator.pk]),
            },
        )
    elif error:
        response = HttpResponse(error, status=503, content_type="text/plain; charset=utf-8")
    else:
        response = HttpResponse(mp3, content_type="audio/mpeg")
        response["Cache-Control"] = "private, max-age=300"
    response["Vary"] = "HX-Request"
    return response


urlpatterns: list[URLPattern] = [
    path("narrators/", narrator_list_view, name="narrator_list"),
    path("narrators/new/", narrator_create_view, name="narrator_create"),
    path("narrators/<uuid:pk>/", narrator_edit, name="narrator_edit"),
    path("narrators/<uuid:pk>/delete/", narrator_delete_view, name="narrator_delete"),
    path("narrators/<uuid:pk>/preview.mp3", narrator_preview, name="narrator_preview"),
]
