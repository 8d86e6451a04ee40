"""Writes for accounts: teams, invitations, memberships. Each one is audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.audit import audit_record
from accounts.models import Membership, Role, Team, TeamInvitation, User

if TYPE_CHECKING:
    from accounts.models import Organization


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "team"
    slug, n = base, 2
    while Team.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _clean_team_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Enter a team name."})
    if len(name) > 150:
        raise ValidationError({"name": "A team name can have at most 150 characters."})
    return name


@transaction.atomic
def team_create(
    *,
    organization: Organization,
    name: str,
    by: User | None,
    ip: str | None = None,
    slug: str = "",
) -> Team:
    """Create a team in ``organization``; its creator becomes its owner."""
    name = _clean_team_name(name)
    if Team.objects.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": f"Your organization already has a team named “{name}”."})
    if slug and Team.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"The slug “{slug}” is taken."})
    team = Team.objects.create(
        organization=organization, name=name, slug=slug or _unique_slug(name)
    )
    if by is not None:
        Membership.objects.create(user=by, team=team, role=Role.OWNER)
    audit_record(action="team.created", actor=by, team=team, obj=team, ip=ip)
    return team


@transaction.atomic
def organization_setup(
    *, name: str, team_name: str, by: User, ip: str | None = None
) -> tuple[Organization, Team]:
    """A new organization with its first team, ``by`` its owner: the welcome page for someone
    in no team, and ``manage.py organization_setup`` for whoever installs Panelist. Audited as
    ``organization.created`` and ``team.created``."""
    from accounts.models import Organization

    name = " ".join(name.split())
    if not name:
        raise ValidationError({"organization": "Enter your organization's name."})
    if len(name) > 150:
        raise ValidationError({"organization": "An organization name has at most 150 characters."})
    organization = Organization.objects.create(name=name)
    try:
        team = team_create(organization=organization, name=team_name, by=by, ip=ip)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "name" in exc.error_dict:
            raise ValidationError({"team": exc.error_dict["name"]}) from exc
        raise
    audit_record(
        action="organization.created",
        actor=by,
        team=team,
        obj=organization,
        ip=ip,
        data={"team": str(team.pk)},
    )
    return organization, team


@transaction.atomic
def team_rename(*, team: Team, name: str, by: User, ip: str | None = None) -> Team:
    name = _clean_team_name(name)
    clash = Team.objects.filter(organization_id=team.organization_id, name__iexact=name)
    if clash.exclude(pk=team.pk).exists():
        raise ValidationError({"name": f"Your organization already has a team named “{name}”."})
    old = team.name
    team.name = name
    team.save(update_fields=["name"])
    audit_record(
        action="team.renamed", actor=by, team=team, obj=team, ip=ip, data={"from": old, "to": name}
    )
    return team


def _check_can_grant(*, acting: Membership, role: str) -> None:
    if not acting.is_admin:
        raise PermissionDenied("Only owners and admins manage members.")
    if role == Role.OWNER and not acting.can_manage_owners:
        raise ValidationError({"role": "Only an owner can make someone an owner."})


@transaction.atomic
def team_invitation_create(
    *, team: Team, email: str, role: str, acting: Membership, ip: str | None = None
) -> tuple[TeamInvitation, str]:
    """Invite ``email`` to ``team`` as ``role``. Returns the invitation and its secret token.

    The email is sent by a Celery task after the transaction commits.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of: " + ", ".join(Role.labels) + "."})
    _check_can_grant(acting=acting, role=role)
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {team.name}."})
    # A new invitation replaces any pending one for the same address.
    TeamInvitation.objects.filter(team=team, email__iexact=email).pending().update(
        revoked_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    invitation = TeamInvitation.objects.create(
        team=team,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=acting.user,
        expires_at=timezone.now() + timedelta(days=settings.TEAM_INVITATION_DAYS),
    )
    audit_record(
        action="member.invited",
        actor=acting.user,
        team=team,
        obj=invitation,
        ip=ip,
        data={"email": email, "role": role},
    )
    from accounts.tasks import send_team_invitation

    transaction.on_commit(lambda: send_team_invitation.delay(str(invitation.pk), token))
    return invitation, token


@transaction.atomic
def team_invitation_revoke(
    *, invitation: TeamInvitation, acting: Membership, ip: str | None = None
) -> None:
    if not acting.is_admin:
        raise PermissionDenied("Only owners and admins manage members.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action="member.invitation_revoked",
        actor=acting.user,
        team=invitation.team,
        obj=invitation,
        ip=ip,
    )


def team_invitation_by_token(*, token: str) -> TeamInvitation | None:
    return (
        TeamInvitation.objects.select_related("team", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


@transaction.atomic
def team_invitation_accept(
    *,
    invitation: TeamInvitation,
    user: User | None = None,
    full_name: str = "",
    password: str = "",
    ip: str | None = None,
) -> Membership:
    """Join the invitation's team; without ``user``, create the account with its email."""
    invitation = TeamInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(f"This invitation is {invitation.state}; ask for a new one.")
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                {"email": "An account with this email exists: sign in to accept the invitation."}
            )
        user = User.objects.create_user(invitation.email, password, full_name=full_name.strip())
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}."
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, team=invitation.team, role=invitation.role
            )
    except IntegrityError:
        membership = Membership.objects.get(user=user, team=invitation.team)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    user.last_team = invitation.team
    user.save(update_fields=["last_team"])
    audit_record(
        action="member.joined",
        actor=user,
        team=invitation.team,
        obj=membership,
        ip=ip,
        data={"role": membership.role, "invitation": str(invitation.pk)},
    )
    return membership


