"""Resumable uploads of candidates' recordings: create, append, finish, terminate, sweep.

The database holds each upload's state and is the truth about its offset; the bytes go to a
partial file on local disk. An exclusive, non-blocking ``flock`` on that file serialises the
appends of one upload: holding a database row lock for as long as a slow PATCH streams in
would keep a transaction (and on SQLite the whole database's write lock) open for minutes.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import logging
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from candidates.models import Answer, CandidateInterview
from candidates.runner.services import runner_answer_recorded, runner_retakes_left
from candidates.services.accommodations import accommodated_limits
from interviews.models import InterviewQuestion
from kit import limits
from kit.files import file_sha256
from kit.limits import clip
from speech.media import MediaError, probe_recording
from uploads.models import Upload

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from django.http import HttpRequest

logger = logging.getLogger(__name__)

SESSION_KEY = "invite_id"
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "sha512")
MIN_SECONDS = 0.3
# A "complete" upload whose check was cut short (a crash, a restart) is checked again later.
_STUCK_AFTER = timedelta(minutes=15)
# Leftover partial files with no upload still receiving into them.
_ORPHAN_AFTER = timedelta(hours=1)
# An unfinished upload that has received nothing for this long is taken as abandoned (a closed
# tab, a retake whose DELETE never arrived): a new upload of the same answer supersedes it.
_IDLE_AFTER = timedelta(minutes=1)


class UploadError(Exception):
    """A request the upload protocol refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class UploadBusy(UploadError):
    """Too much at once for one candidate link: wait for the uploads in progress (429)."""

    def __init__(self, message: str) -> None:
        super().__init__(429, message)


class UploadRejected(UploadError):
    """Every byte arrived, but the file is not a usable recording (the reason says why)."""

    def __init__(self, message: str) -> None:
        super().__init__(422, message)


@dataclass(frozen=True)
class Checksum:
    """An ``Upload-Checksum`` header: the algorithm and the digest the chunk must have."""

    algorithm: str
    digest: bytes

    @classmethod
    def parse(cls, header: str) -> Checksum:
        algorithm, _, encoded = header.strip().partition(" ")
        if algorithm not in CHECKSUM_ALGORITHMS:
            raise UploadError(400, f"Unsupported checksum algorithm {algorithm!r}.")
        try:
            digest = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise UploadError(400, "The checksum is not valid Base64.") from exc
        if len(digest) != hashlib.new(algorithm, usedforsecurity=False).digest_size:
            raise UploadError(400, f"A {algorithm} checksum has the wrong length.")
        return cls(algorithm, digest)


def upload_owner(request: HttpRequest) -> CandidateInterview | None:
    """The invite whose candidate this browser is signed in as (the runner's session)."""
    invite_id = request.session.get(SESSION_KEY)
    if not invite_id:
        return None
    try:
        return (
            CandidateInterview.objects.select_related("interview")
            .filter(pk=uuid.UUID(str(invite_id)))
            .first()
        )
    except ValueError:
        return None


def upload_get(*, owner: CandidateInterview | None, pk: uuid.UUID) -> Upload:
    """The upload ``pk`` if it belongs to ``owner``; 404 otherwise (never say it exists)."""
    upload = (
        Upload.objects.select_related("candidate_interview__interview", "interview_question")
        .filter(pk=pk, candidate_interview=owner)
        .first()
        if owner is not None
        else None
    )
    if upload is None:
        raise UploadError(404, "No such upload.")
    return upload


def parse_metadata(header: str) -> dict[str, str]:
    """Decode an ``Upload-Metadata`` header: comma-separated ``key base64value`` pairs."""
    metadata: dict[str, str] = {}
    if len(header) > 4096:
        raise UploadError(400, "Upload-Metadata is too long.")
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        if not key or key in metadata:
            raise UploadError(400, "Upload-Metadata keys must be present and unique.")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, ValueError) as exc:
            raise UploadError(400, f"Upload-Metadata {key!r} is not Base64 UTF-8 text.") from exc
    return metadata


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
    )


