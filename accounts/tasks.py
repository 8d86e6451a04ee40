from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import TeamInvitation


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_team_invitation(invitation_id: str, token: str) -> bool:
    """Email the invitation link. Skipped (idempotently) once it is no longer pending."""
    invitation = (
        TeamInvitation.objects.select_related("team", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    context = {
        "invitation": invitation,
        "url": settings.SITE_URL + reverse("accounts:invitation_accept", args=[token]),
        "inviter": invitation.invited_by.display_name if invitation.invited_by else "Panelist",
    }
    subject = f"You're invited to join {invitation.team.name} on Panelist"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/team_invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("emails/team_invitation.html", context), "text/html"
    )
    message.send()
    return True


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(subject: str, body: str, to: list[str], html: str = "") -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
