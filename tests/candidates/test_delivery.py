"""Delivering invites: email, SMS (console and Twilio against a local server), retries,
idempotence, the beat schedule, and one real Celery worker."""

import base64
import email
import json
import logging
import smtplib
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from kombu import pools

from candidates import tasks
from candidates.models import CandidateInterview, InviteDelivery
from candidates.services.invites import invite_create, invite_url
from candidates.sms import ConsoleSmsProvider, SmsError, TwilioSmsProvider, get_sms_provider
from dashboard.celery import app
from tests.factories import CandidateFactory, InterviewFactory
from tests.test_worker import worker  # noqa: F401 - the real-worker fixture, used by name

pytestmark = pytest.mark.django_db

SID, SECRET, FROM = "AC0123456789abcdef0123456789abcdef", "twilio-secret", "+15005550006"
FLAKY = "tests.candidates.test_delivery.FlakyBackend"


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Backend Engineer", display_name="Backend role")


@pytest.fixture
def candidate(team):
    return CandidateFactory(
        team=team, first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )


@pytest.fixture
def send(team, recruiter, interview, candidate, django_capture_on_commit_callbacks):
    """Invite the candidate by ``channels`` and run the deliveries; returns (invite, token)."""

    def _send(*channels):
        with django_capture_on_commit_callbacks(execute=True):
            return invite_create(
                team=team,
                by=recruiter,
                candidate=candidate,
                interview=interview,
                delivery_types=channels or ("email",),
                sms_opt_in=True if "sms" in channels else None,
            )

    return _send


@pytest.fixture
def retries(settings):
    settings.INVITE_DELIVERY_MAX_RETRIES = 2
    return 2


# ---------------------------------------------------------------- email


@pytest.mark.parametrize(
    ("lang", "subject", "greeting"),
    [
        ("fr", "Acme Recruiting vous invite à un entretien : Backend role", "Bonjour Ada,"),
        ("es", "Acme Recruiting te invita a una entrevista: Backend role", "Hola, Ada:"),
    ],
)
def test_it_writes_the_invite_in_the_interviews_language(send, interview, lang, subject, greeting):
    interview.language = lang
    interview.save()
    send("email")
    [message] = mail.outbox
    assert message.subject == subject
    assert greeting in message.body
    assert greeting in message.alternatives[0].content


def test_it_emails_the_invite_with_both_parts_and_the_link(send, team, recruiter):
    team.brand_color = "#ff5500"
    team.save()
    invite, token = send("email")
    delivery = invite.deliveries.get()
    assert delivery.status == "sent"
    assert delivery.attempts == 1
    assert delivery.sent_at is not None
    assert delivery.error == ""
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Acme Recruiting invites you to interview: Backend role"
    assert message.from_email.startswith("Acme Recruiting via Panelist <")
    assert message.reply_to == [recruiter.email]
    assert message.extra_headers["Message-ID"] == delivery.provider_message_id
    link = invite_url(token)
    expiry = timezone.localtime(invite.expires_at).strftime("%d %B %Y").lstrip("0")
    for part in (message.body, message.alternatives[0].content):
        assert link in part
        assert "Hello Ada," in part
        assert "Backend role" in part
        assert "Acme Recruiting" in part
        assert expiry in part
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "background:#ff5500" in html


def test_it_keeps_an_unsafe_brand_colour_out_of_the_email(send, team):
    team.brand_color = "red;}"
    team.save()
    send("email")
    html = mail.outbox[0].alternatives[0].content
    assert "red;}" not in html
    assert "background:#3b4fd8" in html


class FlakyBackend(EmailBackend):
    """The in-memory backend, failing the way ``failures`` says, first come first served."""

    failures: list[Exception] = []

    def send_messages(self, messages):
        if FlakyBackend.failures:
            raise FlakyBackend.failures.pop(0)
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.MAILERS = {"default": {"BACKEND": FLAKY}}
    FlakyBackend.failures = []
    yield FlakyBackend.failures
    FlakyBackend.failures = []


def test_it_retries_a_dropped_smtp_connection_then_sends(send, flaky, retries):
    flaky.append(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    flaky.append(smtplib.SMTPResponseException(421, b"Try again later"))
    invite, _ = send("email")
    delivery = invite.deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 3, "")
    assert len(mail.outbox) == 1


