"""Tenant scoping: every domain object belongs to exactly one team.

Lists start from ``Model.objects.for_team(team)``; single objects are fetched through the
per-type access helpers (``get_interview_for`` …), which answer 404 for another team's object
and 403 when the caller's role may only read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Membership, Team

M = TypeVar("M", bound=models.Model)


class TeamScopedQuerySet(models.QuerySet[M]):
    """A queryset whose rows belong to a team through ``team_lookup``."""

    team_lookup = "team"

    def for_team(self, team: Team) -> TeamScopedQuerySet[M]:
        return self.filter(**{self.team_lookup: team})


class InterviewScopedQuerySet(TeamScopedQuerySet[M]):
    team_lookup = "interview__team"


class QuestionScopedQuerySet(TeamScopedQuerySet[M]):
    team_lookup = "question__team"


class InviteScopedQuerySet(TeamScopedQuerySet[M]):
    """Rows that belong to a team through their candidate interview (invite)."""

    team_lookup = "candidate_interview__team"


def require_membership(request: HttpRequest) -> Membership:
    membership = getattr(request, "membership", None)
    if membership is None:
        raise Http404("You are not a member of any team.")
    return membership


def get_for_team(
    request: HttpRequest, queryset: TeamScopedQuerySet[M], pk: Any, *, write: bool = False
) -> tuple[M, bool]:
    """The object ``pk`` of the current team, and whether the caller may change it.

    Another team's object, or a malformed id, is a 404 — never a hint that it exists.
    With ``write=True`` a read-only role gets 403.
    """
    membership = require_membership(request)
    try:
        obj = queryset.for_team(membership.team).get(pk=pk)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError) as exc:
        # ValidationError: a malformed UUID in the URL.
        raise Http404(f"No {queryset.model._meta.verbose_name} with that id.") from exc
    can_edit = membership.can_author
    if write and not can_edit:
        from accounts.access import deny

        raise deny(request, "Your role in this team can view but not change this.")
    return obj, can_edit
