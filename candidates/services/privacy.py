"""A candidate's data rights and the retention schedule: export everything, erase everything.

Erasure deletes the candidate and everything that hangs off them (invites, answers, media files,
transcripts, evaluations, scorecards, comments, deliveries, uploads, self-identification), the
webhook events that carried their invites, and their rows in CSV imports; it redacts the names
that audit events kept in ``object_repr`` (the audit log is append-only, and this redaction is
the one change the law requires of it). What is left are anonymous counts (``RetentionTally``)
so that funnels spanning deleted candidates still add up, and the audit events themselves.

Files are removed after the transaction commits, so a rolled-back erasure keeps them.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count, DateTimeField, F, Max, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Team
from candidates.analytics import interview_analytics_changed
from candidates.models import (
    Answer,
    Candidate,
    CandidateInterview,
    ImportJob,
    RetentionTally,
)
from interviews.counters import invite_counts_apply_many
from webhooks.services import candidate_erased

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

ERASED = "[erased]"
# Retention runs in batches so one run never holds a huge transaction.
RETENTION_BATCH = 200


def _months(n: int) -> timedelta:
    return timedelta(days=round(30.44 * n))


# --- export ---------------------------------------------------------------------------------


def _media_name(answer: Answer) -> str:
    return f"media/{answer.pk}{Path(answer.media.name or '').suffix}"


def candidate_export_data(*, candidate: Candidate) -> dict[str, Any]:
    """Everything Panelist holds about ``candidate``, as JSON-ready data (media by file name)."""
    invites = (
        CandidateInterview.objects.filter(candidate=candidate)
        .select_related("interview")
        .prefetch_related(
            "answers__selected_options",
            "answers__interview_question",
            "turns",
            "evaluations__scores",
            "scorecards__ratings__criterion",
            "scorecards__reviewer",
            "comments__author",
            "deliveries",
        )
        .order_by("created_at")
    )
    data: dict[str, Any] = {
        "exportedAt": timezone.now(),
        "candidate": {
            "id": candidate.pk,
            "firstName": candidate.first_name,
            "lastName": candidate.last_name,
            "email": candidate.email,
            "phone": candidate.phone,
            "externalId": candidate.external_id,
            "createdAt": candidate.created_at,
            "lastActivityAt": candidate.last_activity_at,
        },
        "interviews": [],
    }
    for invite in invites:
        data["interviews"].append(
            {
                "id": invite.pk,
                "interview": invite.interview.name_for_candidates,
                "status": invite.status,
                "language": invite.language,
                "invitedAt": invite.invited_at,
                "startedAt": invite.started_at,
                "completedAt": invite.completed_at,
                "expiresAt": invite.expires_at,
                "consent": {
                    "at": invite.consented_at,
                    "ip": invite.consent_ip,
                    "version": invite.consent_version,
                },
                "alternativeRequestedAt": invite.alternative_requested_at,
                "alternativeNote": invite.alternative_note,
                "aiEvaluationDeclined": {
                    "at": invite.ai_declined_at,
                    "noticeVersion": invite.ai_declined_notice_version,
                },
                "decision": invite.decision,
                "decidedAt": invite.decided_at,
                "deliveries": [
                    {
                        "channel": d.channel,
                        "purpose": d.purpose,
                        "status": d.status,
                        "sentAt": d.sent_at,
                    }
                    for d in invite.deliveries.all()
                ],
                "answers": [
                    {
                        "id": a.pk,
                        "question": a.interview_question_id,
                        "attempt": a.attempt,
                        "status": a.status,
                        "text": a.text,
                        "choices": [o.text for o in a.selected_options.all()],
                        "surveyScore": a.survey_score,
                        "knockoutFlagged": a.knockout_flagged,
                        "transcript": a.transcript,
                        "media": _media_name(a) if a.media else None,
                        "submittedAt": a.submitted_at,
                    }
                    for a in invite.answers.all()
                ],
                "transcript": [
                    {
                        "turn": t.turn_number,
                        "role": t.role,
                        "content": t.content,
                        "start": t.start_seconds,
                        "end": t.end_seconds,
                    }
                    for t in invite.turns.all()
                ],
                "aiEvaluations": [
                    {
                        "answer": e.answer_id,
                        "status": e.status,
                        "provider": e.provider,
                        "model": e.model_name,
                        "promptVersion": e.prompt_version,
                        "version": e.version,
                        "overallScore": e.overall_score,
                        "summary": e.summary,
                        "createdAt": e.created_at,
                        "criteria": [
                            {
                                "name": s.criterion_name,
                                "aiScore": s.score,
                                "overrideScore": s.override_score,
                                "overrideReason": s.override_reason,
                                "evidence": s.evidence,
                                "rationale": s.rationale,
                            }
                            for s in e.scores.all()
                        ],
                    }
                    for e in invite.evaluations.all()
                ],
                "scorecards": [
                    {
                        "reviewer": sc.reviewer.full_name if sc.reviewer else "",
                        "recommendation": sc.recommendation,
                        "notes": sc.notes,
                        "submittedAt": sc.submitted_at,
                        "ratings": [
                            {"criterion": r.criterion.name, "score": r.score, "note": r.note}
                            for r in sc.ratings.all()
                        ],
                    }
                    for sc in invite.scorecards.all()
                ],
                "comments": [
                    {
                        "author": c.author.full_name if c.author else "",
                        "body": c.body,
                        "createdAt": c.created_at,
                    }
                    for c in invite.comments.all()
                ],
            }
        )
    return data


def candidate_export(*, candidate: Candidate, by: User | None, ip: str | None = None) -> bytes:
    """A zip of ``candidate.json`` and every recording, for the candidate's access request."""
    data = candidate_export_data(candidate=candidate)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "candidate.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        answers = Answer.objects.filter(candidate_interview__candidate=candidate).exclude(media="")
        for answer in answers:
            try:
                with answer.media.open("rb") as media:
                    archive.writestr(_media_name(answer), media.read())
            except OSError:
                logger.warning("Answer %s: media file missing from the export", answer.pk)
        archive.writestr(
            "README.txt",
            "Everything Panelist holds about this candidate: candidate.json (their details, "
            "invites, answers, transcripts, AI evaluations, reviewers' scorecards and comments) "
            "and media/ (their recordings).\n"
            "Answers to the voluntary self-identification survey are not included: they are "
            "kept apart and shown to nobody at the team; ask its administrator if you want "
            "them.\n",
        )
    audit_record(
        action="candidate.exported",
        actor=by,
        team=candidate.team,
        obj=candidate,
        ip=ip,
        data={"invites": len(data["interviews"])},
    )
    return buffer.getvalue()


