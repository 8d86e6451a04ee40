"""Signed media links: a question's MP3 or an answer's recording that plays without a key.

The API hands these links out as ``audioURL`` and ``mediaUrl`` so that an integrator can put
them straight into an ``<audio>`` or ``<video>`` tag. A link names one object of one kind,
signed with the site's secret (django.core.signing, a salt of its own), and lasts
MEDIA_URL_TTL_SECONDS. Every request checks the signature and its age, then that the object
still has its media: an erased candidate's answer, or a recording the retention schedule
removed, is a 404 at once, however young the link. The keyed download
(``/questions/{id}/audio.mp3``) and the review page's own media views stay as they are.

With S3 storage the file is streamed through this view, as every other media view of the
project does, rather than redirected to a presigned S3 URL: the erasure check then holds for
every range request a player makes, and the Content-Type is the one recorded with the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_safe

from api.responses import TITLES, request_id
from candidates.models import Answer
from interviews.models import AudioQuestion, Narrator
from speech.http import media_response

if TYPE_CHECKING:
    import uuid

    from django.db.models.fields.files import FieldFile

SALT = "panelist.api.media-link"
ANSWER, QUESTION, NARRATOR = "answer", "question", "narrator"
NOT_FOUND = "No media at this link: it is wrong, or the media was removed."
EXPIRED = "This media link has expired: read the question or answer again for a new one."


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def _value(kind: str, pk: uuid.UUID) -> str:
    """What is signed: the kind and the id, so one object's link opens no other."""
    return f"{kind}.{pk.hex}"


def media_link(kind: str, pk: uuid.UUID, *, request: HttpRequest | None = None) -> str:
    """An absolute URL that serves ``kind`` ``pk``'s media for MEDIA_URL_TTL_SECONDS. Built
    from the request when there is one, else from SITE_URL.

    The id stays in the path (a UUID, as every API path id); the signature, with the time it
    was made, goes in the query string: ``/media/answers/<id>?signature=<time>:<hmac>``."""
    value, signer = _value(kind, pk), _signer()
    signature = signer.sign(value).removeprefix(value + signer.sep)
    url = (
        reverse(f"api:media_{kind}", kwargs={"pk": pk}) + "?" + urlencode({"signature": signature})
    )
    if request is not None:
        return str(request.build_absolute_uri(url))
    return f"{settings.SITE_URL}{url}"


def question_media_link(question: AudioQuestion, *, request: HttpRequest | None) -> str | None:
    return media_link(QUESTION, question.pk, request=request) if question.audio_file else None


def narrator_sample_link(narrator: Narrator, *, request: HttpRequest | None) -> str:
    return media_link(NARRATOR, narrator.pk, request=request)


def answer_media_link(answer: Answer, *, request: HttpRequest | None = None) -> str | None:
    return media_link(ANSWER, answer.pk, request=request) if answer.media else None


def _refused(request: HttpRequest, status: int, detail: str) -> JsonResponse:
    """The API's problem details, from a view outside DRF."""
    rid = request_id(request)
    response = JsonResponse(
        {
            "type": "about:blank",
            "title": TITLES[status],
            "status": status,
            "detail": detail,
            "instance": request.path,
            "requestId": rid,
        },
        status=status,
        content_type="application/problem+json",
    )
    response["X-Request-Id"] = rid
    response["Cache-Control"] = "no-store"
    return response


def _extension(file: FieldFile) -> str:
    name = file.name or ""
    return name.rsplit(".", 1)[-1] if "." in name else "bin"


@require_safe
def media_link_view(request: HttpRequest, pk: uuid.UUID, kind: str) -> HttpResponse:
    """The media a signed link names, with range requests so players can seek."""
    signer = _signer()
    signed = f"{_value(kind, pk)}{signer.sep}{request.GET.get('signature', '')}"
    try:
        signer.unsign(signed, max_age=settings.MEDIA_URL_TTL_SECONDS)
    except signing.SignatureExpired:
        return _refused(request, 403, EXPIRED)
    except signing.BadSignature:
        return _refused(request, 404, NOT_FOUND)
    try:
        response = _serve(request, kind, pk)
    except FileNotFoundError:  # a file gone from the disk is gone too
        response = None
    if response is None:
        return _refused(request, 404, NOT_FOUND)
    # Never kept by a shared cache, nor past an erasure by the browser.
    response["Cache-Control"] = "private, no-store"
    return response


def _serve(request: HttpRequest, kind: str, pk: uuid.UUID) -> HttpResponse | None:
    """The media of ``kind`` ``pk`` if it still exists, checked now, not when signed."""
    if kind == QUESTION:
        question = AudioQuestion.objects.filter(pk=pk).exclude(audio_file="").first()
        if question is None:
            return None
        return media_response(
            request,
            question.audio_file,
            content_type="audio/mpeg",
            filename=f"question-{question.pk}.mp3",
        )
    if kind == NARRATOR:
        narrator = Narrator.objects.filter(pk=pk).first()
        if narrator is None:
            return None
        from interviews.services.audio import narrator_sample
        from speech.media import MediaError
        from speech.tts import TTSError

        try:
            sample = narrator_sample(narrator=narrator)
        except (TTSError, MediaError):
            return None  # this server cannot speak with the voice now
        response = HttpResponse(sample, content_type="audio/mpeg")
        response["Content-Disposition"] = f'inline; filename="narrator-{narrator.pk}.mp3"'
        return response
    if kind == ANSWER:
        answer = Answer.objects.filter(pk=pk).exclude(media="").first()
        if answer is None:  # erased with its candidate, or removed by the retention schedule
            return None
        file = answer.playback or answer.media  # the seekable copy once made
        return media_response(
            request,
            file,
            content_type=answer.media_type or "application/octet-stream",
            filename=f"answer-{answer.pk}.{_extension(file)}",
        )
    return None


urlpatterns: list[URLPattern] = [
    path("media/answers/<uuid:pk>", media_link_view, {"kind": ANSWER}, name=f"media_{ANSWER}"),
    path(
        "media/narrators/<uuid:pk>", media_link_view, {"kind": NARRATOR}, name=f"media_{NARRATOR}"
    ),
    path(
        "media/questions/<uuid:pk>", media_link_view, {"kind": QUESTION}, name=f"media_{QUESTION}"
    ),
]
