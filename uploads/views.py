"""The tus 1.0 endpoint: ``/uploads/`` creates, ``/uploads/<id>`` resumes, appends, ends.

Extensions: creation, creation-with-upload, expiration, checksum (sha1, sha256, sha512) and
termination. Only a browser signed in to an invite (the runner's session) may upload, and
only to its own uploads.

CSRF: exempt, because tus clients cannot send Django's token without extra wiring, and safe
because every request except OPTIONS must carry the ``Tus-Resumable`` header: a cross-site
page can only send that custom header after a CORS preflight, which this endpoint never
grants. A browser's ``Origin``, when sent, must be this site too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from uploads import services
from uploads.models import Upload
from uploads.services import Checksum, UploadError

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterator

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = (
    "creation,creation-with-upload,creation-defer-length,expiration,checksum,termination"
)
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
CHUNK_SIZE = 1024 * 1024


def _response(
    status: int, message: str = "", headers: dict[str, str] | None = None
) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 412:
        response["Tus-Version"] = TUS_VERSION
    return response


def _error(exc: UploadError, headers: dict[str, str] | None = None) -> HttpResponse:
    if exc.status == 429:  # the uploads in progress must finish first; a few seconds will do
        headers = {**(headers or {}), "Retry-After": "5"}
    return _response(exc.status, exc.message, headers)


def _method(request: HttpRequest) -> str:
    """The request's method, or for a POST the one ``X-HTTP-Method-Override`` names (tus core:
    for clients behind proxies that drop PATCH and DELETE)."""
    method = request.method or "GET"
    if method == "POST":
        return request.headers.get("X-HTTP-Method-Override", "").strip().upper() or method
    return method


def _same_origin(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    if not origin:
        return True  # not a browser, or a same-origin request that sends none
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    return parts.scheme == request.scheme and parts.netloc == request.get_host()


def _options() -> HttpResponse:
    response = _response(204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(settings.UPLOAD_MAX_SIZE)
    response["Tus-Checksum-Algorithm"] = ",".join(services.CHECKSUM_ALGORITHMS)
    return response


def _precondition(request: HttpRequest, method: str) -> HttpResponse | None:
    """The response that refuses the request before anything else, if any."""
    if method != "OPTIONS" and request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _response(412, "Tus-Resumable: 1.0.0 is required.")
    if not _same_origin(request):
        return _response(403, "Cross-origin uploads are not accepted.")
    return None


def _non_negative(request: HttpRequest, header: str) -> int | None:
    value = request.headers.get(header)
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        raise UploadError(400, f"{header} must be a non-negative integer.")
    return int(value)


def _body(request: HttpRequest, length: int) -> Iterator[bytes]:
    """The request body in pieces, never all of it in memory. A dropped connection ends it
    early; ``request.read`` is not bound by DATA_UPLOAD_MAX_MEMORY_SIZE (only ``body`` is)."""
    remaining = length
    while remaining > 0:
        try:
            chunk = request.read(min(CHUNK_SIZE, remaining))
        except (UnreadablePostError, OSError):
            return
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


def _body_length(request: HttpRequest) -> int:
    """The body's declared length; chunked bodies cannot be resumed exactly, so refused."""
    length = _non_negative(request, "Content-Length")
    if length is None:
        if request.headers.get("Transfer-Encoding"):
            raise UploadError(411, "Send Content-Length, not a chunked body.")
        return 0
    return length


def _expires(upload: Upload) -> dict[str, str]:
    if upload.status != Upload.Status.RECEIVING:
        return {}
    return {"Upload-Expires": http_date(upload.expires_at.timestamp())}


def _append(request: HttpRequest, upload: Upload, offset: int) -> Upload:
    declared = _body_length(request)
    header = request.headers.get("Upload-Checksum")
    checksum = Checksum.parse(header) if header else None
    return services.upload_append(
        upload=upload,
        offset=offset,
        chunks=_body(request, declared),
        declared_length=declared,
        checksum=checksum,
        total_length=_non_negative(request, "Upload-Length") if upload.length is None else None,
    )


