"""Background work for interviews and their questions."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from interviews.services import audio as audio_services
from speech.tts import TransientTTSError

TTS_MAX_RETRIES = 4


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=TTS_MAX_RETRIES,
    soft_time_limit=settings.TTS_SOFT_TIME_LIMIT,
    time_limit=settings.TTS_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def audio_question_synthesize(self: Any, question_id: str, script_hash: str) -> Any:
    """Make the question's text-to-speech audio for ``script_hash``.

    Idempotent: a stale hash (the script or voice changed since) or audio already made is a
    no-op. A transient provider failure is retried with backoff, then marks the question failed.
    Past ``TTS_SOFT_TIME_LIMIT`` the question fails at once, saying so: a script that slow will
    not get faster on a retry.
    Returns what happened: "completed", "failed" or "stale".
    """
    try:
        question = audio_services.audio_question_synthesize(
            question_id=question_id, wanted=script_hash
        )
    except SoftTimeLimitExceeded:
        question = audio_services.audio_question_fail(
            question_id=question_id,
            wanted=script_hash,
            reason=audio_services.too_slow_reason(settings.TTS_SOFT_TIME_LIMIT),
        )
    except TransientTTSError as exc:
        if self.request.retries < self.max_retries:
            # throw=False queues the retry and ends this run cleanly; an eager run (tests, or a
            # server without a worker) then runs the retry at once instead of failing.
            return self.retry(
                exc=exc, countdown=min(300, 10 * 2**self.request.retries), throw=False
            )
        question = audio_services.audio_question_fail(
            question_id=question_id, wanted=script_hash, reason=str(exc)
        )
    return "stale" if question is None else question.transcription_status


@shared_task(
    acks_late=True,
    soft_time_limit=settings.TTS_SOFT_TIME_LIMIT,
    time_limit=settings.TTS_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def audio_question_convert(question_id: str, wanted: str) -> Any:
    """Turn the recording uploaded for ``wanted`` into the question's MP3 (idempotent; a newer
    upload or edit makes it stale). Past ``TTS_SOFT_TIME_LIMIT`` the question fails, saying so.
    Returns "completed", "failed" or "stale"."""
    try:
        question = audio_services.audio_question_convert(question_id=question_id, wanted=wanted)
    except SoftTimeLimitExceeded:
        question = audio_services.audio_question_fail(
            question_id=question_id,
            wanted=wanted,
            reason=f"Converting the recording took longer than {settings.TTS_SOFT_TIME_LIMIT} s "
            "and was stopped; upload a shorter one.",
        )
    return "stale" if question is None else question.transcription_status
