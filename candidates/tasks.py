"""Background work for candidates and their invites."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError

from candidates.services import imports as import_services

logger = logging.getLogger(__name__)

# --- imports

IMPORT_MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, max_retries=IMPORT_MAX_RETRIES)
def candidate_import_run(self: Any, job_id: str) -> str:
    """Import a queued CSV import's rows. Idempotent: it resumes from the rows already
    imported, and a finished job is left alone. Returns the job's status ("missing" if gone).

    A database hiccup is retried; anything else fails the job with a reason the import page
    shows (the rows imported so far stay).
    """
    try:
        job = import_services.import_job_run(job_id=job_id)
    except ValidationError as exc:
        import_services.import_job_fail(job_id=job_id, reason=" ".join(exc.messages))
        return "failed"
    except DatabaseError as exc:
        if self.request.retries < self.max_retries:
            # throw=False queues the retry and ends this run cleanly (an eager run retries at once).
            self.retry(exc=exc, countdown=5 * 2**self.request.retries, throw=False)
            return "retrying"
        logger.exception("Import %s failed", job_id)
        import_services.import_job_fail(
            job_id=job_id, reason="The database kept refusing the import; try again later."
        )
        return "failed"
    except Exception:
        logger.exception("Import %s failed", job_id)
        import_services.import_job_fail(
            job_id=job_id,
            reason="The import stopped on an unexpected error (it is in the server log).",
        )
        return "failed"
    return job.status if job else "missing"


# --- invites


def _delivery_backoff(retries: int) -> int:
    """Seconds before retry ``retries + 1``: 1, 2, 4, 8, 16 minutes…, at most an hour."""
    return min(3600, 60 * 2**retries)


@shared_task(bind=True, acks_late=True)
def invite_deliver(self: Any, delivery_id: int, link_hash: str, replaces: str = "") -> Any:
    """Send one invite or reminder delivery (email or SMS) carrying the link whose hash is
    ``link_hash`` (the link itself never travels through the broker).

    Idempotent: a delivery already sent (or given up) is not sent again. Transient failures
    (SMTP and connection errors, HTTP 429 and 5xx) are retried with exponential backoff up to
    ``settings.INVITE_DELIVERY_MAX_RETRIES`` times, the delivery showing "retrying"; after the
    last try it is marked failed with the reason. Returns the delivery's status.
    """
    from django.conf import settings

    from candidates.services import delivery as delivery_services

    try:
        delivery = delivery_services.invite_delivery_send(
            delivery_id=delivery_id, link_hash=link_hash, replaces=replaces
        )
    except delivery_services.TransientDeliveryError as exc:
        retries, limit = self.request.retries, settings.INVITE_DELIVERY_MAX_RETRIES
        if retries < limit:
            delivery_services.invite_delivery_retrying(delivery_id=delivery_id, error=str(exc))
            # throw=False queues the retry and ends this run cleanly; returning it lets an eager
            # run (tests, or a server without a worker) retry at once.
            return self.retry(
                exc=exc, countdown=_delivery_backoff(retries), max_retries=limit, throw=False
            )
        delivery = delivery_services.invite_delivery_fail(
            delivery_id=delivery_id, error=f"{exc} (gave up after {retries + 1} attempts)"
        )
    return "missing" if delivery is None else delivery.status


# A batch of DELIVERY_BATCH messages on one connection takes seconds; a mail server that
# stalls is cut off well before the broker would hand the batch to another worker.
DELIVERY_BATCH_SOFT_TIME_LIMIT = 120
DELIVERY_BATCH_MAX_RETRIES = 5


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=DELIVERY_BATCH_MAX_RETRIES,
    soft_time_limit=DELIVERY_BATCH_SOFT_TIME_LIMIT,
    time_limit=DELIVERY_BATCH_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def invite_deliver_batch(self: Any, items: list[list[Any]]) -> dict[str, int]:
    """Send a batch of new invites' deliveries (``[[delivery id, link hash], ...]``) over one
    mail connection (``delivery.invite_deliveries_send``).

    Idempotent: what was sent, failed, or handed on is skipped when the batch runs again. A
    delivery that failed for a reason that may pass is retried alone by ``invite_deliver``
    (its backoff, its attempts). When the mail server cannot be reached at all, a database
    hiccup, or the soft time limit, the rest of the batch is retried with backoff; after the
    last try its deliveries go to ``invite_deliver`` one by one. Returns counts by outcome.
    """
    from candidates.services import delivery as delivery_services

    try:
        outcome = delivery_services.invite_deliveries_send(items=items, claim=self.request.id or "")
    except (delivery_services.TransientDeliveryError, DatabaseError, SoftTimeLimitExceeded) as exc:
        if self.request.retries < self.max_retries:
            return self.retry(
                exc=exc, countdown=_delivery_backoff(self.request.retries), throw=False
            )
        logger.warning("Delivery batch: handing %d deliveries on one by one: %s", len(items), exc)
        for delivery_id, link_hash in items:
            invite_deliver.delay(delivery_id, link_hash)
        return {"handed_on": len(items)}
    for delivery_id, (_error, link_hash) in outcome.retry.items():
        # Its first retry, with the per-delivery backoff and attempt count.
        invite_deliver.apply_async(
            (delivery_id, link_hash), countdown=_delivery_backoff(0), retries=1
        )
    return {"sent": len(outcome.sent), "failed": len(outcome.failed), "retry": len(outcome.retry)}


@shared_task(acks_late=True)
def invite_deliver_held() -> int:
    """Beat, every 5 minutes: queue the texts and reminders held for quiet hours whose window
    has opened. No retries: the next run catches up (held rows wait in the database, so a
    restart loses none)."""
    from candidates.services import delivery as delivery_services

    return delivery_services.invite_deliveries_release_held()


@shared_task(acks_late=True)
def invite_expire_due() -> int:
    """Beat, every 5 minutes: expire open invites past their expiry. No retries: the next run
    catches up."""
    from candidates.services import invites as invite_services

    return invite_services.invite_expire_due()


@shared_task(acks_late=True)
def invite_remind_due() -> int:
    """Beat, every 15 minutes: queue reminders for invites about to expire. No retries: the
    next run catches up, and an invite is never reminded twice for one expiry."""
    from candidates.services import invites as invite_services

    return invite_services.invite_remind_due()


# --- answer processing and reports

PROCESS_MAX_RETRIES = 5


def _process_backoff(retries: int) -> int:
    """Seconds before retry ``retries + 1``: 30 s, 1, 2, 4, 8 minutes."""
    return 30 * 2**retries


def _transient() -> tuple[type[Exception], ...]:
    from speech.evaluation import TransientEvaluationError
    from speech.stt import TransientSTTError

    return (TransientSTTError, TransientEvaluationError, DatabaseError)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=PROCESS_MAX_RETRIES,
    soft_time_limit=settings.ANSWER_SOFT_TIME_LIMIT,
    time_limit=settings.ANSWER_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def answer_process_task(self: Any, answer_id: str) -> Any:
    """Transcribe, score, spot keywords and evaluate one answer. Idempotent: finished steps are
    skipped. A speech or language model server that is down (or a database hiccup) is retried
    with backoff; after the last try the answer is failed with the reason. Past
    ``ANSWER_SOFT_TIME_LIMIT`` it fails at once, naming the step. Returns its status."""
    from candidates.models import Answer
    from candidates.services import processing

    try:
        answer = processing.answer_process(answer_id=answer_id, run=self.request.id or "")
    except Answer.DoesNotExist:
        return "missing"
    except processing.AnswerBusy:
        return "busy"  # the run holding it finishes it
    except SoftTimeLimitExceeded:
        answer = _fail_too_slow(answer_id, settings.ANSWER_SOFT_TIME_LIMIT)
    except _transient() as exc:
        if self.request.retries < self.max_retries:
            # throw=False queues the retry and ends this run cleanly; returning it lets an eager
            # run (tests, or a server without a worker) retry at once.
            return self.retry(
                exc=exc, countdown=_process_backoff(self.request.retries), throw=False
            )
        logger.warning(
            "Answer %s: giving up after %d tries: %s", answer_id, self.request.retries + 1, exc
        )
        answer = processing.answer_process_fail(
            answer_id=answer_id, reason=f"{exc} (gave up after {self.request.retries + 1} tries)"
        )
    return answer.status


def _fail_too_slow(answer_id: Any, seconds: int) -> Any:
    from candidates.models import Answer
    from candidates.services import processing

    answer = Answer.objects.get(pk=answer_id)
    return processing.answer_process_fail(
        answer_id=answer_id, reason=processing.too_slow_reason(answer, seconds)
    )


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=PROCESS_MAX_RETRIES,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def candidate_interview_process(self: Any, invite_id: str) -> Any:
    """Process every answer of a completed invite, then write its report (an AI interview's
    from its transcript). Idempotent. An answer another run holds, or a speech or language
    model server that is down, is retried with backoff; after the last try the answers still
    pending are failed, as they are at once past ``REPORT_SOFT_TIME_LIMIT``. Returns the report's
    status ("failed" when it gave up, "missing" when the invite is gone, "declined" when the
    candidate declined AI evaluation: answers processed, no report)."""
    from candidates.models import CandidateInterview
    from candidates.services import evaluations, processing

    invite = CandidateInterview.objects.filter(pk=invite_id).first()
    if invite is None:
        return "missing"
    retryable: tuple[type[Exception], ...] = (*_transient(), processing.AnswerBusy)
    try:
        for answer in processing.answers_pending(invite=invite):
            processing.answer_process(answer_id=answer.pk, run=self.request.id or "")
        if invite.ai_evaluation_declined:  # the human-only lane: no AI report
            return "declined"
        report = evaluations.candidate_interview_summarize(invite=invite)
    except SoftTimeLimitExceeded:
        for answer in processing.answers_pending(invite=invite):
            _fail_too_slow(answer.pk, settings.REPORT_SOFT_TIME_LIMIT)
        return "failed"
    except retryable as exc:
        tries = self.request.retries + 1
        if self.request.retries < self.max_retries:
            return self.retry(
                exc=exc, countdown=_process_backoff(self.request.retries), throw=False
            )
        logger.warning("Invite %s: no report after %d tries: %s", invite_id, tries, exc)
        for answer in processing.answers_pending(invite=invite):
            processing.answer_process_fail(
                answer_id=answer.pk, reason=f"{exc} (gave up after {tries} tries)"
            )
        return "failed"
    return report.status


# --- re-running an evaluation on request

RERUN_MAX_RETRIES = 3


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=RERUN_MAX_RETRIES,
    soft_time_limit=settings.ANSWER_SOFT_TIME_LIMIT,
    time_limit=settings.ANSWER_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def evaluation_run_task(self: Any, run_id: str) -> Any:
    """Run a requested re-run (``candidates.EvaluationRun``). Idempotent: a finished run is
    left alone. A language model server that is down (or a database hiccup) is retried with
    backoff (30 s, 1, 2 minutes); after the last try, or past ``ANSWER_SOFT_TIME_LIMIT``, the
    run fails with a reason the review page and the API show. Returns the run's status."""
    from candidates.services import evaluations

    try:
        run = evaluations.evaluation_run_execute(run_id=run_id)
    except SoftTimeLimitExceeded:
        run = evaluations.evaluation_run_fail(
            run_id=run_id,
            error=f"The evaluation took longer than {settings.ANSWER_SOFT_TIME_LIMIT} seconds "
            "and was stopped; try again later or ask an admin to look at the evaluator.",
        )
    except _transient() as exc:
        tries = self.request.retries + 1
        if self.request.retries < self.max_retries:
            # throw=False queues the retry and ends this run cleanly; returning it lets an eager
            # run (tests, or a server without a worker) retry at once.
            return self.retry(
                exc=exc, countdown=_process_backoff(self.request.retries), throw=False
            )
        logger.warning("Re-run %s: giving up after %d tries: %s", run_id, tries, exc)
        run = evaluations.evaluation_run_fail(
            run_id=run_id,
            error=f"The evaluator could not be reached ({exc}); gave up after {tries} tries. "
            "Try again in a few minutes.",
        )
    return "missing" if run is None else run.status


