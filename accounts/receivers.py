"""Audit every sign-in, sign-out and failed sign-in, through Django's own auth signals.

Events are filed under the user's current team so that its admins see them in the team's
audit log; a failed sign-in for an unknown email belongs to no team (the Django admin shows it).
"""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.audit import audit_record, client_ip
from accounts.models import Team, User
from accounts.selectors import membership_current


def _team_of(user: Any) -> Team | None:
    membership = membership_current(user=user, team_id=None)
    return membership.team if membership else None


@receiver(user_logged_in, dispatch_uid="panelist_audit_login")
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(
        action="auth.login", actor=user, team=_team_of(user), obj=user, ip=client_ip(request)
    )


@receiver(user_logged_out, dispatch_uid="panelist_audit_logout")
def _audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            action="auth.logout", actor=user, team=_team_of(user), obj=user, ip=client_ip(request)
        )


@receiver(user_login_failed, dispatch_uid="panelist_audit_login_failed")
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Django has already masked the password in ``credentials``; only the email is kept.
    email = str(credentials.get("username") or credentials.get("email") or "")[:254]
    user = User.objects.filter(email__iexact=email).first() if email else None
    audit_record(
        action="auth.login_failed",
        actor_label=email,
        team=_team_of(user) if user else None,
        obj=user,
        ip=client_ip(request),
        data={"email": email},
    )