def test_it_fails_after_the_last_retry_with_the_reason(send, flaky, retries):
    flaky.extend(smtplib.SMTPConnectError(451, b"Server busy") for _ in range(retries + 1))
    invite, _ = send("email")
    delivery = invite.deliveries.get()
    assert delivery.status == "failed"
    assert delivery.attempts == retries + 1
    assert "The mail server answered 451: Server busy" in delivery.error
    assert "gave up after 3 attempts" in delivery.error
    assert mail.outbox == []


def test_it_fails_a_refused_address_at_once(send, flaky, retries):
    flaky.append(smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"5.1.1 No such user")}))
    invite, _ = send("email")
    delivery = invite.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.error == "The mail server refused the address: 550 5.1.1 No such user"


def test_it_marks_a_delivery_retrying_and_backs_off(send, flaky, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.invite_deliver, "retry", lambda **kw: queued.append(kw))
    flaky.append(ConnectionRefusedError(111, "Connection refused"))
    invite, _ = send("email")
    delivery = invite.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    assert "Connection refused" in delivery.error
    assert queued[0]["countdown"] == 60
    assert tasks._delivery_backoff(3) == 480
    assert tasks._delivery_backoff(20) == 3600


def test_it_does_not_send_a_delivery_twice(send):
    invite, token = send("email")
    delivery = invite.deliveries.get()
    assert tasks.invite_deliver.delay(delivery.pk, token).get() == "sent"
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert len(mail.outbox) == 1
    assert tasks.invite_deliver.delay(10**9, token).get() == "missing"


