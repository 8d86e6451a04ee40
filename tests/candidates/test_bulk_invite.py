"""Batched bulk invite (issue 16, plan G): a batch of invites is saved in a fixed number of
queries with the same rows, audit and webhook events as inviting one at a time; its messages
go out in batch tasks over one mail connection, idempotently, a failed address retried alone;
the import page shows one progress bar from upload to the last message."""

import email
import smtplib
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu import pools

from accounts.models import AuditEvent
from candidates import tasks
from candidates.models import CandidateInterview, ImportJob, InviteDelivery
from candidates.selectors import import_job_progress
from candidates.services import delivery as delivery_services
from candidates.services.imports import import_job_create, import_job_run, import_job_start
from candidates.services.invites import (
    DuplicateInvite,
    invite_create,
    invite_create_many,
    invite_current_url,
)
from candidates.services.sms_consent import SmsOptIn
from candidates.tokens import invite_token, token_hash
from interviews.counters import interview_counts_recount
from tests.factories import CandidateFactory, CandidateInterviewFactory, InterviewFactory
from tests.test_worker import worker  # noqa: F401 - the real-worker fixture, used by name
from webhooks.models import Delivery, Endpoint, Event, EventType
from webhooks.tasks import webhook_deliver

pytestmark = pytest.mark.django_db

Status = InviteDelivery.Status
REFUSING = "tests.candidates.test_bulk_invite.RefusingBackend"


class RefusingBackend(EmailBackend):
    """The in-memory backend, refusing addresses as ``refusals`` says (address → errors to
    raise, one per try) and failing to connect ``open_failures`` times."""

    refusals: dict[str, list[Exception]] = {}
    open_failures = 0
    opened = 0

    def open(self):
        RefusingBackend.opened += 1
        if RefusingBackend.open_failures:
            RefusingBackend.open_failures -= 1
            raise ConnectionRefusedError(111, "Connection refused")
        return super().open()

    def send_messages(self, messages):
        for message in messages:
            if errors := RefusingBackend.refusals.get(message.to[0]):
                raise errors.pop(0)
        return super().send_messages(messages)


@pytest.fixture
def refusing(settings):
    settings.MAILERS = {"default": {"BACKEND": REFUSING}}
    RefusingBackend.refusals, RefusingBackend.open_failures, RefusingBackend.opened = {}, 0, 0
    yield RefusingBackend
    RefusingBackend.refusals, RefusingBackend.open_failures = {}, 0


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Backend Engineer", display_name="Backend role")


@pytest.fixture
def webhooks_held(monkeypatch):
    """Webhook deliveries are recorded, not POSTed."""
    held: list[int] = []
    monkeypatch.setattr(webhook_deliver, "delay", held.append)
    return held


def _people(team, prefix, n):
    return [
        CandidateFactory(team=team, first_name=f"{prefix}{i}", email=f"{prefix}{i}@example.com")
        for i in range(n)
    ]


# ---------------------------------------------------------------- the same as one at a time

VARYING = {"id", "candidate", "interview", "created_at", "updated_at", "invited_at"}
VARYING |= {"link_nonce", "token_hash", "sms_opt_in_at"}


def _invite_row(invite):
    invite.refresh_from_db()
    row = {
        f.name: getattr(invite, f.attname)
        for f in CandidateInterview._meta.concrete_fields
        if f.name not in VARYING
    }
    # The link can be shown again and is the one whose hash is stored.
    token = invite_token(invite)
    assert token
    assert token_hash(token) == invite.token_hash
    assert invite.invited_at is not None
    return row


def _deliveries(invite):
    return sorted(
        (d.channel, d.purpose, d.status, d.attempts, d.error, d.import_job_id, d.claimed_by)
        for d in invite.deliveries.all()
    )


def _audit(invite):
    return [
        (e.action, e.actor_id, e.actor_label, e.team_id, e.object_type, e.data)
        for e in AuditEvent.objects.filter(object_id=str(invite.pk))
        if e.object_repr == str(invite)
    ]