# --- erasure --------------------------------------------------------------------------------


def _delete_files_on_commit(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("Could not delete %s", name)

    if names:
        transaction.on_commit(delete)


def _upload_files(invite_ids: list[Any]) -> tuple[list[str], list[Path]]:
    from uploads.models import Upload

    stored: list[str] = []
    partials: list[Path] = []
    temp_dir = Path(getattr(settings, "UPLOAD_TEMP_DIR", ""))
    for stored_name, partial in Upload.objects.filter(
        candidate_interview_id__in=invite_ids
    ).values_list("stored_name", "partial_path"):
        if stored_name:
            stored.append(stored_name)
        if partial and str(temp_dir):
            partials.append(temp_dir / partial)
    return stored, partials


def _tally(invites: QuerySet[CandidateInterview], reason: str) -> None:
    rows = (
        invites.annotate(month=TruncMonth("created_at"))
        .values("team_id", "interview_id", "month")
        .annotate(
            n=Count("id"),
            completed=Count("id", filter=Q(status=CandidateInterview.Status.COMPLETED)),
            advanced=Count("id", filter=Q(decision=CandidateInterview.Decision.ADVANCE)),
        )
        .order_by()
    )
    RetentionTally.objects.bulk_create(
        RetentionTally(
            team_id=row["team_id"],
            interview_id=row["interview_id"],
            month=row["month"].date() if isinstance(row["month"], datetime) else row["month"],
            reason=reason,
            invites=row["n"],
            completed=row["completed"],
            advanced=row["advanced"],
        )
        for row in rows
    )


def _forget_in_webhook_events(team: Team, candidate_id: str) -> int:
    """Delete the team's webhook events about the candidate: every event that concerns a
    candidate (invites, evaluations) names them by ``candidateId``."""
    from webhooks.models import Event

    _total, by_model = Event.objects.filter(team=team, payload__candidateId=candidate_id).delete()
    return by_model.get(Event._meta.label, 0)


def _forget_in_imports(team: Team, candidate: Candidate) -> None:
    needles = {v.lower() for v in (candidate.email, candidate.phone) if v}
    if not needles:
        return
    for job in ImportJob.objects.filter(team=team).only("pk", "rows"):
        rows = job.rows or []
        kept = [
            row
            for row in rows
            if not any(str(value).strip().lower() in needles for value in _values(row))
        ]
        if len(kept) != len(rows):
            ImportJob.objects.filter(pk=job.pk).update(rows=kept)


def _values(row: Any) -> list[Any]:
    if isinstance(row, dict):
        return [v for value in row.values() for v in _values(value)]
    if isinstance(row, list):
        return [v for value in row for v in _values(value)]
    return [row]


def _redact_audit(ids: set[str]) -> None:
    AuditEvent.objects.filter(object_id__in=ids).redact(object_repr=ERASED)


@transaction.atomic
def candidate_erase(
    *, candidate: Candidate, by: User | None, reason: str = "erasure", ip: str | None = None
) -> dict[str, int]:
    """Erase ``candidate`` completely (files included). Returns what was removed, by kind.

    ``reason`` is "erasure" (a request) or "retention" (the schedule).
    """
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    team = candidate.team
    invites = CandidateInterview.objects.filter(candidate=candidate)
    # Locked: the interviews' counters drop by exactly the statuses deleted.
    invite_rows = list(
        invites.select_for_update().order_by("pk").values_list("pk", "interview_id", "status")
    )
    invite_ids = [pk for pk, _, _ in invite_rows]
    for interview_id in set(invites.values_list("interview_id", flat=True)):
        interview_analytics_changed(interview_id=interview_id)
    answer_ids = list(
        Answer.objects.filter(candidate_interview_id__in=invite_ids).values_list("pk", flat=True)
    )
    media = list(
        Answer.objects.filter(pk__in=answer_ids).exclude(media="").values_list("media", flat=True)
    )
    for derived in ("playback", "rendition"):  # copies made by candidates.recordings
        media += list(
            Answer.objects.filter(pk__in=answer_ids)
            .exclude(**{derived: ""})
            .values_list(derived, flat=True)
        )
    stored, partials = _upload_files(invite_ids)
    ids = {str(candidate.pk), *(str(i) for i in invite_ids), *(str(a) for a in answer_ids)}
    _tally(invites, reason)
    events = _forget_in_webhook_events(team, str(candidate.pk))
    _forget_in_imports(team, candidate)
    _redact_audit(ids)
    candidate_id = str(candidate.pk)
    candidate.delete()  # cascades to invites and everything below them
    invite_counts_apply_many(
        moves=[(interview, status, None) for _, interview, status in invite_rows]
    )
    candidate_erased(team=team, candidate_id=candidate_id, invite_ids=invite_ids, reason=reason)
    _delete_files_on_commit(sorted(set(media) | set(stored)))

    def delete_partials() -> None:
        for path in partials:
            path.unlink(missing_ok=True)

    transaction.on_commit(delete_partials)
    removed = {
        "invites": len(invite_ids),
        "answers": len(answer_ids),
        "files": len(set(media) | set(stored)) + len(partials),
        "webhookEvents": events,
    }
    audit_record(
        action="candidate.erased" if reason == "erasure" else "candidate.retention_deleted",
        actor=by,
        team=team,
        ip=ip,
        data={"candidateId": candidate_id, **removed},
        actor_label="" if by else "retention schedule",
    )
    return removed


# --- retention ------------------------------------------------------------------------------


def _with_last_activity(qs: QuerySet[Candidate]) -> QuerySet[Candidate]:
    # Coalesce: SQLite's GREATEST is NULL when any argument is (a candidate with no invites).
    return qs.annotate(
        last_seen=Greatest(
            F("last_activity_at"),
            Coalesce(Max("invites__updated_at"), F("last_activity_at")),
            output_field=DateTimeField(),
        )
    )


def deletion_dates(*, candidate: Candidate) -> tuple[datetime, datetime | None]:
    """When the schedule deletes ``candidate`` (everything) and their recordings (None without
    a shorter period for them), if nothing happens on their application before then: the same
    last activity ``candidates_due`` and ``media_due`` count from."""
    team = candidate.team
    row = _with_last_activity(Candidate.objects.filter(pk=candidate.pk)).values(
        "last_seen"  # type: ignore[misc]
    )
    last_seen = row[0]["last_seen"] if row else candidate.last_activity_at
    media = (
        last_seen + _months(team.media_retention_months) if team.media_retention_months else None
    )
    return last_seen + _months(team.retention_months), media


def candidates_due(*, team: Team, at: datetime) -> QuerySet[Candidate]:
    """The team's candidates whose retention period has run out at ``at``."""
    cutoff = at - _months(team.retention_months)
    return (
        _with_last_activity(Candidate.objects.filter(team=team))
        .filter(last_seen__lt=cutoff)  # type: ignore[misc]
        .order_by("last_activity_at")
    )


def media_due(*, team: Team, at: datetime) -> QuerySet[Answer]:
    """Recordings whose (shorter) media retention has run out at ``at``; none without one."""
    if not team.media_retention_months:
        return Answer.objects.none()
    cutoff = at - _months(team.media_retention_months)
    due_candidates = _with_last_activity(Candidate.objects.filter(team=team)).filter(
        last_seen__lt=cutoff  # type: ignore[misc]
    )
    return Answer.objects.filter(
        candidate_interview__candidate__in=due_candidates.values("pk")
    ).exclude(media="")


@dataclass
class RetentionPreview:
    candidates: list[Candidate] = field(default_factory=list)
    candidate_count: int = 0
    media_count: int = 0
    days: int = 30


def retention_preview(*, team: Team, days: int = 30, limit: int = 50) -> RetentionPreview:
    """What the schedule will delete in the next ``days`` days (for the team settings page)."""
    at = timezone.now() + timedelta(days=days)
    due = candidates_due(team=team, at=at)
    return RetentionPreview(
        candidates=list(due[:limit]),
        candidate_count=due.count(),
        media_count=media_due(team=team, at=at).count(),
        days=days,
    )


@dataclass
class RetentionReport:
    candidates: int = 0
    media: int = 0


def retention_run(*, now: datetime | None = None) -> RetentionReport:
    """Delete what every team's retention periods say is due. Safe to run twice: a second run
    finds nothing due. Each deletion is its own transaction and audit event."""
    now = now or timezone.now()
    report = RetentionReport()
    for team in Team.objects.all():
        for answer in media_due(team=team, at=now).select_related("candidate_interview"):
            name = answer.media.name or ""
            copies = [answer.playback.name or "", answer.rendition.name or ""]
            with transaction.atomic():
                Answer.objects.filter(pk=answer.pk).update(
                    media="", playback="", rendition="", rendition_type=""
                )
                _delete_files_on_commit([n for n in (name, *copies) if n])
                audit_record(
                    action="answer.media_retention_deleted",
                    team=team,
                    obj=answer,
                    actor_label="retention schedule",
                )
            report.media += 1
        while True:
            batch = list(candidates_due(team=team, at=now)[:RETENTION_BATCH])
            if not batch:
                break
            for candidate in batch:
                candidate_erase(candidate=candidate, by=None, reason="retention")
                report.candidates += 1
    return report


# --- team settings --------------------------------------------------------------------------

PRIVACY_FIELDS = (
    "privacy_notice",
    "ai_notice",
    "alternative_contact_email",
    "ai_decline_allowed",
    "retention_months",
    "media_retention_months",
    "self_id_survey_enabled",
)


@transaction.atomic
def team_privacy_update(
    *, team: Team, by: User | None, ip: str | None = None, **values: Any
) -> Team:
    """Change the team's notices, retention periods and self-identification survey. A change
    to either notice bumps ``notice_version``, so later consents record the new text."""
    unknown = set(values) - set(PRIVACY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown team privacy fields: {sorted(unknown)}")
    team = Team.objects.select_for_update().get(pk=team.pk)
    changed = [name for name, value in values.items() if getattr(team, name) != value]
    for name in changed:
        setattr(team, name, values[name])
    team.full_clean(exclude=["organization", "slug", "name"])
    if team.media_retention_months and team.media_retention_months > team.retention_months:
        raise ValidationError(
            {
                "media_retention_months": "Recordings cannot be kept longer than the rest of "
                "the candidate's data."
            }
        )
    # What the consent page says changes with the offer to decline AI too.
    if {"privacy_notice", "ai_notice", "ai_decline_allowed"} & set(changed):
        team.notice_version += 1
        changed.append("notice_version")
    if changed:
        team.save(update_fields=changed)
        audit_record(
            action="team.privacy_updated",
            actor=by,
            team=team,
            obj=team,
            ip=ip,
            data={"fields": sorted(changed)},
        )
    return team


@transaction.atomic
def invite_alternative_resolve(
    *, invite: CandidateInterview, by: User | None, note: str = "", ip: str | None = None
) -> CandidateInterview:
    """Mark a candidate's request for an alternative process as handled."""
    locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
    if locked.alternative_requested_at is None:
        raise ValidationError({"alternative": "This candidate did not ask for an alternative."})
    if locked.alternative_resolved_at is None:
        locked.alternative_resolved_at = timezone.now()
        locked.save(update_fields=["alternative_resolved_at", "updated_at"])
        audit_record(
            action="invite.alternative_resolved",
            actor=by,
            team=locked.team,
            obj=locked,
            ip=ip,
            data={"note": note[:500]} if note else {},
        )
    return locked
