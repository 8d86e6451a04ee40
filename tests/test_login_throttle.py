"""Sign-in throttling: per email and per IP, a sliding window, a lock that ends on time."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts import throttle
from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved forward by hand."""

    class Clock:
        now = 1_800_000_000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    c = Clock()
    monkeypatch.setattr(throttle, "_now", lambda: c.now)
    return c


def _fail(client, email, ip="127.0.0.1"):
    return client.post(reverse(LOGIN), {"username": email, "password": "wrong"}, REMOTE_ADDR=ip)


def test_it_locks_an_email_after_five_failures_even_for_the_right_password(
    client, recruiter, password, clock
):
    for _ in range(4):
        assert _fail(client, recruiter.email).status_code == 200
    # The fifth failure starts the lock and says so at once.
    assert _fail(client, recruiter.email).status_code == 429
    response = client.post(reverse(LOGIN), {"username": recruiter.email, "password": password})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html
    assert "15 minutes" in html
    assert int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_locked")
    assert event.data["email"] == recruiter.email
    assert event.data["by"] == "login-email"
    assert event.team == recruiter.memberships.get().team
    # The refused attempt is not checked, so it is not a failed sign-in either.
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5


def test_it_counts_emails_case_insensitively(client, recruiter, password, clock):
    for i in range(5):
        _fail(client, recruiter.email.upper() if i % 2 else recruiter.email)
    response = client.post(reverse(LOGIN), {"username": recruiter.email, "password": password})
    assert response.status_code == 429


def test_it_says_the_same_for_an_email_with_no_account(client, clock):
    for _ in range(5):
        _fail(client, "nobody@example.com")
    response = client.post(reverse(LOGIN), {"username": "nobody@example.com", "password": "x"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.login_locked")
    assert (event.team, event.actor_label) == (None, "nobody@example.com")


def test_the_lock_ends_after_fifteen_minutes(client, recruiter, password, clock):
    for _ in range(5):
        _fail(client, recruiter.email)
    clock.advance(14 * 60)
    assert (
        client.post(reverse(LOGIN), {"username": recruiter.email, "password": password}).status_code
        == 429
    )
    clock.advance(61)
    response = client.post(reverse(LOGIN), {"username": recruiter.email, "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(recruiter.pk)


def test_failures_slide_out_of_the_window(client, recruiter, password, clock):
    for _ in range(4):
        _fail(client, recruiter.email)
    clock.advance(16 * 60)
    # The four old failures are out of the window: four more still leave it unlocked.
    for _ in range(4):
        assert _fail(client, recruiter.email).status_code == 200
    response = client.post(reverse(LOGIN), {"username": recruiter.email, "password": password})
    assert response.status_code == 302


def test_a_successful_sign_in_clears_the_email_count(client, recruiter, password, clock):
    for _ in range(4):
        _fail(client, recruiter.email)
    assert (
        client.post(reverse(LOGIN), {"username": recruiter.email, "password": password}).status_code
        == 302
    )
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert _fail(client, recruiter.email).status_code == 200
    response = client.post(reverse(LOGIN), {"username": recruiter.email, "password": password})
    assert response.status_code == 302


def test_it_locks_an_ip_after_twenty_failures_across_emails(client, recruiter, password, clock):
    for i in range(20):
        _fail(client, f"guess{i}@example.com", ip="203.0.113.9")
    response = client.post(
        reverse(LOGIN),
        {"username": recruiter.email, "password": password},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 429
    event = AuditEvent.objects.get(action="auth.login_locked")
    assert event.data["by"] == "login-ip"
    assert event.ip_address == "203.0.113.9"
    # Another address is not affected.
    response = client.post(
        reverse(LOGIN),
        {"username": recruiter.email, "password": password},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302


def test_the_limits_come_from_settings(client, recruiter, password, clock, settings):
    settings.LOGIN_THROTTLE_EMAIL_LIMIT = 2
    _fail(client, recruiter.email)
    _fail(client, recruiter.email)
    response = client.post(reverse(LOGIN), {"username": recruiter.email, "password": password})
    assert response.status_code == 429


def test_the_password_reset_form_is_limited_per_ip(client, recruiter, clock):
    url = reverse("accounts:password_reset")
    for _ in range(5):
        assert client.post(url, {"email": recruiter.email}).status_code == 302
    response = client.post(url, {"email": recruiter.email})
    assert response.status_code == 429
    assert "Too many reset requests" in response.content.decode()
    assert client.post(url, {"email": recruiter.email}, REMOTE_ADDR="198.51.100.7").status_code == (
        302
    )
    clock.advance(61 * 60)
    assert client.post(url, {"email": recruiter.email}).status_code == 302


def test_the_login_page_still_works_normally(client):
    response = client.get(reverse(LOGIN) + "?next=/interviews/")
    assert response.status_code == 200
    assert 'value="/interviews/"' in response.content.decode()


def test_it_follows_a_safe_next_and_ignores_another_site(client, recruiter, password):
    response = client.post(
        reverse(LOGIN), {"username": recruiter.email, "password": password, "next": "/settings/"}
    )
    assert response["Location"] == "/settings/"
    client.post(reverse("accounts:logout"))
    response = client.post(
        reverse(LOGIN),
        {"username": recruiter.email, "password": password, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("dashboard:home")
