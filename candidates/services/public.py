"""Candidates who start an interview on their own: from a public or unlisted link, or from an
iframe embedded on the team's own site and signed by the team's server.

Both end in the same place: the team's candidate with that email (found or created) and an
open invite for the interview, which the view then signs the browser in to; except that a
public link never signs a browser in to an invite that existed before (it emails a link).

Embedded starts are authenticated by an HMAC-SHA256 signature over the query string; see
``embed_canonical_string`` for the exact bytes that are signed, and docs/embedding.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from candidates.models import Candidate, CandidateInterview
from candidates.services.candidates import candidate_get_or_create_by_email
from candidates.services.invites import (
    OPEN_STATUSES,
    candidate_interview_transition,
    invite_create,
    invite_extend,
    invite_resend,
)
from interviews.models import Interview

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import Team

logger = logging.getLogger(__name__)
Status = CandidateInterview.Status
Visibility = Interview.Visibility

SOURCE_PUBLIC: Final = "public"
SOURCE_EMBED: Final = "embed"
SelfStartSource = Literal["public", "embed"]

# Anyone with the link may start these; invite-only interviews only by invitation (or embed,
# where the team's own server vouches for the candidate).
LINK_VISIBILITIES = (Visibility.PUBLIC, Visibility.UNLISTED)

# A signed embed URL is good for this long after its timestamp, and is refused if its
# timestamp is further than this in the future (the integrator's clock may run a little fast).
EMBED_MAX_AGE_SECONDS = 10 * 60
EMBED_MAX_SKEW_SECONDS = 60
# The query parameter that carries the signature, and the name under which the interview id
# from the URL path enters the canonical string.
EMBED_SIGNATURE_PARAM = "sig"
EMBED_INTERVIEW_PARAM = "interview"
EMBED_QUERY_PLACEHOLDER = "{SIGNED_QUERY}"
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


# ---------------------------------------------------------------- starting from a link or embed


@dataclass(frozen=True)
class SelfStart:
    """What a self-start found or made.

    ``outcome`` is ``created`` (a new invite), ``open`` (the candidate already has an
    unfinished invite to this interview) or ``completed`` (they already finished it).
    """

    invite: CandidateInterview
    outcome: Literal["created", "open", "completed"]


def self_start_check(*, interview: Interview, source: SelfStartSource) -> None:
    """Raise a ValidationError unless ``interview`` may be self-started from ``source``."""
    if source == SOURCE_PUBLIC and interview.visibility not in LINK_VISIBILITIES:
        raise ValidationError(
            {"interview": "This interview is by invitation only."}, code="invite_only"
        )
    if not interview.accepts_answers:
        raise ValidationError(
            {"interview": "This interview is not accepting answers at the moment."},
            code="not_accepting",
        )


def _send_fresh_link(invite: CandidateInterview) -> None:
    """Send the invite's candidate a new link, if the invite can be resent; quietly not if not
    (the person at the keyboard must learn nothing either way)."""
    try:
        invite_resend(invite=invite, by=None)
    except ValidationError as exc:
        logger.info("Self-start: invite %s not resent: %s", invite.pk, "; ".join(exc.messages))


@transaction.atomic
def self_start(
    *,
    interview: Interview,
    source: SelfStartSource,
    email: str,
    first_name: str,
    last_name: str = "",
    phone: str = "",
) -> SelfStart:
    """Find or create the team's candidate by ``email`` and give them an invite to ``interview``.

    An existing candidate keeps its data; only its empty fields are filled in. If they already
    have an open (INVITED or IN_PROGRESS) invite to the interview, no second one is made:

    * from a public link, whoever typed the email may not own it, so the candidate is sent a
      new link to the open invite instead (``invite_resend``, which also reopens it if it has
      lapsed), and the caller must not sign this browser in to it;
    * from an embed, the team's server vouches for the email: a lapsed invite is extended by
      the team's invite period and the caller signs the browser in to it.

    A COMPLETED invite is reported as such and nothing is made. Otherwise a new invite is made
    by ``invite_create`` (email as its delivery type, so a later resend can reach the
    candidate, but nothing is sent now and it has no link yet), marked with ``source`` and
    moved to INVITED.
    """
    self_start_check(interview=interview, source=source)
    team = interview.team
    candidate, _created = candidate_get_or_create_by_email(
        team=team, by=None, email=email, first_name=first_name, last_name=last_name, phone=phone
    )
    # Serialises concurrent starts by the same candidate, so a double submit makes one invite.
    Candidate.objects.select_for_update().only("pk").get(pk=candidate.pk)
    now = timezone.now()
    Candidate.objects.filter(pk=candidate.pk).update(last_activity_at=now)
    invites = CandidateInterview.objects.filter(candidate=candidate, interview=interview)
    open_invite = invites.filter(status__in=OPEN_STATUSES).order_by("-created_at").first()
    if open_invite is not None:
        if source == SOURCE_PUBLIC:
            _send_fresh_link(open_invite)
        elif open_invite.is_expired:
            invite_extend(invite=open_invite, until=now + timedelta(days=team.invite_expiry_days))
        return SelfStart(invite=open_invite, outcome="open")
    completed = invites.filter(status=Status.COMPLETED).order_by("-completed_at").first()
    if completed is not None:
        return SelfStart(invite=completed, outcome="completed")
    invite, _token = invite_create(
        team=team,
        by=None,
        candidate=candidate,
        interview=interview,
        delivery_types=("email",),
        send=False,
    )
    invite.source = source
    invite.save(update_fields=["source", "updated_at"])
    invite = candidate_interview_transition(invite=invite, to=Status.INVITED)
    return SelfStart(invite=invite, outcome="created")


# ---------------------------------------------------------------- the signed iframe embed


class EmbedDisabled(Exception):
    """The interview's team has no embed signing key, so nothing can be embedded."""