def _events(invite):
    events = []
    for event in Event.objects.filter(payload__id=str(invite.pk)):
        payload = {
            k: v for k, v in event.payload.items() if k not in ("id", "candidateId", "interviewId")
        }
        for moment in ("invitedAt", "at"):  # times differ; whether there is one does not
            if moment in payload:
                payload[moment] = bool(payload[moment])
        events.append((event.type, payload, event.deliveries.count()))
    return events


def test_a_batch_makes_the_same_rows_and_events_as_inviting_one_at_a_time(
    team, recruiter, interview, webhooks_held, django_capture_on_commit_callbacks
):
    Endpoint.objects.create(
        team=team, url="https://example.com/hook", secret="whsec_x", event_types=EventType.values
    )
    other = InterviewFactory(team=team, title="Backend Engineer", display_name="Backend role")
    expires_at = timezone.now() + timedelta(days=5)
    one_by_one, batched = _people(team, "one", 3), _people(team, "many", 3)
    with django_capture_on_commit_callbacks(execute=True):
        singles = [
            invite_create(
                team=team,
                by=recruiter,
                candidate=c,
                interview=interview,
                delivery_types=["email", "sms"],
                expires_at=expires_at,
                sms_opt_in=True,
                sms_opt_in_wording="Agreed on the phone.",
            )[0]
            for c in one_by_one
        ]
    sent_singly = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        batch = invite_create_many(
            team=team,
            by=recruiter,
            candidates=batched,
            interview=other,
            delivery_types=["email", "sms"],
            expires_at=expires_at,
            sms_opt_in=SmsOptIn("Agreed on the phone."),
        )
    assert batch.failed == []
    assert [i.candidate for i in batch.created] == batched
    for single, made in zip(singles, batch.created, strict=True):
        assert _invite_row(made) == _invite_row(single)
        assert _deliveries(made) == _deliveries(single)
        assert _deliveries(made) == [
            ("email", "invite", "sent", 1, "", None, ""),
            ("sms", "invite", "logged", 1, "", None, ""),
        ]
        assert _audit(made) == _audit(single)
        assert [a[0] for a in _audit(made)] == ["invite.sent"]
        assert _events(made) == _events(single)
        assert sorted(e[0] for e in _events(made)) == [
            "candidate_interview.invited",
            "candidate_interview.status_changed",
        ]
    # Every webhook delivery is queued once its transaction commits, as for one invite: six
    # invites, two events each (invited, status_changed).
    assert len(webhooks_held) == Delivery.objects.count() == 12
    # Each candidate got one email, with their own link.
    emails = mail.outbox[sent_singly:]
    assert sorted(m.to[0] for m in emails) == sorted(c.email for c in batched)
    for invite in batch.created:
        [message] = [m for m in emails if m.to == [invite.candidate.email]]
        assert invite_current_url(invite) in message.body
        assert (
            message.extra_headers["Message-ID"]
            == invite.deliveries.get(channel="email").provider_message_id
        )
    # The interview's counters moved as a recount says.
    assert interview_counts_recount(interview_ids=[other.pk]) == 0