def test_it_does_not_send_to_an_invite_that_expired_meanwhile(send):
    invite, token = send("email")
    mail.outbox.clear()
    CandidateInterview.objects.filter(pk=invite.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    delivery = InviteDelivery.objects.create(candidate_interview=invite, channel="email")
    assert tasks.invite_deliver.delay(delivery.pk, token).get() == "failed"
    delivery.refresh_from_db()
    assert delivery.error == "Not sent: the invite has expired."
    assert mail.outbox == []


def test_it_sends_the_link_named_by_its_hash(send):
    """Tasks carry the link's hash; the worker re-derives the link from the invite."""
    invite, token = send("email")
    mail.outbox.clear()
    delivery = InviteDelivery.objects.create(candidate_interview=invite, channel="email")
    assert tasks.invite_deliver.delay(delivery.pk, invite.token_hash).get() == "sent"
    assert invite_url(token) in mail.outbox[0].body


def test_it_fails_a_link_that_cannot_be_made_again(send, settings):
    invite, _token = send("email")
    mail.outbox.clear()
    settings.SECRET_KEY = "a-rotated-key-without-the-old-one-as-fallback-0123"
    delivery = InviteDelivery.objects.create(candidate_interview=invite, channel="email")
    assert tasks.invite_deliver.delay(delivery.pk, invite.token_hash).get() == "failed"
    delivery.refresh_from_db()
    assert "cannot be made again" in delivery.error
    assert mail.outbox == []


def test_it_texts_a_reminder_with_the_same_link(
    team, recruiter, interview, candidate, caplog, django_capture_on_commit_callbacks
):
    from candidates.services.invites import invite_remind

    with django_capture_on_commit_callbacks(execute=True):
        invite, token = invite_create(
            team=team,
            by=recruiter,
            candidate=candidate,
            interview=interview,
            delivery_types=["sms"],
            sms_opt_in=True,
        )
    with (
        caplog.at_level(logging.INFO, logger="panelist.sms"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invite_remind(invite=invite, by=recruiter)
    *_invited, reminded = [r for r in caplog.records if r.name == "panelist.sms"]
    text = reminded.getMessage()
    assert "expires" in text
    assert f"Continue here: {invite_url(token)}" in text
    assert "New link" not in text


# ---------------------------------------------------------------- SMS


def test_it_texts_through_the_console_provider(send, caplog):
    with caplog.at_level(logging.INFO, logger="panelist.sms"):
        invite, token = send("sms")
    delivery = invite.deliveries.get()
    # Printed to the log is not sent: the candidate's phone got nothing.
    assert (delivery.status, delivery.error) == ("logged", "")
    assert delivery.get_status_display() == "Printed to the log (no SMS provider configured)"
    assert delivery.provider_message_id.startswith("console-")
    [record] = [r for r in caplog.records if r.name == "panelist.sms"]
    text = record.getMessage()
    assert "+14155550123" in text
    assert invite_url(token) in text
    assert "Acme Recruiting: Hi Ada, you're invited to interview for Backend role" in text
    assert mail.outbox == []


class TwilioHandler(BaseHTTPRequestHandler):
    """Answers like Twilio's Messages API: checks the account path, Basic auth and the form."""

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        server = self.server
        server.requests.append({"path": self.path, "headers": dict(self.headers), "form": form})
        expected = "Basic " + base64.b64encode(f"{SID}:{SECRET}".encode()).decode()
        if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            status, body = 404, {"code": 20404, "message": "The requested resource was not found"}
        elif self.headers.get("Authorization") != expected:
            status, body = 401, {"code": 20003, "message": "Authenticate"}
        elif self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            status, body = 415, {"code": 20415, "message": "Unsupported media type"}
        elif "To" not in form or "Body" not in form:
            status, body = 400, {"code": 21604, "message": "A 'To' phone number is required."}
        elif "From" not in form and "MessagingServiceSid" not in form:
            status, body = 400, {"code": 21603, "message": "A 'From' phone number is required."}
        elif server.answers:
            status, body = server.answers.pop(0)
        else:
            status, body = 201, {"sid": f"SM{len(server.requests):032d}", "status": "queued"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), TwilioHandler)
    server.requests, server.answers = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = SECRET
    settings.TWILIO_FROM_NUMBER = FROM
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SMS_TIMEOUT = 5
    yield SimpleNamespace(requests=server.requests, answers=server.answers)
    server.shutdown()
    server.server_close()


def test_it_texts_through_twilio(send, twilio):
    invite, token = send("sms")
    delivery = invite.deliveries.get()
    assert delivery.status == "sent"
    assert delivery.provider_message_id == f"SM{1:032d}"
    [request] = twilio.requests
    assert request["headers"]["Accept"] == "application/json"
    form = request["form"]
    assert form["To"] == ["+14155550123"]
    assert form["From"] == [FROM]
    assert invite_url(token) in form["Body"][0]
    assert form["Body"][0].startswith("Acme Recruiting: Hi Ada,")


def test_it_texts_from_a_messaging_service(twilio, settings):
    provider = TwilioSmsProvider(
        account_sid=SID,
        auth_token=SECRET,
        messaging_service_sid="MG123",
        base_url=settings.TWILIO_API_URL,
    )
    assert provider.send(to="+14155550123", body="Hello").startswith("SM")
    form = twilio.requests[0]["form"]
    assert form["MessagingServiceSid"] == ["MG123"]
    assert "From" not in form


def test_it_reports_twilios_reason_and_does_not_retry_a_refusal(send, twilio, retries):
    twilio.answers.append(
        (400, {"code": 21211, "message": "The 'To' number +14155550123 is not a valid number."})
    )
    invite, _ = send("sms")
    delivery = invite.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.error == (
        "Twilio answered HTTP 400: The 'To' number +14155550123 is not a valid number. "
        "(Twilio error 21211)"
    )
    assert len(twilio.requests) == 1


def test_it_retries_twilio_when_busy_then_sends(send, twilio, retries):
    twilio.answers.append((503, {"code": 20503, "message": "Service unavailable"}))
    twilio.answers.append((429, {"code": 20429, "message": "Too many requests"}))
    invite, _ = send("sms")
    delivery = invite.deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 3, "")
    assert len(twilio.requests) == 3


def test_it_gives_up_on_twilio_after_the_last_retry(send, twilio, retries):
    twilio.answers.extend([(500, {"message": "Internal error"})] * (retries + 1))
    invite, _ = send("sms")
    delivery = invite.deliveries.get()
    assert delivery.status == "failed"
    assert delivery.attempts == retries + 1
    assert delivery.error == ("Twilio answered HTTP 500: Internal error (gave up after 3 attempts)")


def test_it_treats_an_unreachable_twilio_as_transient(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nothing listens
    provider = TwilioSmsProvider(
        account_sid=SID, auth_token=SECRET, from_number=FROM, base_url=f"http://127.0.0.1:{port}"
    )
    with pytest.raises(SmsError, match="Could not reach Twilio") as excinfo:
        provider.send(to="+14155550123", body="Hello")
    assert excinfo.value.transient


def test_it_refuses_a_wrong_account_like_twilio(twilio, settings):
    provider = TwilioSmsProvider(
        account_sid=SID, auth_token="wrong", from_number=FROM, base_url=settings.TWILIO_API_URL
    )
    with pytest.raises(SmsError, match="HTTP 401: Authenticate") as excinfo:
        provider.send(to="+14155550123", body="Hello")
    assert not excinfo.value.transient


def test_it_fails_a_text_when_sms_is_turned_off(send, settings):
    settings.SMS_PROVIDER = "none"
    invite, _token = send("sms", "email")
    by_channel = {d.channel: d for d in invite.deliveries.all()}
    assert by_channel["sms"].status == "failed"
    assert by_channel["sms"].error == (
        "Not sent: this server sends no text messages (SMS_PROVIDER=none)."
    )
    assert by_channel["email"].status == "sent"


def test_it_chooses_the_sms_provider_from_settings(settings):
    settings.SMS_PROVIDER = "console"
    assert isinstance(get_sms_provider(), ConsoleSmsProvider)
    settings.SMS_PROVIDER = "none"
    assert not get_sms_provider().delivers
    settings.SMS_PROVIDER = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        get_sms_provider()
    with pytest.raises(ImproperlyConfigured):
        TwilioSmsProvider(account_sid=SID, auth_token="", from_number=FROM)
    with pytest.raises(ImproperlyConfigured):
        TwilioSmsProvider(account_sid=SID, auth_token=SECRET)


# ---------------------------------------------------------------- beat


def test_it_schedules_real_tasks(settings):
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["candidates.tasks.invite_expire_due"]["schedule"] == 5 * 60
    assert schedule["candidates.tasks.invite_remind_due"]["schedule"] == 15 * 60
    app.loader.import_default_modules()  # what a worker or beat imports: every app's tasks
    for name in schedule:
        assert name in app.tasks, name
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE


def test_the_beat_tasks_run_the_services(team, interview, candidate):
    from tests.factories import CandidateInterviewFactory

    CandidateInterviewFactory(
        team=team,
        interview=interview,
        candidate=candidate,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    assert tasks.invite_expire_due.delay().get() == 1
    assert tasks.invite_expire_due.delay().get() == 0
    assert tasks.invite_remind_due.delay().get() == 0


# ---------------------------------------------------------------- a real worker


@pytest.fixture
def real_worker(request):
    """tests/test_worker.py's worker, with kombu's producer pools cleared around it.

    kombu caches a producer pool per broker connection, and the worker fixture force-closes the
    connection pool under it: a later ``delay()`` in this process would get "Acquire on closed
    pool" from the stale cache.
    """
    pools.reset()
    yield request.getfixturevalue("worker")
    pools.reset()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_emails_an_invite_from_a_real_worker(real_worker, team, recruiter):
    mail_dir = real_worker
    interview = InterviewFactory(team=team, title="Backend Engineer")
    candidate = CandidateFactory(team=team, first_name="Ada", email="ada@example.com")
    invite, token = invite_create(team=team, by=recruiter, candidate=candidate, interview=interview)
    deadline = time.monotonic() + 60
    delivery = invite.deliveries.get()
    while time.monotonic() < deadline and delivery.status != "sent":
        time.sleep(0.25)
        delivery.refresh_from_db()
    assert delivery.status == "sent", "the worker did not deliver the invite within 60 s"
    [file] = list(mail_dir.iterdir())
    message = email.message_from_string(file.read_text().split("\n---", 1)[0])
    assert message["To"] == "ada@example.com"
    assert message["Message-ID"].strip() == delivery.provider_message_id
    text = message.get_payload(0).get_payload(decode=True).decode()
    assert f"/i/{token}/" in text
    assert "Hello Ada," in text