# --- retention


@shared_task(acks_late=True)
def retention_run() -> dict[str, int]:
    """The daily retention job: delete what every team's retention periods say is due.
    Safe to run twice (a second run finds nothing due) and after a crash (each deletion is
    its own transaction)."""
    from candidates.services import privacy

    report = privacy.retention_run()
    if report.candidates or report.media:
        logger.info(
            "Retention: %d candidate(s) and %d recording(s) deleted",
            report.candidates,
            report.media,
        )
    return {"candidates": report.candidates, "media": report.media}


# --- telling reviewers about completed candidates

REVIEW_NOTICE_MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, soft_time_limit=120, time_limit=150)
def review_notify_completed_task(self: Any, invite_id: str) -> int:
    """Email the reviewers who want each completion (idempotent: candidates.ReviewNotice).
    A mail server that fails is retried with backoff; who was emailed is not emailed again."""
    from candidates.services.review_notices import review_notify_completed

    try:
        return review_notify_completed(invite_id=invite_id)
    except (OSError, DatabaseError) as exc:
        if self.request.retries < REVIEW_NOTICE_MAX_RETRIES:
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
        logger.warning("Invite %s: reviewers not emailed: %s", invite_id, exc)
        return 0


@shared_task(acks_late=True, soft_time_limit=15 * 60, time_limit=16 * 60)
def review_digest_task() -> int:
    """The daily digest of completed candidates for reviewers who chose it."""
    from candidates.services.review_notices import review_digest_send

    return review_digest_send()


# --- telling candidates (received, decision)

CANDIDATE_MESSAGE_MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, soft_time_limit=60, time_limit=90)
def candidate_message_send_task(self: Any, message_id: int) -> str:
    """Send one message to a candidate when it is due (idempotent: candidates.CandidateMessage).
    A mail server that fails is retried with backoff; a message sent is not sent again."""
    from candidates.services.candidate_messages import candidate_message_send

    try:
        return candidate_message_send(message_id=message_id)
    except (OSError, DatabaseError) as exc:
        if self.request.retries < CANDIDATE_MESSAGE_MAX_RETRIES:
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
        logger.warning("Candidate message %s not sent: %s", message_id, exc)
        return "pending"


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def candidate_messages_due_task() -> int:
    """Beat, every 5 minutes: queue the messages whose time has come that no task sent (a lost
    task, a worker restarted past a decision's delay). Sending twice is harmless: each send
    locks its row and skips a message no longer pending."""
    from candidates.services.candidate_messages import candidate_messages_due

    due = candidate_messages_due()
    for message_id in due:
        candidate_message_send_task.delay(message_id)
    return len(due)
