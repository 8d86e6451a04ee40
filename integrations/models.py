"""Connections to applicant tracking systems that call Panelist as an assessment partner.

A ``Connector`` is one team's link to one ATS (its key is stored as a SHA-256 only); an
``AtsOrder`` ties an invite made for the ATS to the ATS's own ids; ``ConnectorRequest`` is the
bounded log of the ATS's calls (the last ``REQUEST_LOG_KEEP`` per connector)."""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models

from accounts.ids import uuid7
from accounts.tenancy import TeamScopedQuerySet
from kit.keys import PREFIX_LENGTH

KEY_PREFIX_LENGTH = PREFIX_LENGTH
ERROR_MAX = 500
PATH_MAX = 200
EXTERNAL_ID_MAX = 100
CALLBACK_URL_MAX = 500
# The customer's own key for the ATS's API (Ashby: an Ashby API key), before sealing.
ATS_KEY_MAX = 200
# Requests kept per connector; older ones are deleted as new ones are written.
REQUEST_LOG_KEEP = 500


M = TypeVar("M", bound=models.Model)


class ConnectorScopedQuerySet(TeamScopedQuerySet[M]):
    team_lookup = "connector__team"


class Connector(models.Model):
    class Kind(models.TextChoices):
        GREENHOUSE = "greenhouse", "Greenhouse"
        ASHBY = "ashby", "Ashby"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="connectors")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    key_prefix = models.CharField(max_length=KEY_PREFIX_LENGTH)
    key_hash = models.CharField(max_length=64)
    # The key again, encrypted (integrations.services.key_seal): Greenhouse's completion PATCH
    # must carry it. Requests to us are checked against ``key_hash`` only.
    key_sealed = models.CharField(max_length=300, blank=True)
    key_rotated_at = models.DateTimeField(null=True, blank=True)
    # Where Panelist tells the ATS about its orders, and with which of the customer's keys, for
    # an ATS that takes its news at one fixed endpoint (Ashby's assessment.update; blank: its
    # default). Set by a team admin on the settings page; the key is sealed like ours.
    ats_url = models.URLField(max_length=CALLBACK_URL_MAX, blank=True)
    ats_key_sealed = models.CharField(max_length=500, blank=True)
    ats_key_set_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "kind"], name="connector_unique_team_kind"),
            models.UniqueConstraint(fields=["key_prefix"], name="connector_unique_key_prefix"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.team_id})"


class AtsOrder(models.Model):
    """An invite made because an ATS asked for it, with the ATS's ids for it."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="orders")
    invite = models.OneToOneField(
        "candidates.CandidateInterview", on_delete=models.CASCADE, related_name="ats_order"
    )
    external_candidate_id = models.CharField(max_length=EXTERNAL_ID_MAX, blank=True)
    application_id = models.CharField(max_length=EXTERNAL_ID_MAX, blank=True)
    # Where the ATS wants to hear that the result is ready (Greenhouse: PATCH this URL).
    callback_url = models.URLField(max_length=CALLBACK_URL_MAX, blank=True)
    # The invite status the ATS was last told about (blank: nothing yet), and when it last
    # answered 2xx; ``services.ats_orders_notify`` tells each change once.
    pushed_status = models.CharField(max_length=20, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConnectorScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["connector", "application_id"], name="atsorder_connector_app"),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} for invite {self.invite_id}"


class ConnectorRequest(models.Model):
    """One call an ATS made (or tried to make) to a connector's endpoints."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="requests")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=PATH_MAX)
    status_code = models.PositiveSmallIntegerField()
    error = models.CharField(max_length=ERROR_MAX, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConnectorScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["connector", "-id"], name="connectorrequest_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"