class EmbedRejected(Exception):
    """The embed URL's signature or timestamp is missing, malformed, wrong or out of date."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class EmbedRequest:
    """The candidate details from a verified embed URL."""

    email: str
    first_name: str
    last_name: str
    phone: str


def embed_canonical_string(params: Iterable[tuple[str, str]], *, interview_id: str) -> str:
    """The exact text an embed URL's ``sig`` is the HMAC-SHA256 of.

    Take every query parameter except ``sig``, with names and values URL-decoded (so
    ``first_name=Ana%20Mar%C3%ADa`` and ``first_name=Ana+Mar%C3%ADa`` both sign
    ``first_name=Ana María``), add ``interview=<the interview id from the URL path>``, sort the
    pairs by name (Unicode code point order, which is plain byte order for ASCII names), write
    each as ``name=value`` and join them with ``&``. Nothing is re-encoded. For example::

        email=ana@example.com&first_name=Ana&interview=0190...&last_name=Silva&ts=1767225600

    The signature is the lower- or upper-case hex digest of HMAC-SHA256 with the team's
    embed signing key (its text, UTF-8 encoded) as the key and the canonical string (UTF-8)
    as the message. Each name may appear once, and ``interview`` may not be a query parameter.
    """
    pairs = [(name, value) for name, value in params if name != EMBED_SIGNATURE_PARAM]
    pairs.append((EMBED_INTERVIEW_PARAM, interview_id))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def embed_sign(*, key: str, canonical: str) -> str:
    """The hex HMAC-SHA256 of ``canonical`` under ``key`` (what the integrator's server does)."""
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def embed_verify(
    *,
    interview: Interview,
    params: Iterable[tuple[str, list[str]]],
    now: float | None = None,
) -> EmbedRequest:
    """Check an embed URL's signature and timestamp; its candidate details if they hold.

    ``params`` are the query's names with all their values (``request.GET.lists()``).
    Raises ``EmbedDisabled`` if the team has no key, ``EmbedRejected`` otherwise.
    """
    key = interview.team.embed_signing_key
    if not key:
        raise EmbedDisabled()
    single: dict[str, str] = {}
    for name, values in params:
        if len(values) != 1:
            raise EmbedRejected(f"The parameter {name!r} appears more than once.")
        single[name] = values[0]
    if EMBED_INTERVIEW_PARAM in single:
        raise EmbedRejected(f"{EMBED_INTERVIEW_PARAM!r} is reserved; the path names the interview.")
    signature = single.get(EMBED_SIGNATURE_PARAM, "")
    if not _HEX_SHA256.fullmatch(signature):
        raise EmbedRejected("The signature is missing or is not a hex HMAC-SHA256.")
    canonical = embed_canonical_string(single.items(), interview_id=str(interview.pk))
    if not hmac.compare_digest(embed_sign(key=key, canonical=canonical), signature.lower()):
        raise EmbedRejected("The signature does not match.")
    try:
        timestamp = int(single.get("ts", ""))
    except ValueError:
        raise EmbedRejected("The timestamp (ts) is missing or not whole seconds.") from None
    now = time.time() if now is None else now
    if timestamp < now - EMBED_MAX_AGE_SECONDS:
        raise EmbedRejected("The link is too old; reload the page you came from.")
    if timestamp > now + EMBED_MAX_SKEW_SECONDS:
        raise EmbedRejected("The timestamp is in the future; check the server's clock.")
    return EmbedRequest(
        email=single.get("email", ""),
        first_name=single.get("first_name", ""),
        last_name=single.get("last_name", ""),
        phone=single.get("phone", ""),
    )


def embed_snippet(interview: Interview, *, base_url: str) -> str:
    """The ``<iframe>`` a team pastes into its site to embed ``interview``.

    Its ``src`` ends in the placeholder ``{SIGNED_QUERY}``, which the team's server replaces,
    on every page view, with the signed query string (``email=…&first_name=…&ts=…&sig=…``).
    """
    src = (
        f"{base_url.rstrip('/')}{reverse('candidates:embed_start', args=[interview.pk])}"
        f"?{EMBED_QUERY_PLACEHOLDER}"
    )
    return str(
        format_html(
            '<iframe src="{}" title="{}" width="100%" height="720" '
            'allow="camera; microphone; autoplay" style="border: 0;"></iframe>',
            src,
            interview.name_for_candidates,
        )
    )


@transaction.atomic
def team_embed_key_rotate(*, team: Team) -> str:
    """Give ``team`` a new random embed signing key and return it.

    URLs signed with the old key stop working at once, which is the point of rotating.
    """
    key = secrets.token_hex(32)
    team.embed_signing_key = key
    team.save(update_fields=["embed_signing_key"])
    return key
