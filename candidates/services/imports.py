"""CSV imports of candidates: parse and preview (nothing saved but the ImportJob), then a task
imports the valid rows in batches and, if asked, invites them.

Decisions the preview states to the user:

- A row matches an existing candidate by email (ignoring case). A row without an email matches
  an existing candidate that has no email either and the same phone and name. A matched
  candidate keeps every field it has; the row only fills its empty fields ("will update"), or
  changes nothing ("already exists").
- The same email twice in one file is an error on the later rows; the first one is imported.
- Row numbers are spreadsheet rows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from candidates.models import Candidate, ImportJob
from candidates.services import invites as invite_services
from candidates.services.candidates import CONTACT_FIELDS, blanks_to_fill, candidate_clean
from candidates.services.sms_consent import IMPORT_WORDING, SmsOptIn
from kit import limits
from kit.limits import clip

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from accounts.models import Team, User
    from interviews.models import Interview

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
BATCH_SIZE = 500
# Look-ups of existing candidates go in chunks, well under every database's parameter limit.
_LOOKUP_CHUNK = 900
DELIVERY_TYPES = ("email", "sms")

# Header names, lower-cased with everything but letters and digits removed
# ("First name", "first_name" and "firstName" are all "firstname").
HEADER_ALIASES: dict[str, str] = {
    **dict.fromkeys(["firstname", "first", "givenname", "forename"], "first_name"),
    **dict.fromkeys(["lastname", "last", "surname", "familyname"], "last_name"),
    **dict.fromkeys(["email", "emailaddress", "mail"], "email"),
    **dict.fromkeys(
        ["phone", "phonenumber", "mobile", "mobilephone", "cell", "telephone", "tel"], "phone"
    ),
    **dict.fromkeys(["externalid", "atsid", "candidateid"], "external_id"),
    **dict.fromkeys(["name", "fullname"], "name"),
    **dict.fromkeys(["smsoptin", "smsconsent", "textoptin"], "sms_opt_in"),
}
ACCEPTED_HEADERS = "first_name (or name), last_name, email, phone, external_id, sms_opt_in"
# The sms_opt_in column: the candidate agreed to text messages (yes), or did not (no, or empty).
_YES = frozenset({"yes", "y", "true", "1", "oui", "si", "sí"})
_NO = frozenset({"no", "n", "false", "0", "non", ""})


class Match:
    """What importing a row does: the preview shows it and the import counts it."""

    NEW = "new"
    UPDATE = "update"
    EXISTS = "exists"


@dataclass
class ParsedFile:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.strip().lower())


def _row_key(row: dict[str, str]) -> tuple[str, ...]:
    """A row's identity: its email, or (no email) its phone and name."""
    if row["email"]:
        return ("email", row["email"].lower())
    return ("phone", row["phone"], row["first_name"].lower(), row["last_name"].lower())


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationError(
            {
                "file": f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
                f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
            },
            code="too_big",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            {
                "file": "The file is not UTF-8 text (an unreadable byte at position "
                f"{exc.start}). Save it as “CSV UTF-8” and upload it again."
            },
            code="encoding",
        ) from exc
    if not text.strip():
        raise ValidationError({"file": "The file is empty."}, code="empty")
    return text


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field, and the columns that mean nothing to us."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        target = HEADER_ALIASES.get(_header_key(name))
        if target is None:
            if name.strip():
                ignored.append(name.strip())
            continue
        if target in columns:
            raise ValidationError(
                {
                    "file": f"Two columns, “{header[columns[target]].strip()}” and "
                    f"“{name.strip()}”, both hold {target.replace('_', ' ')}; keep one."
                },
                code="header",
            )
        columns[target] = index
    if "first_name" not in columns and "name" not in columns:
        raise ValidationError(
            {
                "file": "The first row must name the columns, with at least a first_name (or "
                f"name) column and an email or phone column. Columns it can use: "
                f"{ACCEPTED_HEADERS}. Found: {', '.join(h.strip() for h in header) or 'nothing'}."
            },
            code="header",
        )
    if "email" not in columns and "phone" not in columns:
        raise ValidationError(
            {"file": "The file needs an email or a phone column to reach the candidates."},
            code="header",
        )
    return columns, ignored


