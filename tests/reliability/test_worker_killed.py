"""A worker SIGKILLed in the middle of a task: after a restart every task completes exactly once
in effect (acks_late brings the task back; the task's own idempotency does the rest).

Each test holds the outside world's answer (a speech server, a webhook receiver, an SMTP server)
until the worker is killed, so the kill lands while the task is known to be running.
"""

from __future__ import annotations

import email
import io
import json
import math
import struct
import wave
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from candidates.models import Answer, Evaluation, InviteDelivery, Turn
from interviews.models import AudioQuestion
from interviews.services.audio import audio_question_request_tts
from tests.factories import (
    AnswerFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InviteDeliveryFactory,
    NarratorFactory,
)
from tests.reliability.conftest import wait_for
from webhooks.models import Delivery, EventType
from webhooks.services import SWEEP_GRACE, endpoint_create, event_record

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

HOLD = 60  # seconds the outside world holds its first answer: longer than the test waits


def wav(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(int(seconds * rate))
            )
        )
    return buffer.getvalue()


def started(worker, double_requests, what: str) -> None:
    assert wait_for(lambda: double_requests(), seconds=60), f"the worker never started {what}"


# --- text to speech of an audio question ----------------------------------------------------


def test_tts_cut_off_by_a_killed_worker_makes_one_audio_file(make_worker, http_double, team):
    audio = wav()
    tts = http_double(lambda handler, body: (200, "audio/wav", audio))
    tts.hold_first, tts.hold_seconds = 1, HOLD
    worker = make_worker(OPENAI_TTS_BASE_URL=tts.url)
    worker.start()
    narrator = NarratorFactory(team=team, provider="openai", voice="alloy")
    question = AudioQuestionFactory(team=team, narrator=narrator)
    audio_question_request_tts(question=question)

    started(worker, lambda: tts.requests, "text to speech")
    question.refresh_from_db()
    assert question.transcription_status == AudioQuestion.TranscriptionStatus.PROCESSING
    worker.kill()
    worker.start()

    def done() -> bool:
        question.refresh_from_db()
        return question.transcription_status == AudioQuestion.TranscriptionStatus.COMPLETED

    assert wait_for(done, seconds=60), "the redelivered task did not make the audio"
    assert len(tts.requests) == 2
    from django.conf import settings

    files = sorted(p.name for p in (settings.MEDIA_ROOT / "questions/audio").iterdir())
    assert files == [question.audio_file.name.rsplit("/", 1)[1]]
    assert question.audio_file.size > 0


# --- transcription and evaluation of a recorded answer --------------------------------------


def _transcription(handler, body: bytes) -> tuple[int, str, bytes]:
    reply = {
        "text": "I would cache the results and measure before optimising.",
        "language": "english",
        "duration": 1.0,
        "segments": [
            {"start": 0.0, "end": 0.5, "text": "I would cache the results"},
            {"start": 0.5, "end": 1.0, "text": "and measure before optimising."},
        ],
    }
    return 200, "application/json", json.dumps(reply).encode()


def test_processing_cut_off_by_a_killed_worker_finishes_once(make_worker, http_double):
    stt = http_double(_transcription)
    stt.hold_first, stt.hold_seconds = 1, HOLD
    worker = make_worker(STT_PROVIDER="openai", OPENAI_STT_BASE_URL=f"{stt.url}/v1")
    worker.start()
    invite = CandidateInterviewFactory()
    answer = AnswerFactory(candidate_interview=invite, text="", media_type="audio/wav")
    answer.media.save("answer.wav", ContentFile(wav()), save=True)
    with transaction.atomic():
        from candidates.services.processing import answer_process_enqueue

        answer_process_enqueue(answer=answer)

    started(worker, lambda: stt.requests, "the transcription")
    worker.kill()
    worker.start()

    def done() -> bool:
        answer.refresh_from_db()
        return answer.status in (Answer.Status.PROCESSED, Answer.Status.FAILED)

    finished = wait_for(done, seconds=45)
    assert finished, f"the answer is still {answer.status!r}: {answer.processing}"
    assert answer.status == Answer.Status.PROCESSED
    assert len(stt.requests) == 2
    assert list(Turn.objects.filter(answer=answer).values_list("turn_number", flat=True)) == [1, 2]
    assert Evaluation.objects.filter(answer=answer).count() == 1
    assert Evaluation.objects.filter(answer=answer, is_current=True).count() == 1


