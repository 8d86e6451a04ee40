"""Two-factor authentication: a user's TOTP authenticator, recovery codes, and the
organization's policy. Only an encrypted secret and hashes of the recovery codes are kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.ids import uuid7
from kit import limits
from kit.limits import bounded_text


class TOTPDevice(models.Model):
    """A confirmed authenticator app (RFC 6238). Created only once a first code matched."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret_encrypted = bounded_text(
        limits.SECRET, help_text="The shared secret, encrypted with a key derived from SECRET_KEY."
    )
    confirmed_at = models.DateTimeField(default=timezone.now)
    last_used_step = models.BigIntegerField(
        default=0, help_text="The last 30-second step a code was accepted for (refuses replays)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "TOTP device"

    def __str__(self) -> str:
        return f"Authenticator of {self.user}"


class RecoveryCode(models.Model):
    """A single-use code for when the authenticator is lost. Only its SHA-256 is stored."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "code_hash"], name="recoverycode_unique_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"Recovery code of {self.user}"


class TwoFactorPolicy(models.Model):
    """Whether the organization's owners and admins must use two-factor authentication."""

    id = models.BigAutoField(primary_key=True)
    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="two_factor_policy"
    )
    require_for_admins = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "two-factor policies"

    def __str__(self) -> str:
        return f"Two-factor policy of {self.organization}"