def _expiry(now: datetime) -> datetime:
    return now + timedelta(hours=settings.UPLOAD_EXPIRY_HOURS)


def _question_for(owner: CandidateInterview, metadata: dict[str, str]) -> InterviewQuestion:
    try:
        question_id = uuid.UUID(metadata.get("question", ""))
    except ValueError as exc:
        raise UploadError(400, "Metadata 'question' must be an interview question id.") from exc
    question = (
        InterviewQuestion.objects.select_related("interview")
        .filter(pk=question_id, interview_id=owner.interview_id)
        .exclude(kind=InterviewQuestion.Kind.SURVEY)
        .first()
    )
    if question is None or (
        owner.question_order and str(question_id) not in map(str, owner.question_order)
    ):
        raise UploadError(400, "That question is not part of this interview.")
    return question


def _attempt_for(owner: CandidateInterview, metadata: dict[str, str]) -> int:
    raw = metadata.get("attempt", "")
    if not raw:
        return max(owner.attempts_used, 1)
    if not raw.isdigit() or not 1 <= int(raw) <= owner.interview.attempts_allowed:
        raise UploadError(400, "Metadata 'attempt' is not an attempt this interview allows.")
    return int(raw)


def _check_retakes_left(owner: CandidateInterview, question: Any, attempt: int) -> None:
    """A question already answered may be recorded again only while retakes remain."""
    if not runner_retakes_left(invite=owner, item_id=question.pk, attempt=attempt):
        raise UploadError(403, "This answer cannot be recorded again: no retakes are left.")


