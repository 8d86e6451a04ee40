"""Writing audit events. Every service that changes who can do what calls ``audit_record``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from accounts.models import AuditEvent

if TYPE_CHECKING:
    from django.db import models
    from django.http import HttpRequest

    from accounts.models import Team


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
    "permission.denied": "Action refused",
    "team.created": "Team created",
    "team.renamed": "Team renamed",
    "member.invited": "Member invited",
    "member.invitation_revoked": "Invitation revoked",
    "member.joined": "Member joined",
    "member.role_changed": "Role changed",
    "member.removed": "Member removed",
    "interview.copied": "Interview copied",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    "webhook.created": "Webhook added",
    "webhook.updated": "Webhook changed",
    "webhook.enabled": "Webhook enabled",
    "webhook.disabled": "Webhook disabled",
    "webhook.deleted": "Webhook deleted",
    "team.privacy_updated": "Privacy settings changed",
    "evaluation.completed": "AI evaluation completed",
    "evaluation.refused": "AI evaluation refused",
    "evaluation.failed": "AI evaluation failed",
    "evaluation.rerun": "AI evaluation rerun",
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
    "invite.drafted": "Invite drafted",
    "invite.sent": "Invite sent",
    "invite.resent": "Invite resent",
    "invite.cancelled": "Invite cancelled",
    "api_key.used": "API key used",
    "invite.alternative_requested": "Alternative process requested",
    "invite.alternative_resolved": "Alternative request handled",
    "audit.exported": "Audit log exported",
    "report.adverse_impact_viewed": "Adverse-impact report viewed",
    "candidate.exported": "Candidate data exported",
    "candidate.erased": "Candidate erased",
    "candidate.retention_deleted": "Candidate deleted by retention",
    "answer.media_retention_deleted": "Recording deleted by retention",
}


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's IP. ``X-Forwarded-For`` is trusted only behind a configured proxy."""
    if request is None:
        return None
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


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
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
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
