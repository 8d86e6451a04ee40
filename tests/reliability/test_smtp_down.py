"""The SMTP server goes down: invites are retried, their status says "retrying" and why, and they
are sent once the server is back. A real SMTP conversation over a loopback socket each time."""

from __future__ import annotations

import email

import pytest
from django.db import connection, transaction

from candidates.models import InviteDelivery
from candidates.tasks import invite_deliver
from candidates.tokens import new_invite_token
from tests.factories import CandidateInterviewFactory, InviteDeliveryFactory
from tests.reliability.conftest import free_port, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _delivery() -> tuple[InviteDelivery, str]:
    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(token_hash=digest)
    delivery: InviteDelivery = InviteDeliveryFactory.create(candidate_interview=invite)
    return delivery, token


def test_an_invite_is_retried_while_smtp_is_down_and_sent_when_it_is_back(smtp, settings):
    """Eager Celery runs each retry at once (the real backoff is 1, 2, 4… minutes); the server
    is down for the first two connections and reads the delivery's row as each one opens."""
    settings.MAILERS = {
        "default": {
            "BACKEND": SMTP_BACKEND,
            "OPTIONS": {"host": "127.0.0.1", "port": smtp.port, "timeout": 10},
        }
    }
    settings.INVITE_DELIVERY_MAX_RETRIES = 3
    delivery, token = _delivery()
    seen: list[tuple[str, int, str]] = []

    def on_connect(number: int) -> None:
        row = InviteDelivery.objects.get(pk=delivery.pk)
        seen.append((row.status, row.attempts, row.error))
        connection.close()  # this server thread's own connection
        smtp.down = number < 3

    smtp.on_connect = on_connect
    smtp.down = True
    with transaction.atomic():
        transaction.on_commit(lambda: invite_deliver.delay(delivery.pk, token))

    down = "The mail server answered 421: 127.0.0.1 Service not available, closing channel"
    assert seen == [("queued", 1, ""), ("retrying", 2, down), ("retrying", 3, down)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 3, "")
    [raw] = smtp.messages
    message = email.message_from_bytes(raw)
    assert message["To"] == delivery.candidate_interview.candidate.email
    assert "".join(str(message["Message-ID"]).split()) == delivery.provider_message_id


@pytest.mark.worker
def test_a_real_worker_marks_an_invite_retrying_when_smtp_refuses_connections(make_worker):
    worker = make_worker(
        EMAIL_BACKEND=SMTP_BACKEND, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(free_port())
    )
    worker.start()
    delivery, token = _delivery()
    with transaction.atomic():
        transaction.on_commit(lambda: invite_deliver.delay(delivery.pk, token))

    def retrying() -> bool:
        delivery.refresh_from_db()
        return delivery.status == InviteDelivery.Status.RETRYING

    assert wait_for(retrying, seconds=60), f"the delivery is {delivery.status!r}"
    assert delivery.attempts == 1
    assert delivery.error.startswith("Could not talk to the mail server:")
    assert "refused" in delivery.error.lower()
    # The retry waits in the broker for its countdown (1 minute for the first one).
    assert wait_for(lambda: "Connection refused'), 60)" in worker.log.read_text(), seconds=10)