# --- a webhook delivery ---------------------------------------------------------------------


def test_a_webhook_cut_off_by_a_killed_worker_succeeds_once_with_one_id(
    make_worker, http_double, team, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback, as for the worker
    receiver = http_double(lambda handler, body: (200, "application/json", b'{"ok":true}'))
    receiver.hold_first, receiver.hold_seconds = 1, HOLD
    worker = make_worker(WEBHOOK_TIMEOUT="30")
    worker.start()
    endpoint_create(team=team, url=f"{receiver.url}/hooks", event_types=EventType.values)
    with transaction.atomic():
        event = event_record(team=team, type=EventType.COMPLETED, payload={"id": "invite-1"})
    assert event is not None

    started(worker, lambda: receiver.requests, "the delivery")
    worker.kill()
    worker.start()
    # The redelivered task finds the delivery still leased to the dead run and leaves it.
    assert wait_for(lambda: "'skipped'" in worker.log.read_text(), seconds=30)
    assert len(receiver.requests) == 1
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    # Rather than wait out the lease (WEBHOOK_TIMEOUT + 60 s), end it now; then the periodic
    # sweep (beat's webhooks_deliver_due, run here by the worker) sends the delivery.
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - SWEEP_GRACE - timedelta(seconds=1)
    )
    from webhooks.tasks import webhooks_deliver_due

    webhooks_deliver_due.delay()

    def succeeded() -> bool:
        delivery.refresh_from_db()
        return delivery.status == Delivery.Status.SUCCEEDED

    assert wait_for(succeeded, seconds=30)
    assert Delivery.objects.count() == 1
    assert len(receiver.requests) == 2
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert ids == {str(event.pk)}, "a receiver dedupes by webhook-id: it must not change"


# --- an invite email ------------------------------------------------------------------------


def _invite_delivery():
    from candidates.tokens import new_invite_token

    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(token_hash=digest)
    return InviteDeliveryFactory(candidate_interview=invite), token


def _smtp_env(smtp) -> dict[str, str]:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_TIMEOUT": str(HOLD * 2),
    }


def _message_id(raw: bytes) -> str:
    return "".join(str(email.message_from_bytes(raw)["Message-ID"]).split())  # unfolded


def _send(delivery, token) -> None:
    from candidates.tasks import invite_deliver

    with transaction.atomic():
        transaction.on_commit(lambda: invite_deliver.delay(delivery.pk, token))


def _sent(delivery) -> bool:
    delivery.refresh_from_db()
    return delivery.status == InviteDelivery.Status.SENT


def test_an_invite_email_cut_off_before_the_server_took_it_is_sent_once(make_worker, smtp):
    smtp.hold_first, smtp.hold_greeting = 1, HOLD
    worker = make_worker(**_smtp_env(smtp))
    worker.start()
    delivery, token = _invite_delivery()
    _send(delivery, token)

    started(worker, lambda: smtp.connections, "the email")
    worker.kill()
    worker.start()

    assert wait_for(lambda: _sent(delivery), seconds=60)
    assert len(smtp.messages) == 1
    message = email.message_from_bytes(smtp.messages[0])
    assert message["To"] == delivery.candidate_interview.candidate.email
    assert _message_id(smtp.messages[0]) == delivery.provider_message_id
    assert delivery.attempts == 2


def test_an_invite_email_the_server_took_keeps_one_message_id_when_resent(make_worker, smtp):
    smtp.hold_first, smtp.hold_after_data = 1, HOLD
    worker = make_worker(**_smtp_env(smtp))
    worker.start()
    delivery, token = _invite_delivery()
    _send(delivery, token)

    started(worker, lambda: smtp.messages, "the email")
    worker.kill()
    worker.start()

    assert wait_for(lambda: _sent(delivery), seconds=60)
    assert delivery.attempts == 2
    ids = {_message_id(m) for m in smtp.messages}
    assert ids == {delivery.provider_message_id}, f"{len(smtp.messages)} copies with ids {ids}"
