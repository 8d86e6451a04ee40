import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_signs_in_by_email_and_audits_it(client, recruiter, password):
    response = client.post(
        reverse("accounts:login"), {"username": recruiter.email.upper(), "password": password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == recruiter
    assert event.ip_address == "127.0.0.1"
    assert event.team == recruiter.memberships.get().team


def test_it_refuses_a_wrong_password_and_audits_the_failure(client, recruiter):
    response = client.post(
        reverse("accounts:login"), {"username": recruiter.email, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None
    assert event.data == {"email": recruiter.email}
    assert "wrong" not in str(event.data)
    # Filed under the member's team, so its admins see attempts on their members.
    assert event.team == recruiter.memberships.get().team


def test_it_audits_a_failed_sign_in_for_an_unknown_email_without_a_team(client):
    client.post(reverse("accounts:login"), {"username": "ghost@example.com", "password": "x"})
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert (event.team, event.actor_label) == (None, "ghost@example.com")


def test_it_signs_out_on_post_and_audits_it(client, recruiter):
    client.force_login(recruiter)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=recruiter).exists()
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_it_changes_the_password(client, recruiter, password):
    client.force_login(recruiter)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": password,
            "new_password1": "a-much-better-pass-42",
            "new_password2": "a-much-better-pass-42",
        },
    )
    assert response.status_code == 302
    recruiter.refresh_from_db()
    assert recruiter.check_password("a-much-better-pass-42")


def test_it_shows_password_errors_next_to_the_field(client, recruiter, password):
    client.force_login(recruiter)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "abc", "new_password2": "abc"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_new_password2-error"' in html
    assert "too short" in html


def test_it_resets_a_password_by_email_through_the_queue(client, recruiter):
    response = client.post(reverse("accounts:password_reset"), {"email": recruiter.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link
    response = client.get(link.group(1), follow=True)
    assert response.context["validlink"]
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "brand-new-secret-77", "new_password2": "brand-new-secret-77"},
    )
    assert response.status_code == 302
    recruiter.refresh_from_db()
    assert recruiter.check_password("brand-new-secret-77")


def test_it_sends_no_reset_email_for_an_unknown_address(client):
    client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert mail.outbox == []


def test_the_login_page_answers_head_for_monitors(client, db):
    assert client.head(reverse("accounts:login")).status_code == 200