def upload_create(
    *, owner: CandidateInterview | None, length: int | None, metadata: dict[str, str]
) -> Upload:
    """A new upload of ``length`` bytes (None: deferred, declared by a later PATCH), with an
    empty partial file.

    For an invite, ``metadata`` must name the ``question`` (an InterviewQuestion id of the
    invite's interview) and may name the ``attempt`` (the invite's current one otherwise).
    """
    if length is not None and length <= 0:
        raise UploadError(400, "An empty recording cannot be uploaded.")
    if length is not None and length > settings.UPLOAD_MAX_SIZE:
        raise UploadError(
            413, f"The file is too large; the limit is {settings.UPLOAD_MAX_SIZE} bytes."
        )
    question = None
    attempt = 1
    if owner is not None:
        if not owner.accepts_answers:
            raise UploadError(403, "This interview no longer accepts answers.")
        if owner.consented_at is None:
            raise UploadError(
                403, "Read and accept the privacy notice before you record an answer."
            )
        question = _question_for(owner, metadata)
        attempt = _attempt_for(owner, metadata)
        _check_retakes_left(owner, question, attempt)
    upload = Upload(
        candidate_interview=owner,
        interview_question=question,
        attempt=attempt,
        length=length,
        reserved=length or 0,
        metadata=metadata,
        content_type=metadata.get("filetype", "")[:100],
        expires_at=_expiry(timezone.now()),
    )
    upload.partial_path = f"{upload.pk}.part"
    Path(settings.UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
    upload.partial_file.touch(exist_ok=False)
    try:
        with transaction.atomic():
            if owner is not None:
                _make_room(owner=owner, upload=upload)
            upload.save()
    except Exception:
        upload.partial_file.unlink(missing_ok=True)
        raise
    return upload


def _unfinished(owner_id: Any) -> Any:
    return Upload.objects.filter(
        candidate_interview_id=owner_id,
        status=Upload.Status.RECEIVING,
        expires_at__gt=timezone.now(),
    )


def _lock_owner(owner_id: Any) -> None:
    """Serialise the limit checks of one invite's uploads (the invite's row lock)."""
    list(CandidateInterview.objects.select_for_update().filter(pk=owner_id).values("pk"))


def _check_in_flight(owner_id: Any, *, upload: Upload, need: int) -> None:
    others = _unfinished(owner_id).exclude(pk=upload.pk).aggregate(total=Sum("reserved"))["total"]
    if (others or 0) + need > settings.UPLOAD_IN_FLIGHT_MAX:
        raise UploadBusy(
            "Too much is being uploaded for this interview at once (the limit is "
            f"{settings.UPLOAD_IN_FLIGHT_MAX // (1024 * 1024)} MB): wait for the uploads in "
            "progress to finish."
        )


def _make_room(*, owner: CandidateInterview, upload: Upload) -> None:
    """Check the new ``upload`` against the invite's limits: a few unfinished uploads per
    answer (idle ones are superseded to make room) and the bytes in flight; 429 otherwise."""
    _lock_owner(owner.pk)
    same_answer = list(
        _unfinished(owner.pk)
        .filter(interview_question=upload.interview_question, attempt=upload.attempt)
        .order_by("created_at")
    )
    idle_before = timezone.now() - _IDLE_AFTER
    excess = len(same_answer) - settings.UPLOAD_OPEN_PER_ANSWER + 1
    for old in same_answer:
        if excess <= 0:
            break
        if old.updated_at <= idle_before and _supersede(old):
            excess -= 1
    if excess > 0:
        raise UploadBusy(
            "This answer already has uploads in progress: wait for them to finish, or stop "
            "them, before starting another."
        )
    _check_in_flight(owner.pk, upload=upload, need=upload.reserved)


def _supersede(upload: Upload) -> bool:
    """Stop an idle unfinished upload for a newer one of the same answer; False if a request
    is appending to it right now (then it is not idle)."""
    try:
        with _locked(upload):
            stopped = Upload.objects.filter(pk=upload.pk, status=Upload.Status.RECEIVING).update(
                status=Upload.Status.TERMINATED,
                rejection_reason="Superseded by a newer upload of the same answer.",
                updated_at=timezone.now(),
            )
            upload.partial_file.unlink(missing_ok=True)
    except UploadError as exc:
        if exc.status != 410:
            return False
        stopped = Upload.objects.filter(pk=upload.pk, status=Upload.Status.RECEIVING).update(
            status=Upload.Status.TERMINATED, updated_at=timezone.now()
        )
    return bool(stopped)


def _reserve(upload: Upload, need: int) -> None:
    """Count ``need`` bytes of ``upload`` against its invite's in-flight limit before they are
    written, so that concurrent appends to several uploads cannot pass it together."""
    if need <= upload.reserved or upload.candidate_interview_id is None:
        return
    with transaction.atomic():
        _lock_owner(upload.candidate_interview_id)
        _check_in_flight(upload.candidate_interview_id, upload=upload, need=need)
        Upload.objects.filter(pk=upload.pk).update(reserved=need)
    upload.reserved = need


@contextmanager
def _locked(upload: Upload) -> Iterator[IO[bytes]]:
    """The partial file, opened for writing and exclusively locked; 409 if another request
    is appending to it right now."""
    try:
        handle = upload.partial_file.open("r+b")
    except FileNotFoundError as exc:
        raise UploadError(410, "This upload is gone.") from exc
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise UploadError(409, "Another request is uploading to this upload.") from exc
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _check_receiving(upload: Upload, offset: int) -> None:
    if upload.is_gone:
        raise UploadError(410, "This upload has expired or was terminated.")
    if upload.status != Upload.Status.RECEIVING or offset != upload.offset:
        raise UploadError(409, f"Upload-Offset must be {upload.offset}.")


def upload_append(
    *,
    upload: Upload,
    offset: int,
    chunks: Iterable[bytes],
    declared_length: int,
    checksum: Checksum | None = None,
    total_length: int | None = None,
) -> Upload:
    """Append ``chunks`` (the request body, ``declared_length`` bytes) at ``offset``.

    Refuses a stale offset (409), a body that would pass the upload's length (413) and a
    chunk whose ``checksum`` does not match (460, the bytes discarded). A body cut short by
    a dropped connection keeps the bytes that arrived, unless a checksum was given. When the
    last byte is in, the recording is checked and stored (``upload_finish``).

    ``total_length`` declares a deferred upload's length (once, with any PATCH).
    """
    if total_length is not None:
        if upload.length is not None and upload.length != total_length:
            raise UploadError(400, "Upload-Length cannot change once it is known.")
        if total_length < offset + declared_length or total_length <= 0:
            raise UploadError(400, "Upload-Length is smaller than the bytes sent.")
    limit = upload.length if upload.length is not None else total_length
    if limit is not None and offset + declared_length > limit:
        raise UploadError(413, "The body would go past the upload's Upload-Length.")
    if offset + declared_length > settings.UPLOAD_MAX_SIZE:
        raise UploadError(
            413, f"The file is too large; the limit is {settings.UPLOAD_MAX_SIZE} bytes."
        )
    with _locked(upload) as handle:
        upload.refresh_from_db()
        _check_receiving(upload, offset)
        _reserve(upload, max(upload.length or total_length or 0, offset + declared_length))
        if total_length is not None and upload.length is None:
            Upload.objects.filter(pk=upload.pk, length__isnull=True).update(length=total_length)
            upload.length = total_length
        # A crash between writing and committing may have left bytes past the offset.
        handle.truncate(offset)
        handle.seek(offset)
        digest = hashlib.new(checksum.algorithm, usedforsecurity=False) if checksum else None
        received = 0
        for chunk in chunks:
            handle.write(chunk)
            received += len(chunk)
            if digest is not None:
                digest.update(chunk)
        if checksum is not None and (
            received != declared_length or digest is None or digest.digest() != checksum.digest
        ):
            handle.truncate(offset)
            raise UploadError(460, "Checksum mismatch: the chunk was discarded.")
        handle.flush()
        os.fsync(handle.fileno())
        now = timezone.now()
        moved = Upload.objects.filter(
            pk=upload.pk, status=Upload.Status.RECEIVING, offset=offset
        ).update(offset=offset + received, expires_at=_expiry(now), updated_at=now)
        if not moved:  # terminated while the body streamed in
            raise UploadError(410, "This upload was terminated.")
        upload.refresh_from_db()
        if upload.offset == upload.length:
            upload_finish(upload=upload)
    return upload


def _max_seconds(upload: Upload) -> float | None:
    question = upload.interview_question
    if question is None:
        return None
    invite = upload.candidate_interview
    if invite is None:
        limit = question.answer_time_seconds or question.interview.answer_time_seconds
    else:  # the invite's accommodation (more time, untimed) moves the limit too
        limit = accommodated_limits(invite=invite, item=question).answer_seconds
    return float(limit + settings.UPLOAD_DURATION_SLACK_SECONDS)


def _storage_name(upload: Upload, extension: str) -> str:
    if upload.candidate_interview_id is None or upload.interview_question_id is None:
        return f"uploads/{upload.pk}.{extension}"
    return (
        f"answers/{upload.candidate_interview_id}/"
        f"{upload.interview_question_id}-{upload.attempt}.{extension}"
    )


def upload_finish(*, upload: Upload) -> Upload:
    """Check the complete file by its content, store it and record the answer.

    The caller holds the partial file's lock, so an upload already "complete" is one whose
    check was cut short and is taken again. A file that is not a usable recording is
    rejected (UploadRejected, its partial file removed) and no answer is touched.
    """
    now = timezone.now()
    if upload.length is None:
        raise UploadError(409, "The upload's length is not known yet.")
    Upload.objects.filter(
        pk=upload.pk, status=Upload.Status.RECEIVING, offset=upload.length
    ).update(status=Upload.Status.COMPLETE, completed_at=now, updated_at=now)
    upload.refresh_from_db()
    if upload.status != Upload.Status.COMPLETE:
        return upload
    path = upload.partial_file
    sha256 = file_sha256(path)
    try:
        info = probe_recording(path, min_seconds=MIN_SECONDS, max_seconds=_max_seconds(upload))
    except MediaError as exc:
        Upload.objects.filter(pk=upload.pk, status=Upload.Status.COMPLETE).update(
            status=Upload.Status.REJECTED,
            sha256=sha256,
            rejection_reason=clip(str(exc), limits.REASON),
            updated_at=timezone.now(),
        )
        path.unlink(missing_ok=True)
        raise UploadRejected(str(exc)) from exc
    with path.open("rb") as handle:
        stored_name = default_storage.save(_storage_name(upload, info.extension), File(handle))
    try:
        with transaction.atomic():
            locked = Upload.objects.select_for_update().get(pk=upload.pk)
            if locked.status != Upload.Status.COMPLETE:
                raise UploadError(410, "This upload was terminated.")
            locked.status = Upload.Status.VERIFIED
            locked.sha256 = sha256
            locked.stored_name = stored_name
            locked.content_type = info.content_type
            locked.duration_seconds = info.duration
            locked.save()
            upload_completed(upload=locked)
    except Exception:
        default_storage.delete(stored_name)
        raise
    path.unlink(missing_ok=True)
    upload.refresh_from_db()
    return upload


def upload_completed(*, upload: Upload) -> Answer | None:
    """Hand a verified upload to ``candidates``: the invite's answer to the question in that
    attempt, now holding the stored recording."""
    if upload.candidate_interview_id is None or upload.interview_question_id is None:
        return None
    return runner_answer_recorded(
        invite_id=upload.candidate_interview_id,
        item_id=upload.interview_question_id,
        attempt=upload.attempt,
        media_name=upload.stored_name,
        media_type=upload.content_type,
        duration_seconds=upload.duration_seconds,
    )


def upload_terminate(*, upload: Upload) -> None:
    """Stop an upload and free its partial file (tus termination). A verified upload's
    stored recording and answer stay: terminating only forgets the transfer."""
    if upload.status in Upload.GONE_STATUSES:
        raise UploadError(410, "This upload has expired or was terminated.")
    Upload.objects.filter(
        pk=upload.pk,
        status__in=[Upload.Status.RECEIVING, Upload.Status.COMPLETE, Upload.Status.VERIFIED],
    ).update(status=Upload.Status.TERMINATED, updated_at=timezone.now())
    upload.partial_file.unlink(missing_ok=True)
    upload.refresh_from_db()


def uploads_cleanup(*, now: datetime | None = None) -> dict[str, int]:
    """Sweep: expire unfinished uploads past their time, check again uploads whose check
    was interrupted, and remove partial files nothing is receiving into. Idempotent."""
    now = now or timezone.now()
    counts = {"expired": 0, "rechecked": 0, "orphans": 0}
    for upload in Upload.objects.filter(status=Upload.Status.RECEIVING, expires_at__lte=now):
        try:
            with _locked(upload):
                if Upload.objects.filter(
                    pk=upload.pk, status=Upload.Status.RECEIVING, expires_at__lte=now
                ).update(status=Upload.Status.EXPIRED, updated_at=now):
                    upload.partial_file.unlink(missing_ok=True)
                    counts["expired"] += 1
        except UploadError as exc:
            if exc.status == 410:  # the partial file is already gone
                Upload.objects.filter(pk=upload.pk, status=Upload.Status.RECEIVING).update(
                    status=Upload.Status.EXPIRED, updated_at=now
                )
                counts["expired"] += 1
            # 409: a request is appending right now; it will be refused (expired) and the
            # next sweep takes the upload.
    stuck = Upload.objects.filter(
        status=Upload.Status.COMPLETE, completed_at__lte=now - _STUCK_AFTER
    ).select_related("candidate_interview", "interview_question__interview")
    for upload in stuck:
        try:
            with _locked(upload):
                upload_finish(upload=upload)
            counts["rechecked"] += 1
        except UploadError as exc:
            logger.info("Upload %s rechecked: %s", upload.pk, exc.message)
    temp_dir = Path(settings.UPLOAD_TEMP_DIR)
    if temp_dir.is_dir():
        active = {
            upload.partial_path
            for upload in Upload.objects.filter(
                status__in=[Upload.Status.RECEIVING, Upload.Status.COMPLETE]
            ).only("partial_path")
        }
        cutoff = (now - _ORPHAN_AFTER).timestamp()
        for path in temp_dir.glob("*.part"):
            if path.name not in active and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                counts["orphans"] += 1
    return counts