def _values(record: list[str], columns: dict[str, int]) -> dict[str, str]:
    cell = {
        target: (record[index] if index < len(record) else "") for target, index in columns.items()
    }
    values = {name: cell.get(name, "") for name in CONTACT_FIELDS}
    if "first_name" not in columns:
        # One "name" column: the first word is the first name, the rest the last name.
        first, _, last = cell.get("name", "").strip().partition(" ")
        values["first_name"], values["last_name"] = first, values["last_name"] or last.strip()
    return values


def _opt_in(record: list[str], columns: dict[str, int]) -> bool:
    index = columns.get("sms_opt_in")
    value = (record[index] if index is not None and index < len(record) else "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValidationError(
        {"sms_opt_in": f"Write yes or no in the sms_opt_in column, not “{value[:40]}”."}
    )


def import_parse(*, data: bytes) -> ParsedFile:
    """The file's valid rows (cleaned, phone in E.164) and per-row errors.

    UTF-8 with or without a byte-order mark; comma, semicolon or tab separated (whichever the
    header row uses most). A problem with the file as a whole (size, encoding, header, more
    than ``MAX_ROWS`` rows) is a ValidationError on ``file``.
    """
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    parsed = ParsedFile()
    seen: dict[tuple[str, ...], int] = {}
    try:
        header = next(reader)
        columns, parsed.ignored_columns = _columns(header)
        count = 0
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ValidationError(
                    {
                        "file": f"The file has more than {MAX_ROWS:,} rows, the limit for one "
                        "import. Split it into smaller files."
                    },
                    code="too_many_rows",
                )
            try:
                row: dict[str, Any] = {
                    **candidate_clean(**_values(record, columns)),
                    "sms_opt_in": _opt_in(record, columns),
                }
            except ValidationError as exc:
                parsed.errors.extend(
                    {"row": number, "field": name, "message": message}
                    for name, messages in exc.message_dict.items()
                    for message in messages
                )
                continue
            key = _row_key(row)
            if key in seen:
                what = "email" if row["email"] else "phone number and name"
                parsed.errors.append(
                    {
                        "row": number,
                        "field": "email" if row["email"] else "phone",
                        "message": f"The same {what} is on row {seen[key]}; a file may hold "
                        "each candidate once, so this row is skipped.",
                    }
                )
                continue
            seen[key] = number
            parsed.rows.append({"row": number, **row})
    except csv.Error as exc:
        raise ValidationError(
            {"file": f"The file is not valid CSV near line {reader.line_num}: {exc}."},
            code="csv",
        ) from exc
    if not parsed.rows and not parsed.errors:
        raise ValidationError({"file": "The file has a header but no rows."}, code="empty")
    return parsed


