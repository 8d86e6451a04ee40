"""Audit every sign-in, sign-out and failed sign-in, through Django's own auth signals."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.audit import audit_record, client_ip


@receiver(user_logged_in, dispatch_uid="panelist_audit_login")
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(
        action="auth.login", actor=user, team=user.last_team, obj=user, ip=client_ip(request)
    )


@receiver(user_logged_out, dispatch_uid="panelist_audit_logout")
def _audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            action="auth.logout", actor=user, team=user.last_team, obj=user, ip=client_ip(request)
        )


@receiver(user_login_failed, dispatch_uid="panelist_audit_login_failed")
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Django has already masked the password in ``credentials``; only the email is kept.
    email = str(credentials.get("username") or credentials.get("email") or "")[:254]
    audit_record(
        action="auth.login_failed", actor_label=email, ip=client_ip(request), data={"email": email}
    )
