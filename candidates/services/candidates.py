"""Writes for candidates: create, update, and the get-or-create by email that the API and CSV
imports use.

A team has at most one candidate per email, compared case-insensitively (the
``candidate_unique_email_per_team`` constraint); every write checks it first so the caller gets
a ``DuplicateCandidate`` naming the existing candidate instead of an IntegrityError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from candidates.models import Candidate
from candidates.validators import normalize_e164

if TYPE_CHECKING:
    from accounts.models import Team, User

NAME_MAX = 100
EXTERNAL_ID_MAX = 100
EMAIL_MAX = 254

# The fields a candidate's own data consists of, in the order forms and imports list them.
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "external_id")


class DuplicateCandidate(ValidationError):
    """The team already has a candidate with this email; ``existing`` is that candidate."""

    def __init__(self, existing: Candidate) -> None:
        self.existing = existing
        super().__init__(
            {
                "email": ValidationError(
                    "A candidate with this email already exists in this team (%(name)s); "
                    "emails are unique per team, ignoring case.",
                    code="duplicate",
                    params={"name": existing.full_name},
                )
            }
        )


def candidate_clean(
    *, first_name: str, last_name: str = "", email: str = "", phone: str = "", external_id: str = ""
) -> dict[str, str]:
    """The candidate's fields stripped and normalised (phone to E.164), or a ValidationError
    with every field's problem at once. Does not look at the database."""
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": email.strip(),
        "phone": phone.strip(),
        "external_id": external_id.strip(),
    }
    errors: dict[str, list[ValidationError]] = {}

    def fail(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if not values["first_name"]:
        fail("first_name", "First name is required.", "required")
    for field, label, limit in (
        ("first_name", "First name", NAME_MAX),
        ("last_name", "Last name", NAME_MAX),
        ("external_id", "External id", EXTERNAL_ID_MAX),
        ("email", "Email", EMAIL_MAX),
    ):
        if len(values[field]) > limit:
            fail(field, f"{label} can be at most {limit} characters.", "max_length")
    if values["email"] and "email" not in errors:
        try:
            validate_email(values["email"])
        except ValidationError:
            fail("email", "Email is not a valid address, e.g. name@example.com.", "invalid")
    if values["phone"]:
        try:
            values["phone"] = normalize_e164(values["phone"])
        except ValidationError as exc:
            errors.setdefault("phone", []).append(exc)
    if not values["email"] and not values["phone"] and "phone" not in errors:
        fail("email", "Give an email or a phone number (or both) to reach the candidate.", "reach")
    if errors:
        raise ValidationError(errors)
    return values


def _find_by_email(team: Team, email: str, *, exclude: Candidate | None = None) -> Candidate | None:
    if not email:
        return None
    found = Candidate.objects.for_team(team).filter(email__iexact=email)
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found.order_by("created_at").first()


def _save_or_duplicate(
    candidate: Candidate, team: Team, update_fields: list[str] | None = None
) -> None:
    """Save; a concurrent insert of the same email becomes ``DuplicateCandidate``, not a 500."""
    try:
        with transaction.atomic():
            candidate.save(update_fields=update_fields)
    except IntegrityError:
        existing = _find_by_email(team, candidate.email, exclude=candidate)
        if existing is None:
            raise
        raise DuplicateCandidate(existing) from None


@transaction.atomic
def candidate_create(
    *,
    team: Team,
    by: User | None,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    external_id: str = "",
) -> Candidate:
    """A new candidate in ``team``; ``DuplicateCandidate`` if the email is taken there."""
    values = candidate_clean(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        external_id=external_id,
    )
    existing = _find_by_email(team, values["email"])
    if existing is not None:
        raise DuplicateCandidate(existing)
    candidate = Candidate(team=team, created_by=by, **values)
    _save_or_duplicate(candidate, team)
    return candidate


@transaction.atomic
def candidate_update(
    *,
    candidate: Candidate,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    external_id: str | None = None,
) -> Candidate:
    """Change the given fields (``None`` leaves a field as it is; ``""`` clears it)."""
    given = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "external_id": external_id,
    }
    merged = {
        field: getattr(candidate, field) if value is None else value
        for field, value in given.items()
    }
    values = candidate_clean(**merged)
    existing = _find_by_email(candidate.team, values["email"], exclude=candidate)
    if existing is not None:
        raise DuplicateCandidate(existing)
    changed = [field for field, value in values.items() if getattr(candidate, field) != value]
    if not changed:
        return candidate
    for field in changed:
        setattr(candidate, field, values[field])
    _save_or_duplicate(candidate, candidate.team, [*changed, "updated_at"])
    return candidate


def blanks_to_fill(candidate: Candidate, values: dict[str, str]) -> dict[str, str]:
    """The changes that copy ``values`` into the candidate's empty fields, never overwriting a
    field that is set (the email is the match, so it never changes)."""
    return {
        field: values[field]
        for field in ("first_name", "last_name", "phone", "external_id")
        if values.get(field) and not getattr(candidate, field)
    }


@transaction.atomic
def candidate_get_or_create_by_email(
    *,
    team: Team,
    by: User | None,
    email: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    external_id: str = "",
) -> tuple[Candidate, bool]:
    """The team's candidate with ``email`` (ignoring case), or a new one; and whether it is new.

    An existing candidate keeps every field it has; only its empty fields are filled from the
    arguments. A new candidate needs ``first_name`` like any other.
    """
    if not email.strip():
        raise ValidationError({"email": "Email is required to find or create a candidate by it."})
    existing = _find_by_email(team, email.strip())
    if existing is None:
        try:
            return (
                candidate_create(
                    team=team,
                    by=by,
                    first_name=first_name,
                    last_name=last_name,
                    email=email,
                    phone=phone,
                    external_id=external_id,
                ),
                True,
            )
        except DuplicateCandidate as exc:
            # Created by someone else between our look-up and our insert.
            existing = exc.existing
    values = candidate_clean(
        first_name=first_name or existing.first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        external_id=external_id,
    )
    changes = blanks_to_fill(existing, values)
    if changes:
        for field, value in changes.items():
            setattr(existing, field, value)
        existing.save(update_fields=[*changes, "updated_at"])
    return existing, False