def _chunks(items: list[Any], size: int = _LOOKUP_CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(team: Team, rows: list[dict[str, Any]]) -> dict[tuple[str, ...], Candidate]:
    """The team's candidates that ``rows`` match, by each row's key (see ``_row_key``)."""
    found: dict[tuple[str, ...], Candidate] = {}
    team_candidates = Candidate.objects.for_team(team).order_by("created_at")
    emails = sorted({row["email"].lower() for row in rows if row["email"]})
    for chunk in _chunks(emails):
        for candidate in team_candidates.annotate(email_lower=Lower("email")).filter(
            email_lower__in=chunk
        ):
            found.setdefault(("email", candidate.email.lower()), candidate)
    phones = sorted({row["phone"] for row in rows if not row["email"]})
    for chunk in _chunks(phones):
        for reachable in team_candidates.filter(email="", phone__in=chunk):
            key = (
                "phone",
                reachable.phone,
                reachable.first_name.lower(),
                reachable.last_name.lower(),
            )
            found.setdefault(key, reachable)
    return found


def _match(candidate: Candidate | None, row: dict[str, Any]) -> str:
    if candidate is None:
        return Match.NEW
    return Match.UPDATE if blanks_to_fill(candidate, row) else Match.EXISTS


@transaction.atomic
def import_job_create(
    *, team: Team, by: User, filename: str, data: bytes
) -> tuple[ImportJob, list[str]]:
    """Parse the file into a previewed ImportJob, and the columns it ignored. No candidate is
    created or changed."""
    parsed = import_parse(data=data)
    existing = _existing(team, parsed.rows)
    for row in parsed.rows:
        row["match"] = _match(existing.get(_row_key(row)), row)
    job = ImportJob.objects.create(
        team=team,
        created_by=by,
        filename=filename[:255],
        status=ImportJob.Status.PREVIEW,
        rows=parsed.rows,
        errors=parsed.errors,
        total=len(parsed.rows),
    )
    return job, parsed.ignored_columns


def invite_many_function() -> Callable[..., Any] | None:
    """``invites.invite_create_many`` when the invites service provides it."""
    return getattr(invite_services, "invite_create_many", None)


@transaction.atomic
def import_job_start(
    *, job: ImportJob, interview: Interview | None = None, delivery_types: Iterable[str] = ()
) -> ImportJob:
    """Queue a previewed import (and, with ``interview``, invites for every imported row)."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != ImportJob.Status.PREVIEW:
        raise ValidationError(
            f"This import is already {locked.get_status_display().lower()}; upload the file "
            "again to import it once more.",
            code="started",
        )
    if not locked.total:
        raise ValidationError(
            "No row of this file can be imported; fix the errors and upload it again.",
            code="nothing",
        )
    delivery = list(dict.fromkeys(delivery_types))
    if unknown := [d for d in delivery if d not in DELIVERY_TYPES]:
        raise ValidationError({"delivery_types": f"Unknown delivery type: {', '.join(unknown)}."})
    if interview is not None:
        if interview.team_id != locked.team_id:
            raise ValidationError({"interview": "Choose an interview of this team."})
        if invite_many_function() is None:
            raise ValidationError({"interview": "Inviting from an import is not available yet."})
        if not delivery:
            raise ValidationError(
                {"delivery_types": "Choose how to send the invites: email, SMS or both."}
            )
    elif delivery:
        raise ValidationError(
            {"interview": "Choose the interview to invite them to, or send nothing."}
        )
    locked.status = ImportJob.Status.QUEUED
    locked.interview = interview
    locked.delivery_types = delivery
    locked.save(update_fields=["status", "interview", "delivery_types"])
    job.refresh_from_db()

    from candidates.tasks import candidate_import_run

    job_id = str(job.pk)
    transaction.on_commit(lambda: candidate_import_run.delay(job_id))
    return job


def _import_rows(
    *, team: Team, by: User | None, rows: list[dict[str, Any]]
) -> tuple[int, int, list[Candidate]]:
    """Create or fill in the candidates of ``rows``: (created, updated, every row's candidate)."""
    existing = _existing(team, rows)
    now = timezone.now()
    new: list[Candidate] = []
    updated: dict[Any, Candidate] = {}
    candidates: list[Candidate] = []
    for row in rows:
        values = {name: row[name] for name in CONTACT_FIELDS}
        key = _row_key(values)
        candidate = existing.get(key)
        if candidate is None:
            candidate = Candidate(team=team, created_by=by, last_activity_at=now, **values)
            existing[key] = candidate
            new.append(candidate)
        elif changes := blanks_to_fill(candidate, values):
            for name, value in changes.items():
                setattr(candidate, name, value)
            candidate.updated_at = now
            updated[candidate.pk] = candidate
        candidates.append(candidate)
    Candidate.objects.bulk_create(new)
    Candidate.objects.bulk_update(
        list(updated.values()), ["first_name", "last_name", "phone", "external_id", "updated_at"]
    )
    return len(new), len(updated), candidates


def _invite(
    *, job: ImportJob, rows: list[dict[str, Any]], candidates: list[Candidate], invite: Any
) -> list[dict[str, Any]]:
    """Invite the batch's candidates; the ones who could not be invited, as row errors."""
    result = invite(
        team=job.team,
        by=job.created_by,
        candidates=candidates,
        interview=job.interview,
        delivery_types=list(job.delivery_types),
        import_job=job,
        # Texts only to the rows whose sms_opt_in column says yes.
        sms_opt_in=SmsOptIn(
            wording=IMPORT_WORDING,
            candidate_ids=frozenset(
                c.pk for c, row in zip(candidates, rows, strict=True) if row.get("sms_opt_in")
            ),
        ),
    )
    row_of = {candidate.pk: row["row"] for candidate, row in zip(candidates, rows, strict=True)}
    return [
        {
            "row": row_of.get(failure.candidate.pk),
            "field": "invite",
            "message": failure.message,
        }
        for failure in getattr(result, "failed", [])
    ]


def _import_batch(
    *, job: ImportJob, rows: list[dict[str, Any]], invite: Callable[..., Any] | None
) -> tuple[int, int, list[dict[str, Any]]]:
    """Import one batch (and invite its candidates): (created, updated, invite failures).

    Retried when a concurrent write added one of its emails between our look-up and our insert.
    """
    attempts = 3
    while True:
        try:
            with transaction.atomic():
                created, updated, candidates = _import_rows(
                    team=job.team, by=job.created_by, rows=rows
                )
                failures = []
                if invite is not None and job.interview is not None:
                    failures = _invite(job=job, rows=rows, candidates=candidates, invite=invite)
                return created, updated, failures
        except IntegrityError:
            attempts -= 1
            if not attempts:
                raise


def import_job_run(*, job_id: Any, batch_size: int | None = None) -> ImportJob | None:
    """Import a queued job's rows in batches, resuming from ``processed``.

    Each batch commits together with the job's progress, so running this twice (or again
    after a crash) never imports a row twice. A finished or failed job is left as it is.
    """
    job = (
        ImportJob.objects.select_related("team", "created_by", "interview")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return job
    rows: list[dict[str, Any]] = job.rows
    size = batch_size or BATCH_SIZE
    invite = invite_many_function() if job.interview_id else None
    while True:
        with transaction.atomic():
            locked = (
                ImportJob.objects.select_for_update()
                .only(
                    "status",
                    "processed",
                    "created_count",
                    "updated_count",
                    "errors",
                    "finished_at",
                )
                .get(pk=job.pk)
            )
            if locked.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
                break
            batch = rows[locked.processed : locked.processed + size]
            if batch:
                created, updated, failures = _import_batch(job=job, rows=batch, invite=invite)
                locked.errors = [*locked.errors, *failures]
                locked.processed += len(batch)
                locked.created_count += created
                locked.updated_count += updated
                locked.status = ImportJob.Status.RUNNING
            else:
                locked.status = ImportJob.Status.DONE
                locked.finished_at = timezone.now()
            locked.save(
                update_fields=[
                    "status",
                    "processed",
                    "created_count",
                    "updated_count",
                    "errors",
                    "finished_at",
                ]
            )
            if locked.status == ImportJob.Status.DONE:
                break
    job.refresh_from_db()
    return job


def import_job_fail(*, job_id: Any, reason: str) -> None:
    """Mark an unfinished import failed; the rows imported so far stay."""
    ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(
        status=ImportJob.Status.FAILED,
        failure_reason=clip(reason, limits.REASON),
        finished_at=timezone.now(),
    )
