"""Production settings and response headers: ``check --deploy`` is clean, cookies are Secure,
HttpOnly and SameSite, recordings are served so a browser never runs them, and a candidate's
invite token is swapped for a session and never written to a log."""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import reverse

from candidates.runner.session import SESSION_KEY
from candidates.services.share import share_link_create
from candidates.tokens import new_invite_token
from tests.factories import AnswerFactory, CandidateInterviewFactory, InterviewFactory
from tests.security.conftest import HTML_PAYLOAD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# The environment .ci/run gives `check --deploy`, on SQLite and the default broker.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "panelist.example",
    "SECURE_HTTPS": "true",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.com",
    "SMS_PROVIDER": "none",
}


def _production(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The test run's own switches (tests/conftest.py allows async-unsafe ORM calls).
        if key
        not in (
            "DEBUG",
            "SECURE_HTTPS",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "ALLOW_CONSOLE_DELIVERY",
        )
    }
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="dashboard.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


COOKIE_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
)


@pytest.fixture(scope="module")
def production_settings() -> dict[str, Any]:
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k) for k in {COOKIE_SETTINGS!r}}}))"
    )
    result = _production("-c", script)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(databases=[])
def test_check_deploy_is_clean_under_production_settings():
    result = _production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db(databases=[])
def test_production_cookies_are_secure_httponly_and_samesite(production_settings):
    s = production_settings
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True


@pytest.mark.django_db(databases=[])
def test_production_csrf_cookie_is_httponly(production_settings):
    assert production_settings["CSRF_COOKIE_HTTPONLY"] is True


def test_the_cookies_a_browser_gets_carry_the_flags(production_settings):
    """The Set-Cookie headers themselves, with the production values in place."""
    flags = {k: v for k, v in production_settings.items() if k.startswith(("SESSION", "CSRF"))}
    interview = InterviewFactory()
    token, digest = new_invite_token()
    CandidateInterviewFactory(interview=interview, token_hash=digest)
    with override_settings(**flags):
        client = Client()
        login = client.get(reverse("accounts:login"))
        entered = client.get(reverse("candidates:runner_enter", args=[token]))
    csrf = login.cookies["csrftoken"]
    session = entered.cookies["sessionid"]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] in ("Lax", "Strict")
    assert csrf["secure"]
    assert csrf["samesite"] in ("Lax", "Strict")


# ------------------------------------------------------------------ uploaded recordings


@pytest.fixture
def html_answer(team, owner, settings, tmp_path):
    """A recording whose file is really a web page, named .html, as a hostile upload would be."""
    settings.MEDIA_ROOT = tmp_path
    interview = InterviewFactory(team=team)
    invite = CandidateInterviewFactory(interview=interview)
    answer = AnswerFactory(candidate_interview=invite)
    answer.media.save("evil.html", ContentFile(HTML_PAYLOAD), save=True)
    return answer


def _assert_safe(response: Any, *, named_safely: bool = True) -> None:
    content_type = response["Content-Type"].lower()
    assert response.status_code == 200
    assert "html" not in content_type, content_type
    assert "xml" not in content_type, content_type
    assert not content_type.startswith(("text/", "image/svg")), content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "filename=" in response["Content-Disposition"]
    if named_safely:  # a browser saving it does not make it a page either
        assert ".html" not in response["Content-Disposition"]


def _media_url(answer: Any) -> str:
    return reverse("candidates:answer_media", args=[answer.candidate_interview_id, answer.pk])


def test_a_recording_named_html_is_not_served_as_a_page(login, owner, html_answer):
    response = login(owner).get(_media_url(html_answer))
    _assert_safe(response, named_safely=False)


def test_a_recording_with_an_html_media_type_is_not_served_as_a_page(login, owner, html_answer):
    html_answer.media_type = "text/html"
    html_answer.save()
    response = login(owner).get(_media_url(html_answer))
    _assert_safe(response)


def test_a_shared_recording_is_not_served_as_a_page(client, owner, html_answer):
    html_answer.media_type = "text/html"
    html_answer.save()
    invite = html_answer.candidate_interview
    _link, token = share_link_create(interview=invite.interview, invites=[invite], by=owner)
    response = client.get(reverse("candidates:share_media", args=[token, html_answer.pk]))
    _assert_safe(response)


# ------------------------------------------------------------------ invite tokens


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # What a log line says; the request object rides along for error mails, unformatted.
        self.lines.append(record.getMessage())


@pytest.fixture
def captured_logs() -> Iterator[_Capture]:
    """Every record of the request loggers and the root logger, at any level."""
    capture = _Capture()
    loggers = [logging.getLogger(n) for n in ("", "django", "django.request", "django.server")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(capture)
        lg.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(capture)
            lg.setLevel(level)


@pytest.fixture
def invite_and_token(team):
    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(interview=InterviewFactory(team=team), token_hash=digest)
    return invite, token


def test_a_good_token_becomes_a_session_and_leaves_the_url(client, invite_and_token):
    invite, token = invite_and_token
    client.get(reverse("accounts:login"))  # a session cookie from before, if any
    before = client.cookies.get("sessionid")
    response = client.get(reverse("candidates:runner_enter", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:runner")
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert client.session[SESSION_KEY] == str(invite.pk)
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after  # a new session key: no fixation
    # From now on the session is the key: the runner opens without the token.
    page = client.get(reverse("candidates:runner"))
    assert page.status_code == 200
    assert token not in page.text


def test_a_good_token_is_never_logged(client, invite_and_token, captured_logs):
    _invite, token = invite_and_token
    client.get(reverse("candidates:runner_enter", args=[token]))
    client.get(reverse("candidates:runner"))
    assert not any(token in line for line in captured_logs.lines)


def test_a_bad_token_is_never_logged(client, captured_logs):
    token = "Zm9yZ2VkLXRva2VuLWZvci10aGUtbG9nLXRlc3Q"
    response = client.get(reverse("candidates:runner_enter", args=[token]))
    assert response.status_code == 404
    assert not any(token in line for line in captured_logs.lines), captured_logs.lines


def test_gunicorn_access_lines_never_hold_a_token():
    """The access log of ``./panelist up`` (gunicorn) goes through the redacting logger."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from dashboard.log_filters import GunicornLogger

    token = "c2VjcmV0LWludml0ZS10b2tlbi1mb3ItdGhlLWxvZw"
    logger = GunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/i/{token}/",
        "PATH_INFO": f"/i/{token}/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://panelist.example/s/{token}/",
    }
    atoms = logger.atoms(
        SimpleNamespace(status="302 Found", sent=0, headers=[]),
        SimpleNamespace(headers=[]),
        environ,
        timedelta(milliseconds=5),
    )
    line = logger.cfg.access_log_format % atoms
    assert token not in line
    assert "/i/[token]/" in line
