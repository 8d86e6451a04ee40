"""Users, organizations, teams and who may do what in them."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.ids import uuid7
from kit import limits
from kit.limits import bounded_text

if TYPE_CHECKING:
    from collections.abc import Iterable


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email: an email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Emails are stored lower-case; people type them any way they like.
        return self.get(email__iexact=username)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to the dashboard. Candidates never have one."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the Django admin site.")
    date_joined = models.DateTimeField(default=timezone.now)
    last_team = models.ForeignKey(
        "Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class ReviewEmails(models.TextChoices):
        EACH = "each", "An email for each completed candidate"
        DAILY = "daily", "One email a day listing them"
        NONE = "none", "No emails (the home page lists them)"

    review_emails = models.CharField(
        max_length=10,
        choices=ReviewEmails.choices,
        default=ReviewEmails.DAILY,
        help_text="When a candidate completes an interview this person reviews.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamQuerySet(models.QuerySet["Team"]):
    def for_user(self, user: User) -> TeamQuerySet:
        return self.filter(memberships__user=user)


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    brand_color = models.CharField(
        max_length=7, default="#3b4fd8", help_text="Accent colour of emails and candidate pages."
    )
    logo = models.FileField(
        upload_to="branding/",
        max_length=200,
        blank=True,
        help_text="PNG, JPEG or WebP shown on candidate pages and emails (accounts.branding).",
    )
    invite_expiry_days = models.PositiveSmallIntegerField(
        default=7, help_text="How long a new invite stays valid."
    )
    reminder_hours_before_expiry = models.PositiveSmallIntegerField(
        default=48,
        help_text="Remind unfinished candidates this many hours before expiry; 0 means never.",
    )
    embed_signing_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="Secret for HMAC-signed embedded interviews (iframe); empty disables embedding.",
    )
    # Candidate notice and consent (empty = Panelist's default text, translated).
    privacy_notice = bounded_text(
        limits.NOTICE, blank=True, help_text="Shown to candidates before the first question."
    )
    ai_notice = bounded_text(
        limits.NOTICE,
        blank=True,
        help_text="Shown when the interview uses AI evaluation: what the AI assesses, and that a "
        "person decides.",
    )
    notice_version = models.PositiveIntegerField(
        default=1, help_text="Bumped whenever the notices change; stored with each consent."
    )
    alternative_contact_email = models.EmailField(
        blank=True,
        help_text="Who hears of candidates asking for an alternative to the AI-assessed "
        "interview; empty notifies the team's admins.",
    )
    # Retention: personal data is deleted this long after a candidate's last activity.
    retention_months = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    media_retention_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Delete recordings sooner than the rest; empty keeps them as long.",
    )
    ai_decline_allowed = models.BooleanField(
        default=False,
        help_text="Let candidates decline AI evaluation: people review their answers, no AI "
        "scores or summaries.",
    )
    self_id_survey_enabled = models.BooleanField(
        default=False,
        help_text="Offer candidates a voluntary self-identification survey at the end, for "
        "adverse-impact reports.",
    )
    # Adverse impact on AI advice (candidates.impact.ai_advice_impact_report): an invite's AI
    # score, as shown (one decimal), "passes" at or above this.
    ai_pass_threshold = models.DecimalField(
        max_digits=2,
        decimal_places=1,
        default=Decimal("3.5"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="AI advice at or above this score (1-5) counts as passing in the "
        "adverse-impact report on AI advice.",
    )
    # Messages to candidates (candidates.services.candidate_messages, docs/fairness.md).
    tell_candidates_decision = models.BooleanField(
        default=False,
        help_text="Email candidates the decision (advance or reject) in their language.",
    )
    decision_message_delay_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
        help_text="Wait this long before sending a decision, so a mis-click can be undone.",
    )
    # Quiet hours (candidates.services.sms_consent): texts and reminders reach a candidate only
    # between these times, in the candidate's time zone; outside, they are held until it opens.
    quiet_hours_start = models.TimeField(
        default=time(8, 0),
        help_text="Texts and reminders are sent from this time, in the candidate's time zone.",
    )
    quiet_hours_end = models.TimeField(
        default=time(21, 0),
        help_text="...and until this time; outside, they wait until the window opens.",
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="team_unique_name_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start is not None and end is not None:
            minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            if minutes < QUIET_HOURS_MIN_WINDOW_MINUTES:
                raise ValidationError(
                    {
                        "quiet_hours_end": "Must be at least one hour after the start time, "
                        "on the same day (e.g. 08:00 to 21:00)."
                    }
                )


# The shortest window a team may set: a text or reminder waits at most a day for it.
QUIET_HOURS_MIN_WINDOW_MINUTES = 60


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    RECRUITER = "recruiter", "Recruiter"
    HIRING_MANAGER = "hiring_manager", "Hiring manager"


class Membership(models.Model):
    """A user's role in one team. See docs/permissions.md for what each role may do."""

    Role = Role

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RECRUITER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], name="membership_unique_user_per_team"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} as {self.get_role_display()}"

    def can(self, perm: str) -> bool:
        """Whether this member's role grants ``perm`` (see accounts.permissions.MATRIX)."""
        from accounts.permissions import Perm, role_can

        return role_can(self.role, Perm(perm))

    @property
    def is_admin(self) -> bool:
        """Manages the team: members, keys, webhooks, settings, the audit log."""
        return self.can("manage_members")

    @property
    def can_author(self) -> bool:
        """Creates and edits questions, interviews, candidates and invites."""
        return self.can("author")

    @property
    def can_manage_owners(self) -> bool:
        return self.can("manage_owners")


class TeamInvitationQuerySet(models.QuerySet["TeamInvitation"]):
    def pending(self) -> TeamInvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class TeamInvitation(models.Model):
    """An email invitation to join a team with a role. Only a hash of the token is kept."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TeamInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["team", "email"], name="teaminvitation_team_email")]

    def __str__(self) -> str:
        return f"{self.email} → {self.team}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "pending"


class ApiKey(models.Model):
    """A credential for the REST API. Only the SHA-256 of the secret is stored."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="Team-level key; empty for an organization-level key.",
    )
    default_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scopes(self, required: Iterable[str]) -> bool:
        return set(required) <= set(self.scopes)


class AppendOnly(Exception):
    """Audit events are never changed or deleted (erasure's redaction aside)."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Audit events are append-only.")

    def redact(self, *, object_repr: str) -> int:
        """The one change allowed: blank the name an erased person left in ``object_repr``
        (the law's right to erasure outranks the log's immutability; the event itself stays)."""
        return super().update(object_repr=object_repr)


class AuditEvent(models.Model):
    """Who did what, when, from where, to which object. Append-only: the queryset refuses
    updates and deletes, and ``save`` refuses to change a stored event. Retention never
    deletes audit events (they are kept at least 6 months; nothing here deletes them at all)."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=254, blank=True, help_text="Email or key name, kept if the actor is deleted."
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="auditevent_team_created"),
            models.Index(fields=["organization", "-created_at"], name="auditevent_org_created"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An invariant, not behaviour: the one place a model refuses a write.
        if not self._state.adding:
            raise AppendOnly("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Audit events are append-only.")


from accounts.models_sso import OrganizationSSO, SSODomain  # noqa: E402,F401
from accounts.models_twofactor import RecoveryCode, TOTPDevice, TwoFactorPolicy  # noqa: E402,F401
