"""Writing audit events. Every service that changes who can do what calls ``audit_record``."""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING, Any

from django.conf import settings

from accounts.models import AuditEvent

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

    from django.db import models
    from django.http import HttpRequest

    from accounts.models import Team

    IPAddress = IPv4Address | IPv6Address
    IPNetwork = IPv4Network | IPv6Network

# How each action reads in the audit log.
ACTION_LABELS = {
    "auth.login": "Signed in",
    "auth.logout": "Signed out",
    "auth.login_failed": "Failed sign-in",
    "auth.login_locked": "Sign-in locked after failures",
    "auth.two_factor_enabled": "Two-factor authentication turned on",
    "auth.two_factor_disabled": "Two-factor authentication turned off",
    "auth.recovery_code_used": "Signed in with a recovery code",
    "auth.recovery_codes_regenerated": "Recovery codes renewed",
    "two_factor.policy_changed": "Two-factor policy changed",
    "auth.sso_login": "Signed in with single sign-on",
    "auth.sso_refused": "Single sign-on refused",
    "sso.settings_changed": "Single sign-on settings changed",
    "permission.denied": "Action refused",
    "team.created": "Team created",
    "team.renamed": "Team renamed",
    "member.invited": "Member invited",
    "member.invitation_revoked": "Invitation revoked",
    "member.joined": "Member joined",
    "member.role_changed": "Role changed",
    "member.removed": "Member removed",
    "organization.created": "Organization set up",
    "interview.created": "Interview created",
    "interview.copied": "Interview copied",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    "api_key.narrowed": "API key narrowed to one team",
    "webhook.created": "Webhook added",
    "webhook.updated": "Webhook changed",
    "webhook.enabled": "Webhook enabled",
    "webhook.disabled": "Webhook disabled",
    "webhook.deleted": "Webhook deleted",
    "connector.enabled": "Integration turned on",
    "connector.disabled": "Integration turned off",
    "connector.key_rotated": "Integration key rotated",
    "connector.configured": "Integration settings changed",
    "team.privacy_updated": "Privacy settings changed",
    "team.messages_updated": "Candidate message settings changed",
    "voice.added": "Piper voice added to the server",
    "message_template.saved": "Message template saved",
    "message_template.reset": "Message template reset to default",
    "message_template.test_sent": "Test message sent",
    "team.ai_threshold_updated": "AI advice pass score changed",
    "evaluation.completed": "AI evaluation completed",
    "evaluation.refused": "AI evaluation refused",
    "evaluation.abstained": "AI evaluation abstained (no advice)",
    "evaluation.failed": "AI evaluation failed",
    "evaluation.rerun": "AI evaluation rerun",
    "evaluation.rerun_requested": "AI evaluation re-run requested",
    "evaluation.score_overridden": "AI score overridden",
    "invite.answers_viewed": "Candidate's answers viewed",
    "invite.decided": "Decision recorded",
    "scorecard.submitted": "Scorecard submitted",
    "results.exported": "Results exported (CSV)",
    "results.scorecards_printed": "Scorecards printed",
    "interview.reviewers_changed": "Interview reviewers changed",
    "share_link.created": "Share link created",
    "share_link.viewed": "Share link opened",
    "share_link.revoked": "Share link revoked",
    "share_link.rated": "Candidate rated through a share link",
    "user.review_emails_changed": "Review email choice changed",
    "invite.drafted": "Invite drafted",
    "invite.sent": "Invite sent",
    "invite.resent": "Invite resent",
    "invite.reminded": "Invite reminded",
    "team.settings_changed": "Team settings changed",
    "invite.cancelled": "Invite cancelled",
    "api_key.used": "API key used",
    "invite.alternative_requested": "Alternative process requested",
    "invite.alternative_resolved": "Alternative request handled",
    "decision_file.requested": "Decision file requested",
    "decision_file.prepared": "Decision file note saved",
    "decision_file.sent": "Decision file sent",
    "decision_file.closed": "Decision file request closed without sending",
    "invite.accommodation_set": "Accommodation set",
    "invite.accommodation_cleared": "Accommodation cleared",
    "invite.accommodation_requested": "Accommodation requested by the candidate",
    "invite.accommodation_granted": "Accommodation request granted",
    "invite.ai_declined": "AI evaluation declined by the candidate",
    "audit.exported": "Audit log exported",
    "report.adverse_impact_viewed": "Adverse-impact report viewed",
    "candidate.exported": "Candidate data exported",
    "candidate.erased": "Candidate erased",
    "candidate.retention_deleted": "Candidate deleted by retention",
    "answer.media_retention_deleted": "Recording deleted by retention",
}


@functools.cache
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _ip(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's IP, for every throttle, rate limit and audit record.

    ``REMOTE_ADDR``, unless that peer is in ``TRUSTED_PROXIES``: then ``X-Forwarded-For`` is
    read from the right (each proxy appends the address it saw), skipping trusted proxies, and
    the first address that is not one is the client. Addresses left of it were written by the
    client and are never believed.
    """
    if request is None:
        return None
    peer = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    address = _ip(peer or "")
    if address is None or not any(address in n for n in networks):
        return peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop_address = _ip(hop)
        if hop_address is None:
            # Not an address a proxy would write: stop at the last proxy that wrote one.
            break
        address = hop_address
        if not any(address in n for n in networks):
            break
    return str(address)


def audit_record(
    *,
    action: str,
    actor: Any = None,
    team: Team | None = None,
    obj: models.Model | None = None,
    ip: str | None = None,
    data: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    event = _event(
        action=action, actor=actor, team=team, obj=obj, ip=ip, data=data, actor_label=actor_label
    )
    event.save()
    return event


def audit_record_many(
    *,
    action: str,
    actor: Any = None,
    team: Team | None = None,
    objs: Iterable[models.Model],
    data: Callable[[Any], dict[str, Any]] | None = None,
    actor_label: str = "",
) -> list[AuditEvent]:
    """``audit_record`` for each of ``objs`` (``data(obj)`` its data), in one INSERT: the same
    events as recording them one by one, for a batch (a CSV import's invites)."""
    return AuditEvent.objects.bulk_create(
        _event(
            action=action,
            actor=actor,
            team=team,
            obj=obj,
            data=data(obj) if data else None,
            actor_label=actor_label,
        )
        for obj in objs
    )


def _event(
    *,
    action: str,
    actor: Any,
    team: Team | None,
    obj: models.Model | None,
    data: dict[str, Any] | None,
    actor_label: str,
    ip: str | None = None,
) -> AuditEvent:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent(
        organization_id=team.organization_id if team else None,
        team=team,
        actor=actor,
        actor_label=actor_label or (actor.email if actor else ""),
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        ip_address=ip,
        data=data or {},
    )
