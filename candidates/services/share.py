"""Share links: a read-only view of one candidate interview or a shortlist for someone without
an account. The token is shown once and only its SHA-256 is stored; an optional PIN is stored
with Django's password hashers. Every view through a link is audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.audit import audit_record
from candidates.models import CandidateInterview, ShareLink, ShareRating
from candidates.tokens import new_invite_token, token_hash

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import User
    from interviews.models import Interview

MIN_DAYS = 1
MAX_DAYS = 30
DEFAULT_DAYS = 7
PIN_PATTERN = re.compile(r"^\d{4,8}$")
LABEL_MAX = 150


class ShareLinkUnavailable(Exception):
    """The token names no link (``reason="unknown"``), or the link expired or was revoked."""

    def __init__(self, reason: str, link: ShareLink | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.link = link


def share_link_create(
    *,
    interview: Interview,
    invites: Iterable[CandidateInterview],
    by: User | None,
    expires_in_days: int = DEFAULT_DAYS,
    pin: str = "",
    label: str = "",
    hide_names: bool = False,
    allow_ratings: bool = False,
) -> tuple[ShareLink, str]:
    """A new link to ``invites`` (all of ``interview``) and its token, which is not stored.
    ``hide_names`` shows the candidates by their initials; ``allow_ratings`` lets whoever opens
    the link rate each candidate (``share_rating_submit``)."""
    invites = list(invites)
    errors: dict[str, str] = {}
    if not invites:
        errors["invites"] = "Choose at least one candidate to share."
    elif any(i.interview_id != interview.pk or i.team_id != interview.team_id for i in invites):
        errors["invites"] = "Every shared candidate must be invited to this interview."
    if not MIN_DAYS <= expires_in_days <= MAX_DAYS:
        errors["expires_in_days"] = f"Choose between {MIN_DAYS} and {MAX_DAYS} days."
    pin = (pin or "").strip()
    if pin and not PIN_PATTERN.match(pin):
        errors["pin"] = "A PIN is 4 to 8 digits."
    label = (label or "").strip()
    if len(label) > LABEL_MAX:
        errors["label"] = f"Keep the label under {LABEL_MAX} characters."
    if errors:
        raise ValidationError(errors)
    token, digest = new_invite_token()
    with transaction.atomic():
        link = ShareLink.objects.create(
            team=interview.team,
            interview=interview,
            label=label,
            token_hash=digest,
            pin_hash=make_password(pin) if pin else "",
            created_by=by,
            expires_at=timezone.now() + timedelta(days=expires_in_days),
            hide_names=hide_names,
            allow_ratings=allow_ratings,
        )
        link.candidate_interviews.set(invites)
        audit_record(
            action="share_link.created",
            actor=by,
            team=interview.team,
            obj=link,
            data={
                "invites": [str(i.pk) for i in invites],
                "expires_at": link.expires_at.isoformat(),
                "pin": bool(pin),
                "hide_names": hide_names,
                "allow_ratings": allow_ratings,
            },
        )
    return link, token


def share_link_revoke(*, link: ShareLink, by: User | None) -> ShareLink:
    """Stop the link working now. Revoking twice changes nothing."""
    if link.revoked_at is not None:
        return link
    with transaction.atomic():
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit_record(action="share_link.revoked", actor=by, team=link.team, obj=link)
    return link


def share_link_resolve(*, token: str) -> ShareLink:
    """The link behind ``token``; raises ``ShareLinkUnavailable`` (unknown, expired, revoked)."""
    link = None
    if token and len(token) <= 100:
        link = (
            ShareLink.objects.select_related("team", "interview")
            .filter(token_hash=token_hash(token))
            .first()
        )
    if link is None:
        raise ShareLinkUnavailable("unknown")
    if link.revoked_at is not None:
        raise ShareLinkUnavailable("revoked", link)
    if link.expires_at <= timezone.now():
        raise ShareLinkUnavailable("expired", link)
    return link


def share_link_check_pin(*, link: ShareLink, pin: str) -> bool:
    """Whether ``pin`` opens the link (always true for a link without a PIN)."""
    if not link.pin_hash:
        return True
    return bool(pin) and check_password(pin.strip(), link.pin_hash)


def share_link_record_view(
    *,
    link: ShareLink,
    invites: Iterable[Any],
    ip: str | None,
    path: str,
    answer: Any = None,
) -> None:
    """Count and audit one view through the link (a page or a piece of media)."""
    now = timezone.now()
    ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1, last_viewed_at=now)
    data: dict[str, Any] = {
        "link": str(link.pk),
        "invites": [str(getattr(i, "pk", i)) for i in invites],
        "path": path,
    }
    if answer is not None:
        data["answer"] = str(answer)
    audit_record(
        action="share_link.viewed",
        team=link.team,
        obj=link,
        ip=ip,
        data=data,
        actor_label="Share link",
    )


REVIEWER_NAME_MAX = 100
RATING_COMMENT_MAX = 2_000


def shared_name(*, link: ShareLink, invite: CandidateInterview) -> str:
    """How the link names a shared candidate: in full, or by initials ("A. O.") when the link
    hides names."""
    candidate = invite.candidate
    if not link.hide_names:
        return candidate.full_name
    initials = [
        part[0].upper() + "." for part in (candidate.first_name, candidate.last_name) if part
    ]
    return " ".join(initials) or "Candidate"


def share_rating_submit(
    *,
    link: ShareLink,
    invite: CandidateInterview,
    reviewer_name: str,
    rating: Any,
    comment: str = "",
    ip: str | None = None,
) -> ShareRating:
    """An outside reviewer rates ``invite`` through ``link`` (1-5, a name, an optional comment).
    The same name rating the same candidate again changes their rating. Raises
    ``ValidationError`` naming the field; the link must allow ratings and share ``invite``."""
    errors: dict[str, str] = {}
    if not link.allow_ratings:
        raise ValidationError({"rating": "This link does not take ratings."})
    if not link.candidate_interviews.filter(pk=invite.pk).exists():
        raise ValidationError({"rating": "This link does not share that candidate."})
    name = " ".join((reviewer_name or "").split())
    if not name:
        errors["reviewer_name"] = "Enter your name, so the team knows whose rating it is."
    elif len(name) > REVIEWER_NAME_MAX:
        errors["reviewer_name"] = f"Keep your name under {REVIEWER_NAME_MAX} characters."
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        errors["rating"] = "Choose a rating from 1 to 5."
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_MAX:
        errors["comment"] = f"Keep the comment under {RATING_COMMENT_MAX:,} characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, created = ShareRating.objects.update_or_create(
            share_link=link,
            candidate_interview=invite,
            reviewer_name=name,
            defaults={"team": link.team, "rating": value, "comment": comment},
        )
        audit_record(
            action="share_link.rated",
            team=link.team,
            obj=link,
            ip=ip,
            data={"invite": str(invite.pk), "rating": value, "changed": not created},
            actor_label=f"Share link reviewer: {name}",
        )
    return row
