"""kit.mail.BulkEmail writes the same email as Django's EmailMultiAlternatives (issue 16):
both are parsed back and compared, over generated names, subjects and bodies, and sent through
Django's SMTP backend to a small SMTP server on a local socket."""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from collections.abc import Iterator

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit.mail import BulkEmail, PreparedMessage

pytestmark = pytest.mark.engine_free

# Printable text with accents, emoji, and the characters that need care in MIME (dots at a
# line start, "=", tabs, long lines).
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\t.="),
    min_size=1,
)
NAME = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), max_size=60)


def both(**kwargs: object) -> tuple[email.message.EmailMessage, email.message.EmailMessage]:
    html = kwargs.pop("html")
    made = []
    for cls in (EmailMultiAlternatives, BulkEmail):
        message = cls(**kwargs)
        message.attach_alternative(html, "text/html")
        raw = message.message().as_bytes()
        made.append(email.message_from_bytes(raw, policy=email.policy.default))
    return made[0], made[1]


def same(
    django: email.message.EmailMessage,
    ours: email.message.EmailMessage,
    subject: str = "",
    sender: str = "",
) -> None:
    """``ours`` says what ``django`` says. The subject and the sender's name are compared
    with what was given, word by word: runs of white space in a header are folding, not
    content (RFC 5322), and the standard library's folding of a long encoded name splits a
    word that this module keeps whole."""
    for header in ("Message-ID", "MIME-Version"):
        assert str(ours[header]) == str(django[header]), header
    assert str(ours["Subject"]).split() == (subject or str(django["Subject"])).split()
    [sent_by] = ours["From"].addresses
    assert (
        sent_by.display_name.split() == (sender or django["From"].addresses[0].display_name).split()
    )
    assert sent_by.addr_spec == django["From"].addresses[0].addr_spec
    for header in ("To", "Reply-To"):
        assert [a.addr_spec for a in ours[header].addresses] == [
            a.addr_spec for a in django[header].addresses
        ], header
    assert ours.get_content_type() == django.get_content_type() == "multipart/alternative"
    ours_parts, django_parts = list(ours.iter_parts()), list(django.iter_parts())
    assert [p.get_content_type() for p in ours_parts] == ["text/plain", "text/html"]
    assert [p.get_content_type() for p in django_parts] == ["text/plain", "text/html"]
    for mine, theirs in zip(ours_parts, django_parts, strict=True):
        assert mine.get_content_charset() == "utf-8"
        assert mine.get_content().rstrip("\n") == theirs.get_content().rstrip("\n")
    assert ours["Date"] is not None


def invite(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "subject": "Acme invites you to interview: Store associate",
        "body": "Hello Jane,\n\nYour link: https://example.com/i/abc/\n",
        "html": "<p>Hello Jane,</p>\n<p><a href='https://example.com/i/abc/'>Start</a></p>",
        "from_email": '"Acme via Panelist" <no-reply@example.com>',
        "to": ["jane@example.com"],
        "reply_to": ["recruiter@example.com"],
        "headers": {"Message-ID": "<invite-delivery-1.20261204@example.com>"},
    }
    values.update(overrides)
    return values


def test_an_invite_is_the_same_email_and_needs_no_parsing_to_send():
    message = BulkEmail(**{k: v for k, v in invite().items() if k != "html"})
    message.attach_alternative(invite()["html"], "text/html")
    prepared = message.message()
    assert isinstance(prepared, PreparedMessage)
    assert prepared._parsed is None
    assert b"Content-Transfer-Encoding: 7bit" in prepared.as_bytes()
    # The SMTP policy's line ends, as smtplib sends them.
    assert b"\r\n" in prepared.as_bytes(policy=email.policy.SMTP)
    assert b"\n" not in prepared.as_bytes(policy=email.policy.SMTP).replace(b"\r\n", b"")
    same(*both(**invite()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=NAME, team=NAME, body=TEXT, html=TEXT)
def test_any_names_and_bodies_make_the_same_email(subject, team, body, html):
    django, ours = both(
        **invite(
            subject=subject,
            body=body,
            html=html,
            from_email=email.utils.formataddr((f"{team} via Panelist", "no-reply@example.com")),
        )
    )
    same(django, ours, subject=subject, sender=f"{team} via Panelist")


def test_long_lines_and_non_ascii_go_quoted_printable():
    body = "Ünïcødé ✓ " + "x" * 2000 + "\n.starts with a dot\n"
    message = BulkEmail(**{k: v for k, v in invite(body=body).items() if k != "html"})
    message.attach_alternative("<p>" + "y" * 1500 + "</p>", "text/html")
    raw = message.message().as_bytes()
    assert raw.count(b"Content-Transfer-Encoding: quoted-printable") == 2
    body_lines = [line for line in raw.split(b"\n") if b"boundary=" not in line]
    assert max(len(line) for line in body_lines) <= 78
    same(*both(**invite(body=body, html="<p>" + "y" * 1500 + "</p>")))


@pytest.mark.parametrize(
    "overrides",
    [
        {"to": ["jane@exämple.com"]},  # a non-ASCII domain: Django IDNA-encodes it
        {"cc": ["boss@example.com"]},
        {"headers": {"X-Campaign": "spring"}},
        {"subject": "Two\nlines"},  # Django refuses it; so must this
        {"body": ""},  # Django then sends the HTML alone
    ],
)
def test_anything_else_takes_djangos_path(overrides):
    values = invite(**overrides)
    html = values.pop("html")
    message = BulkEmail(**values)
    message.attach_alternative(html, "text/html")
    try:
        built = message.message()
    except ValueError:
        assert "subject" in overrides
        return
    assert not isinstance(built, PreparedMessage)


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: the DATA of each message is kept."""

    def handle(self) -> None:
        self.wfile.write(b"220 localhost ready\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.received.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_it_goes_through_djangos_smtp_backend_intact(smtp_server):
    body = "Hello Zoë,\n.a dot starts this line\n" + "long " * 300
    values = invite(body=body, subject="Entrevista: Café ☕")
    html = values.pop("html")
    message = BulkEmail(**values)
    message.attach_alternative(html, "text/html")
    options = {"host": "127.0.0.1", "port": smtp_server.server_address[1], "timeout": 5}
    smtp = {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    }
    with override_settings(MAILERS=smtp):
        assert message.send() == 1
    [received] = smtp_server.received
    parsed = email.message_from_bytes(received, policy=email.policy.default)
    assert str(parsed["Subject"]) == "Entrevista: Café ☕"
    assert parsed["Message-ID"] == "<invite-delivery-1.20261204@example.com>"
    text, _html = parsed.iter_parts()
    assert text.get_content().replace("\r\n", "\n").rstrip("\n") == body.rstrip("\n")
