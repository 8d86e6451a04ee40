"""The audio question bank: list, create, edit, the audio's status, upload, archive, duplicate,
and the MP3 itself (streamed through a team-scoped view, never from a public media URL)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import deny, team_required
from accounts.http import TeamRequest
from accounts.models import Membership
from interviews.access import get_audio_question_for
from interviews.filters import LANGUAGES
from interviews.languages import LANGUAGE_NAMES
from interviews.models import AudioQuestion, Narrator
from interviews.selectors import narrators_visible, question_usage_list
from interviews.services.audio import (
    audio_question_create,
    audio_question_duplicate,
    audio_question_request_tts,
    audio_question_update,
    audio_question_upload,
    voice_warning,
)
from interviews.tables.audio import AudioQuestionTable
from interviews.views.builder import add_created_question, adding_to
from interviews.views.questions import Bank, bank_archive, bank_duplicate, bank_list, bank_unarchive
from kit import limits
from kit.pages import apply_errors, render_page
from speech.http import media_response
from speech.voice_quality import default_voice, voice_quality

PAGE_SIZE = 25
AUDIO_ACCEPT = "audio/*,video/webm,video/mp4,.mp3,.m4a,.wav,.webm,.ogg"


def _narrator_label(narrator: Narrator) -> str:
    quality = voice_quality(
        provider=narrator.provider, voice=narrator.voice, language=narrator.language
    )
    language = LANGUAGE_NAMES.get(narrator.language, narrator.language)
    return f"{narrator.name} ({language}, {quality.tier})"


def _default_label(language: str) -> str:
    """ "Default voice (Kokoro, clear)": the voice a question without a narrator speaks with in
    its language, and how clear it was measured."""
    provider, voice = default_voice(language)
    quality = voice_quality(provider=provider, voice=voice, language=language)
    engine = str(dict(Narrator.Provider.choices).get(provider, provider)).split(" (")[0]
    return f"Default voice ({engine}, {quality.tier})"


class AudioQuestionForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False,
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For your team only; candidates do not see it.",
    )
    question_script = forms.CharField(
        required=False,
        label="Script",
        max_length=limits.QUESTION_SCRIPT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the narrator says to the candidate. Changing it makes the audio again.",
    )
    narrator = forms.ModelChoiceField(
        queryset=Narrator.objects.none(), required=False, empty_label="Default voice"
    )
    language = forms.ChoiceField(choices=LANGUAGES, initial="en")
    audio = forms.FileField(
        required=False,
        label="Or upload a recording",
        widget=forms.ClearableFileInput(attrs={"accept": AUDIO_ACCEPT}),
        help_text="MP3, WAV, M4A, WebM or Ogg, up to 25 MB and 10 minutes. It replaces the "
        "spoken script.",
    )

    def __init__(
        self, *args: Any, membership: Membership, with_upload: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        narrator_field: forms.ModelChoiceField[Narrator] = self.fields["narrator"]  # type: ignore[assignment]
        # The voices of the question's language first, each with how clear it was measured.
        language = str(self.data.get("language") or self.initial.get("language") or "en")
        narrator_field.queryset = narrators_visible(membership=membership).order_by(
            Case(When(language=language, then=Value(0)), default=Value(1)), "name"
        )
        narrator_field.label_from_instance = _narrator_label  # type: ignore[method-assign,assignment]
        narrator_field.empty_label = _default_label(language)
        if not with_upload:
            del self.fields["audio"]


class AudioUploadForm(forms.Form):
    audio = forms.FileField(
        label="Recording",
        widget=forms.ClearableFileInput(attrs={"accept": AUDIO_ACCEPT}),
        help_text="MP3, WAV, M4A, WebM or Ogg, up to 25 MB and 10 minutes.",
    )


def _can_author(request: TeamRequest) -> None:
    if not request.membership.can_author:
        raise deny(request, "Your role in this team can view questions but not change them.")


BANK = Bank(
    kind="audio",
    title="Audio questions",
    model=AudioQuestion,
    get_for=get_audio_question_for,
    duplicate=audio_question_duplicate,
    text_fields=("question_script", "description"),
)


@require_GET
@team_required
def audio_list(request: TeamRequest) -> HttpResponse:
    return bank_list(
        request,
        BANK,
        queryset=AudioQuestion.objects.select_related("narrator"),
        table_class=AudioQuestionTable,
    )


@require_http_methods(["GET", "POST"])
@team_required
def audio_create(request: TeamRequest) -> HttpResponse:
    _can_author(request)
    # Made for an interview: in its language, so its language's voices come first.
    interview = adding_to(request)
    form = AudioQuestionForm(
        request.POST or None,
        request.FILES or None,
        membership=request.membership,
        initial={"language": interview.language} if interview is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = audio_question_create(
                team=request.team,
                by=request.user,
                title=data["title"],
                description=data["description"],
                question_script=data["question_script"],
                narrator=data["narrator"],
                language=data["language"],
                audio=data["audio"] or None,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if builder := add_created_question(request, question):
                return redirect(builder)
            messages.success(request, f"“{question.title}” was created.")
            return redirect("interviews:audio_edit", pk=question.pk)
    response = render(
        request,
        "interviews/audio/create.html",
        {"form": form, "page_title": "New audio question", "section": "questions"},
    )
    if form.errors:
        response.status_code = 422
    return response


def _edit_context(
    request: TeamRequest,
    question: AudioQuestion,
    can_edit: bool,
    form: AudioQuestionForm | None = None,
    upload_form: AudioUploadForm | None = None,
) -> dict[str, Any]:
    if form is None:
        form = AudioQuestionForm(
            membership=request.membership,
            with_upload=False,
            initial={
                "title": question.title,
                "description": question.description,
                "question_script": question.question_script,
                "narrator": question.narrator_id,
                "language": question.language,
            },
        )
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return {
        "question": question,
        "form": form,
        "upload_form": upload_form or AudioUploadForm(),
        "usages": list(question_usage_list(question=question, membership=request.membership)),
        "voice_warning": voice_warning(question),
        "can_edit": can_edit,
        "page_title": question.title,
        "section": "questions",
    }


def _status_fragment(request: TeamRequest, question: AudioQuestion, can_edit: bool) -> HttpResponse:
    response = render(
        request,
        "interviews/audio/edit.html#status",
        {"question": question, "can_edit": can_edit},
    )
    response["Vary"] = "HX-Request"
    return response


@require_http_methods(["GET", "POST"])
@team_required
def audio_edit(request: TeamRequest, pk: UUID) -> HttpResponse:
    question, can_edit = get_audio_question_for(request, pk, write=request.method == "POST")
    if request.method == "GET" and request.htmx and request.htmx.target == "audio-status":
        return _status_fragment(request, question, can_edit)
    form = None
    if request.method == "POST":
        form = AudioQuestionForm(request.POST, membership=request.membership, with_upload=False)
        if form.is_valid():
            data = form.cleaned_data
            wanted_before = question.audio_script_hash
            try:
                audio_question_update(
                    question=question,
                    title=data["title"],
                    description=data["description"],
                    question_script=data["question_script"],
                    narrator=data["narrator"],
                    language=data["language"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                note = (
                    " The audio is being made again."
                    if question.audio_script_hash != wanted_before
                    else ""
                )
                messages.success(request, f"Saved.{note}")
                return redirect("interviews:audio_edit", pk=question.pk)
    response = render_page(
        request, "interviews/audio/edit.html", _edit_context(request, question, can_edit, form)
    )
    if form is not None and form.errors:
        response.status_code = 422
    return response


@require_POST
@team_required
def audio_retry(request: TeamRequest, pk: UUID) -> HttpResponse:
    """Make the audio from the script again (after a failure, or to replace an upload)."""
    question, can_edit = get_audio_question_for(request, pk, write=True)
    try:
        audio_question_request_tts(question=question)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if request.htmx:
            return _status_fragment(request, question, can_edit)
        messages.success(request, "The audio is being made from the script.")
    return redirect("interviews:audio_edit", pk=question.pk)


@require_POST
@team_required
def audio_upload(request: TeamRequest, pk: UUID) -> HttpResponse:
    question, can_edit = get_audio_question_for(request, pk, write=True)
    upload_form = AudioUploadForm(request.POST, request.FILES)
    if upload_form.is_valid():
        try:
            audio_question_upload(question=question, audio=upload_form.cleaned_data["audio"])
        except ValidationError as exc:
            apply_errors(upload_form, exc)
        else:
            messages.success(request, "The recording is now this question's audio.")
            return redirect("interviews:audio_edit", pk=question.pk)
    response = render(
        request,
        "interviews/audio/edit.html",
        _edit_context(request, question, can_edit, upload_form=upload_form),
    )
    response.status_code = 422
    return response


@require_http_methods(["GET", "POST"])
@team_required
def audio_archive(request: TeamRequest, pk: UUID) -> HttpResponse:
    return bank_archive(request, BANK, pk)


@require_POST
@team_required
def audio_unarchive(request: TeamRequest, pk: UUID) -> HttpResponse:
    return bank_unarchive(request, BANK, pk)


@require_POST
@team_required
def audio_duplicate(request: TeamRequest, pk: UUID) -> HttpResponse:
    return bank_duplicate(request, BANK, pk)


@require_GET
@team_required
def audio_file(request: TeamRequest, pk: UUID) -> HttpResponse:
    question, _can_edit = get_audio_question_for(request, pk)
    if not question.audio_file:
        raise Http404("This question has no audio yet.")
    response = media_response(
        request,
        question.audio_file,
        content_type="audio/mpeg",
        filename=f"{slugify(question.title) or 'question'}.mp3",
    )
    # Private to the team; the page links it with ?v=<hash> so a new version is a new URL.
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns: list[URLPattern] = [
    path("questions/audio/", audio_list, name="audio_list"),
    path("questions/audio/new/", audio_create, name="audio_create"),
    path("questions/audio/<uuid:pk>/", audio_edit, name="audio_edit"),
    path("questions/audio/<uuid:pk>/retry/", audio_retry, name="audio_retry"),
    path("questions/audio/<uuid:pk>/upload/", audio_upload, name="audio_upload"),
    path("questions/audio/<uuid:pk>/archive/", audio_archive, name="audio_archive"),
    path("questions/audio/<uuid:pk>/unarchive/", audio_unarchive, name="audio_unarchive"),
    path("questions/audio/<uuid:pk>/duplicate/", audio_duplicate, name="audio_duplicate"),
    path("questions/audio/<uuid:pk>/audio.mp3", audio_file, name="audio_file"),
]