def test_a_batch_takes_a_fixed_number_of_queries_and_one_task_per_hundred_deliveries(
    team, recruiter, interview, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[list[list]] = []
    monkeypatch.setattr(tasks.invite_deliver_batch, "delay", queued.append)

    def invite(n):
        people = _people(team, f"p{n}-", n)
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            batch = invite_create_many(
                team=team,
                by=recruiter,
                candidates=people,
                interview=interview,
                delivery_types=["email"],
            )
        assert len(batch.created) == n
        return len(queries)

    small, big = invite(10), invite(250)
    assert small == big <= 12
    assert [len(items) for items in queued] == [10, 100, 100, 50]
    deliveries = InviteDelivery.objects.in_bulk([pk for items in queued for pk, _h in items])
    for pk, link_hash in queued[1]:
        assert deliveries[pk].candidate_interview.token_hash == link_hash


# ---------------------------------------------------------------- per-row rules


def test_it_fails_each_row_as_invite_create_would(
    team, recruiter, interview, django_capture_on_commit_callbacks
):
    ada, bob = _people(team, "ada", 1)[0], _people(team, "bob", 1)[0]
    no_phone = CandidateFactory(team=team, first_name="Noor", last_name="Haddad", phone="")
    busy = CandidateFactory(team=team, first_name="Ravi", last_name="Shah")
    open_invite = CandidateInterviewFactory(team=team, interview=interview, candidate=busy)
    with pytest.raises(DuplicateInvite) as refused:
        invite_create(team=team, by=recruiter, candidate=busy, interview=interview)
    with django_capture_on_commit_callbacks(execute=True):
        batch = invite_create_many(
            team=team,
            by=recruiter,
            # Ada twice: the second row is a duplicate of the first one's new invite.
            candidates=[ada, no_phone, busy, ada, bob],  # type: ignore[list-item]
            interview=interview,
            delivery_types=["email", "sms"],
            sms_opt_in=SmsOptIn("Agreed."),
        )
    assert [i.candidate for i in batch.created] == [ada, bob]
    assert [f.candidate for f in batch.failed] == [no_phone, busy, ada]
    assert batch.failed[0].errors == {
        "delivery_types": ["Noor Haddad has no phone number: send by email, or add a number first."]
    }
    assert batch.failed[1].errors == refused.value.message_dict
    assert batch.failed[1].existing == open_invite
    assert batch.failed[2].existing == batch.created[0]
    assert "already has an open invite to Backend Engineer (invited)" in batch.failed[2].message
    assert CandidateInterview.objects.filter(candidate=ada).count() == 1
    assert len(mail.outbox) == 2


def test_it_saves_drafts_for_the_same_candidate_twice_as_one_at_a_time_would(
    team, recruiter, interview
):
    ada = _people(team, "ada", 1)[0]
    batch = invite_create_many(
        team=team,
        by=recruiter,
        candidates=[ada, ada],
        interview=interview,
        delivery_types=["email"],
        send=False,
    )
    # A draft is not an open invite, so invite_create would have saved both too.
    assert [i.status for i in batch.created] == ["DRAFT", "DRAFT"]
    assert not InviteDelivery.objects.exists()
    assert AuditEvent.objects.filter(action="invite.drafted").count() == 2


# ---------------------------------------------------------------- sending in batches


def _invite(team, recruiter, interview, people, capture):
    with capture(execute=True):
        return invite_create_many(
            team=team,
            by=recruiter,
            candidates=people,
            interview=interview,
            delivery_types=["email"],
        )


def test_it_sends_a_batch_over_one_connection_and_a_retried_batch_sends_nothing_twice(
    team, recruiter, interview, refusing, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[list[list]] = []
    monkeypatch.setattr(tasks.invite_deliver_batch, "delay", queued.append)
    _invite(team, recruiter, interview, _people(team, "p", 5), django_capture_on_commit_callbacks)
    [items] = queued
    assert tasks.invite_deliver_batch.apply(args=[items], task_id="run-1").get() == {
        "sent": 5,
        "failed": 0,
        "retry": 0,
    }
    assert refusing.opened == 1
    assert len(mail.outbox) == 5
    # The broker hands the batch out again, or a second copy runs: nothing is sent twice.
    assert tasks.invite_deliver_batch.apply(args=[items], task_id="run-1").get() == {
        "sent": 0,
        "failed": 0,
        "retry": 0,
    }
    assert tasks.invite_deliver_batch.apply(args=[items], task_id="run-2").get()["sent"] == 0
    assert len(mail.outbox) == 5
    assert set(InviteDelivery.objects.values_list("status", "attempts", "claimed_by")) == {
        ("sent", 1, "")
    }
    # Nor does the one-delivery task.
    assert tasks.invite_deliver.delay(*items[0]).get() == "sent"
    assert len(mail.outbox) == 5


def test_a_run_that_died_mid_batch_is_finished_by_its_retry_and_by_no_other_run(
    team, recruiter, interview, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[list[list]] = []
    monkeypatch.setattr(tasks.invite_deliver_batch, "delay", queued.append)
    _invite(team, recruiter, interview, _people(team, "p", 3), django_capture_on_commit_callbacks)
    [items] = queued
    # A worker claimed the batch, then died before marking anything.
    InviteDelivery.objects.update(status=Status.SENDING, claimed_by="run-1", attempts=1)
    assert delivery_services.invite_deliveries_send(items=items, claim="run-2").sent == {}
    assert tasks.invite_deliver.delay(*items[0]).get() == "sending"
    assert mail.outbox == []
    # The broker redelivers the same task (same id): it takes its deliveries back.
    outcome = delivery_services.invite_deliveries_send(items=items, claim="run-1")
    assert len(outcome.sent) == 3
    assert len(mail.outbox) == 3
    assert set(InviteDelivery.objects.values_list("status", "attempts")) == {("sent", 2)}


def test_a_failed_address_is_retried_alone_and_a_refused_one_fails_at_once(
    team, recruiter, interview, refusing, django_capture_on_commit_callbacks, settings
):
    settings.INVITE_DELIVERY_MAX_RETRIES = 2
    ada, bob, cy, di = _people(team, "p", 4)
    refusing.refusals = {
        bob.email: [smtplib.SMTPResponseException(421, b"Try again later")],
        cy.email: [smtplib.SMTPRecipientsRefused({cy.email: (550, b"5.1.1 No such user")})],
    }
    batch = _invite(
        team, recruiter, interview, [ada, bob, cy, di], django_capture_on_commit_callbacks
    )
    state = {
        i.candidate.first_name: i.deliveries.values_list("status", "attempts", "error").get()
        for i in batch.created
    }
    assert state == {
        "p0": ("sent", 1, ""),
        # Retried alone by invite_deliver (at once in tests; after a minute on a worker).
        "p1": ("sent", 2, ""),
        "p2": ("failed", 1, "The mail server refused the address: 550 5.1.1 No such user"),
        "p3": ("sent", 1, ""),
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted([ada.email, bob.email, di.email])
    # One connection for the batch, and a fresh one after the message that failed.
    assert refusing.opened == 2


def test_a_mail_server_down_retries_the_batch_then_sends_each_once(
    team, recruiter, interview, refusing, django_capture_on_commit_callbacks
):
    refusing.open_failures = 2
    batch = _invite(
        team, recruiter, interview, _people(team, "p", 3), django_capture_on_commit_callbacks
    )
    assert len(mail.outbox) == 3
    for invite in batch.created:
        assert invite.deliveries.values_list("status", "attempts").get() == ("sent", 3)


def test_it_does_not_send_to_an_invite_cancelled_before_its_batch_ran(
    team, recruiter, interview, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[list[list]] = []
    monkeypatch.setattr(tasks.invite_deliver_batch, "delay", queued.append)
    batch = _invite(
        team, recruiter, interview, _people(team, "p", 2), django_capture_on_commit_callbacks
    )
    CandidateInterview.objects.filter(pk=batch.created[0].pk).update(status="CANCELLED")
    assert tasks.invite_deliver_batch.apply(args=queued).get() == {
        "sent": 1,
        "failed": 1,
        "retry": 0,
    }
    assert batch.created[0].deliveries.get().error == "Not sent: the invite is cancelled."


def test_the_batch_task_has_soft_and_hard_time_limits(settings):
    task = tasks.invite_deliver_batch
    assert task.soft_time_limit == tasks.DELIVERY_BATCH_SOFT_TIME_LIMIT
    assert task.time_limit == task.soft_time_limit + settings.TASK_TIME_LIMIT_GRACE
    assert task.time_limit < settings.CELERY_TASK_TIME_LIMIT
    assert task.acks_late


# ---------------------------------------------------------------- one progress bar


def _import(team, recruiter, lines):
    data = ("first_name,last_name,email\n" + "\n".join(lines) + "\n").encode()
    job, _ = import_job_create(team=team, by=recruiter, filename="c.csv", data=data)
    return job


def test_the_import_page_shows_one_bar_from_upload_to_all_sent(
    login,
    team,
    recruiter,
    interview,
    refusing,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    busy = CandidateFactory(team=team, email="busy@example.com")
    CandidateInterviewFactory(team=team, interview=interview, candidate=busy)
    job = _import(
        team,
        recruiter,
        [
            "Ada,L,ada@example.com",
            "Bob,B,bob@example.com",
            "Cy,C,cy@example.com",
            "Busy,B,busy@example.com",
        ],
    )
    refusing.refusals = {
        "cy@example.com": [smtplib.SMTPRecipientsRefused({"x": (550, b"No such user")})]
    }
    with django_capture_on_commit_callbacks(execute=False) as queued:
        import_job_start(job=job, interview=interview, delivery_types=["email"])
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    progress = import_job_progress(job=job)
    # Imported, three invited, one not (an open invite already); no message out yet.
    assert (progress.imported, progress.invited, progress.invite_failed) == (4, 3, 1)
    assert (progress.expected, progress.pending, progress.sent, progress.failed) == (3, 3, 0, 0)
    assert progress.percent == 100 * 4 // 7
    client = login(recruiter)
    url = reverse("candidates:import_detail", args=[job.pk])
    with django_assert_max_num_queries(9):
        html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "Sending invites…" in html
    assert f'aria-valuenow="{100 * 4 // 7}"' in html
    assert "3 invited · 0 of 3 messages sent · <span>0 failed</span> · 3 to go" in html

    for callback in queued:  # the import task (already run here) and the delivery batch
        callback()
    progress = import_job_progress(job=job)
    assert (progress.sent, progress.failed, progress.pending, progress.percent) == (2, 1, 0, 100)
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html
    assert "Import finished, 1 invite not sent" in html
    assert '3 invited · 2 of 3 messages sent · <span class="text-danger">1 failed</span>' in html
    assert "1 message could not be sent" in html
    assert list(job.deliveries.values_list("status", flat=True).order_by("status")) == [
        "failed",
        "sent",
        "sent",
    ]


def test_the_bar_waits_slowly_for_a_delivery_retrying_later(login, team, recruiter, interview):
    job = _import(team, recruiter, ["Ada,L,ada@example.com"])
    ImportJob.objects.filter(pk=job.pk).update(
        status="done", processed=1, interview=interview, delivery_types=["email"]
    )
    invite = CandidateInterviewFactory(team=team, interview=interview)
    InviteDelivery.objects.create(
        candidate_interview=invite, channel="email", status=Status.RETRYING, import_job=job
    )
    html = (
        login(recruiter)
        .get(reverse("candidates:import_detail", args=[job.pk]), headers={"HX-Request": "true"})
        .content.decode()
    )
    assert 'hx-trigger="every 10s"' in html
    assert "1 waiting to retry" in html


# ---------------------------------------------------------------- a real worker


@pytest.fixture
def real_worker(request):
    """tests/test_worker.py's worker, with kombu's producer pools cleared around it (see
    tests/candidates/test_delivery.py)."""
    pools.reset()
    yield request.getfixturevalue("worker")
    pools.reset()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_emails_each_imported_candidate_once(
    real_worker, team, recruiter, interview, monkeypatch
):
    """The import runs here, so that its batch tasks reach the worker: the worker fixture
    consumes only its own queue, and a task the worker itself queued would go to the default
    one (the bench runs the whole chain in a worker)."""
    mail_dir = real_worker
    count = 120
    job = _import(team, recruiter, [f"P{n},X,p{n}@example.com" for n in range(count)])
    monkeypatch.setattr(tasks.candidate_import_run, "delay", lambda job_id: None)
    import_job_start(job=job, interview=interview, delivery_types=["email"])
    import_job_run(job_id=job.pk, batch_size=50)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        progress = import_job_progress(job=job)
        if job.status == "done" and progress.sent == count:
            break
        time.sleep(0.5)
    assert (job.status, progress.sent, progress.failed) == ("done", count, 0)
    ids = set(job.deliveries.values_list("provider_message_id", flat=True))
    written = [
        email.message_from_string(part.lstrip())["Message-ID"].strip()
        for file in mail_dir.iterdir()
        for part in file.read_text().split("-" * 79)
        if part.strip()
    ]
    assert sorted(written) == sorted(ids)
    assert len(written) == count