@csrf_exempt
@transaction.non_atomic_requests  # never hold a transaction while a body streams in
def tus_create(request: HttpRequest) -> HttpResponse:
    """OPTIONS: what this server supports. POST: a new upload (optionally with its first
    bytes); metadata ``question`` and ``attempt`` say which answer it records."""
    method = _method(request)
    refused = _precondition(request, method)
    if refused is not None:
        return refused
    if method == "OPTIONS":
        return _options()
    if method != "POST":
        return _response(405, "Use POST to create an upload.", {"Allow": "OPTIONS, POST"})
    owner = services.upload_owner(request)
    if owner is None:
        return _response(403, "Sign in to the interview first.")
    try:
        length = _non_negative(request, "Upload-Length")
        deferred = request.headers.get("Upload-Defer-Length")
        if deferred is not None and (deferred != "1" or length is not None):
            raise UploadError(400, "Send either Upload-Length or Upload-Defer-Length: 1.")
        if length is None and deferred is None:
            raise UploadError(400, "Upload-Length (or Upload-Defer-Length: 1) is required.")
        declared = _body_length(request)
        if declared and request.content_type != OFFSET_CONTENT_TYPE:
            raise UploadError(415, f"A body must be sent as {OFFSET_CONTENT_TYPE}.")
        metadata = services.parse_metadata(request.headers.get("Upload-Metadata", ""))
        upload = services.upload_create(owner=owner, length=length, metadata=metadata)
    except UploadError as exc:
        return _error(exc)
    location = request.build_absolute_uri(reverse("uploads:upload", args=[upload.pk]))
    headers = {"Location": location}
    if declared:
        try:
            upload = _append(request, upload, 0)
        except UploadError as exc:
            if exc.status == 422:
                return _error(exc, headers)
            # creation-with-upload: whatever was refused, the upload exists; resume it.
            upload.refresh_from_db()
        headers["Upload-Offset"] = str(upload.offset)
    return _response(201, "", {**headers, **_expires(upload)})


@csrf_exempt
@transaction.non_atomic_requests
def tus_upload(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """HEAD: the offset to resume from. PATCH: append bytes. DELETE: terminate."""
    method = _method(request)
    refused = _precondition(request, method)
    if refused is not None:
        if method == "HEAD":
            refused.content = b""
        return refused
    if method == "OPTIONS":
        return _options()
    try:
        upload = services.upload_get(owner=services.upload_owner(request), pk=pk)
        if method == "HEAD":
            return _head(upload)
        if method == "PATCH":
            return _patch(request, upload)
        if method == "DELETE":
            services.upload_terminate(upload=upload)
            return _response(204)
    except UploadError as exc:
        if method == "HEAD":  # no body, and never cached
            return _response(exc.status, "", {"Cache-Control": "no-store"})
        return _error(exc)
    return _response(405, "Use HEAD, PATCH or DELETE.", {"Allow": "OPTIONS, HEAD, PATCH, DELETE"})


def _head(upload: Upload) -> HttpResponse:
    if upload.is_gone:
        raise UploadError(410, "This upload has expired or was terminated.")
    headers = {
        "Upload-Offset": str(upload.offset),
        "Cache-Control": "no-store",
        **_expires(upload),
    }
    if upload.length is None:
        headers["Upload-Defer-Length"] = "1"
    else:
        headers["Upload-Length"] = str(upload.length)
    if upload.metadata:
        headers["Upload-Metadata"] = services.encode_metadata(upload.metadata)
    return _response(200, "", headers)


def _patch(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != OFFSET_CONTENT_TYPE:
        raise UploadError(415, f"PATCH bodies must be sent as {OFFSET_CONTENT_TYPE}.")
    offset = _non_negative(request, "Upload-Offset")
    if offset is None:
        raise UploadError(400, "Upload-Offset is required.")
    if upload.is_gone:
        raise UploadError(410, "This upload has expired or was terminated.")
    if offset != upload.offset:
        raise UploadError(409, f"Upload-Offset must be {upload.offset}.")
    if upload.status == Upload.Status.VERIFIED and _body_length(request) == 0:
        return _response(204, "", {"Upload-Offset": str(upload.offset)})
    upload = _append(request, upload, offset)
    return _response(204, "", {"Upload-Offset": str(upload.offset), **_expires(upload)})