def _check_owner_rules(*, acting: Membership, target: Membership) -> None:
    if not acting.is_admin:
        raise PermissionDenied("Only owners and admins manage members.")
    if target.role == Role.OWNER and not acting.can_manage_owners:
        raise PermissionDenied("Only an owner can change or remove another owner.")


def _check_not_last_owner(target: Membership) -> None:
    if target.role == Role.OWNER:
        owners = Membership.objects.select_for_update().filter(
            team_id=target.team_id, role=Role.OWNER
        )
        if owners.count() <= 1:
            raise ValidationError(
                {"role": "A team needs at least one owner: make someone else owner first."}
            )


@transaction.atomic
def membership_change_role(
    *, membership: Membership, role: str, acting: Membership, ip: str | None = None
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of: " + ", ".join(Role.labels) + "."})
    _check_owner_rules(acting=acting, target=membership)
    _check_can_grant(acting=acting, role=role)
    if membership.role == role:
        return membership
    if role != Role.OWNER:
        _check_not_last_owner(membership)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        action="member.role_changed",
        actor=acting.user,
        team=membership.team,
        obj=membership,
        ip=ip,
        data={"user": membership.user.email, "from": old, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, acting: Membership, ip: str | None = None) -> None:
    """Remove a member from a team. What they created stays with the team."""
    _check_owner_rules(acting=acting, target=membership)
    _check_not_last_owner(membership)
    email = membership.user.email
    team = membership.team
    audit_record(
        action="member.removed",
        actor=acting.user,
        team=team,
        obj=membership,
        ip=ip,
        data={"user": email, "role": membership.role},
    )
    membership.delete()


def user_switch_team(*, user: User, team: Team) -> None:
    if user.last_team_id != team.pk:
        user.last_team = team
        user.save(update_fields=["last_team"])


def user_review_emails_set(*, user: User, choice: str) -> User:
    """How ``user`` hears of candidates completing interviews they review: ``each``, ``daily``
    or ``none`` (candidates.services.review_notices)."""
    if choice not in User.ReviewEmails.values:
        raise ValidationError({"review_emails": "Choose one of the options."})
    if user.review_emails != choice:
        user.review_emails = choice
        user.save(update_fields=["review_emails"])
        audit_record(action="user.review_emails_changed", actor=user, data={"choice": choice})
    return user
