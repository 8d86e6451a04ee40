"""A team's own wording of the messages candidates get (invite, reminder, answers received,
decision), per channel and language, and the one renderer every send, preview and test uses.

Custom text is never run through the template engine: it holds ``{placeholders}`` from a fixed
list per kind (``VARIABLES``), replaced by plain values. Its HTML version is the text escaped,
paragraphs and line breaks kept and addresses made links, inside the team's branded layout.
With no custom template, the translated default files render exactly as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.html import escape, urlize
from django.utils.safestring import mark_safe

from accounts.audit import audit_record
from accounts.branding import team_brand
from accounts.models import Team, User
from candidates.models import MessageTemplate
from candidates.ratelimit import RateLimit, rate_limit_hit
from candidates.sms import SmsError, get_sms_provider
from candidates.validators import normalize_e164
from kit import limits

Kind = MessageTemplate.Kind
Channel = MessageTemplate.Channel
Language = MessageTemplate.Language

_COMMON = (
    ("first_name", "The candidate's first name."),
    ("interview_name", "The interview's name as candidates see it."),
    ("team_name", "Your team's name."),
    ("recruiter_name", "The name of whoever sent the invite (empty if unknown)."),
)
_INVITE = (
    ("link", "The candidate's personal interview link (required)."),
    ("expires_at", "The date the link expires, written in the message's language."),
    ("personal_note", "The personal note typed for this invite (empty if none)."),
)
_AFTER = (("decision_file_url", "The link where the candidate asks for their decision file."),)
VARIABLES: dict[str, tuple[tuple[str, str], ...]] = {
    Kind.INVITE: _COMMON + _INVITE,
    Kind.REMINDER: _COMMON + _INVITE,
    Kind.RECEIVED: _COMMON + _AFTER,
    Kind.ADVANCE: _COMMON + _AFTER,
    Kind.REJECT: _COMMON + _AFTER,
}
REQUIRED = {Kind.INVITE: ("link",), Kind.REMINDER: ("link",)}
CHANNELS = {
    Kind.INVITE: (Channel.EMAIL, Channel.SMS),
    Kind.REMINDER: (Channel.EMAIL, Channel.SMS),
    Kind.RECEIVED: (Channel.EMAIL,),
    Kind.ADVANCE: (Channel.EMAIL,),
    Kind.REJECT: (Channel.EMAIL,),
}
_FILES = {
    Kind.INVITE: "candidate_invite",
    Kind.REMINDER: "candidate_reminder",
    Kind.RECEIVED: "candidate_received",
    Kind.ADVANCE: "candidate_decision_advance",
    Kind.REJECT: "candidate_decision_reject",
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A GSM-7 segment of a long text carries 153 characters; a lone one 160 (UCS-2: 67 and 70).
SMS_SEGMENT, SMS_SEGMENT_LONE = 153, 160
SMS_SEGMENT_UCS2, SMS_SEGMENT_UCS2_LONE = 67, 70
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)
TEST_SEND_LIMIT = RateLimit(scope="message-template-test", limit=5, window_seconds=3600)


def _default_subject(kind: str) -> str:
    """The default subject's wording, already translated (the current language)."""
    gettext = translation.gettext
    if kind == Kind.INVITE:
        return gettext("%(team)s invites you to interview: %(interview)s")
    if kind == Kind.REMINDER:
        return gettext("Reminder: your %(interview)s interview with %(team)s")
    if kind == Kind.RECEIVED:
        return gettext("We received your answers: %(interview)s")
    return gettext("Your application with %(team)s")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str  # empty for a text message
    custom: bool


def key_valid(kind: str, channel: str, language: str) -> bool:
    return kind in CHANNELS and channel in CHANNELS[Kind(kind)] and language in Language.values


def custom_template(
    *, team: Team, kind: str, channel: str, language: str
) -> MessageTemplate | None:
    return (
        MessageTemplate.objects.for_team(team)
        .filter(kind=kind, channel=channel, language=language)
        .first()
    )


def _values(kind: str, channel: str, language: str, context: dict[str, Any]) -> dict[str, str]:
    """The placeholders' values from a default template's context (a text message writes the
    date short, as the default text does)."""
    expires_at = context.get("expires_at")
    with translation.override(language):
        expires = (
            date_format(
                timezone.localtime(expires_at), "j M" if channel == Channel.SMS else "j F Y"
            )
            if isinstance(expires_at, datetime)
            else ""
        )
    values = {
        "first_name": str(context.get("first_name") or ""),
        "interview_name": str(context.get("interview_name") or ""),
        "team_name": str(context.get("team_name") or ""),
        "recruiter_name": str(context.get("recruiter_name") or ""),
        "link": str(context.get("url") or ""),
        "expires_at": expires,
        "personal_note": str(
            context.get("personal_note") or getattr(context.get("invite"), "personal_note", "")
        ),
        "decision_file_url": str(context.get("decision_file_url") or ""),
    }
    allowed = {name for name, _ in VARIABLES[Kind(kind)]}
    return {name: value for name, value in values.items() if name in allowed}


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace each known ``{name}``; a line made only of placeholders that came out empty
    (an invite without a personal note) is dropped rather than left blank."""
    lines = []
    for line in text.splitlines():
        names = _PLACEHOLDER.findall(line)
        out = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), line)
        empty = names and not any(values.get(name) for name in names)
        if empty and not re.sub(r"[\W_]", "", _PLACEHOLDER.sub("", line)):
            continue
        lines.append(out)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _html(text: str, context: dict[str, Any], language: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    body = "".join(
        f"<p>{urlize(p.strip(), autoescape=True).replace(chr(10), '<br>')}</p>" for p in paragraphs
    )
    # Links in the brand colour when it reads on white (the defaults' rule), else blue.
    link_color = escape(str(context.get("link_color") or "#1f4fd1"))
    body = body.replace("<a href=", f'<a style="color:{link_color};word-break:break-all;" href=')
    with translation.override(language):
        return render_to_string(
            "emails/candidate_custom.html",
            {**context, "paragraphs": mark_safe(body)},  # noqa: S308 (escaped by urlize)
        )


TemplateBook = dict[tuple[Any, str, str, str], MessageTemplate]


def template_book(*, team_ids: set[Any]) -> TemplateBook:
    """Every custom template of ``team_ids`` in one query, for a batch of sends:
    ``render_message(..., book=...)`` then reads no more rows per message."""
    return {
        (t.team_id, t.kind, t.channel, t.language): t
        for t in MessageTemplate.objects.filter(team_id__in=team_ids)
    }


def render_message(
    *,
    team: Team,
    kind: str,
    channel: str,
    language: str,
    context: dict[str, Any],
    book: TemplateBook | None = None,
) -> Rendered:
    """The message of ``kind`` on ``channel`` in ``language``: the team's own template when
    there is one, otherwise the translated default. ``context`` is the default files' context
    (``url``, ``expires_at``, ``first_name``, ``interview_name``, ``team_name``, brand …).
    ``book`` (``template_book``): the batch's templates, read once."""
    if book is not None:
        template = book.get((team.pk, kind, channel, language))
    else:
        template = custom_template(team=team, kind=kind, channel=channel, language=language)
    return render_with(
        template=template, kind=kind, channel=channel, language=language, context=context
    )


def render_with(
    *,
    template: MessageTemplate | None,
    kind: str,
    channel: str,
    language: str,
    context: dict[str, Any],
) -> Rendered:
    if template is not None:
        values = _values(kind, channel, language, context)
        text = substitute(template.body, values)
        if channel == Channel.SMS:
            return Rendered(subject="", text=text, html="", custom=True)
        subject = " ".join(substitute(template.subject, values).split())[:200]
        return Rendered(
            subject=subject, text=text, html=_html(text, context, language), custom=True
        )
    names = {"interview": context.get("interview_name", ""), "team": context.get("team_name", "")}
    with translation.override(language):
        if channel == Channel.SMS:
            name = "reminder" if kind == Kind.REMINDER else "invite"
            raw = render_to_string(f"sms/{name}.txt", context)
            return Rendered(subject="", text=" ".join(raw.split()), html="", custom=False)
        name = _FILES[Kind(kind)]
        return Rendered(
            subject=_default_subject(kind) % names,
            text=render_to_string(f"emails/{name}.txt", context),
            html=render_to_string(f"emails/{name}.html", context),
            custom=False,
        )


# --- the default as editable text

_SENTINEL_DATE = datetime(1999, 12, 31, 12, 0, tzinfo=UTC)


def default_text(*, kind: str, channel: str, language: str) -> tuple[str, str]:
    """The default subject and body in ``language``, with ``{placeholders}`` where the values
    go: the starting point of the editor."""
    context: dict[str, Any] = {
        "first_name": "{first_name}",
        "interview_name": "{interview_name}",
        "team_name": "{team_name}",
        "url": "{link}",
        "expires_at": _SENTINEL_DATE,
        # Shown in the defaults only when set: the editor shows where they go.
        "personal_note": "{personal_note}" if kind in (Kind.INVITE, Kind.REMINDER) else "",
        "decision_file_url": "{decision_file_url}"
        if kind not in (Kind.INVITE, Kind.REMINDER)
        else "",
        "recruiter_name": "{recruiter_name}",
        "brand_color": "#000000",
        "brand_text": "#ffffff",
    }
    with translation.override(language):
        rendered = render_with(
            template=None, kind=kind, channel=channel, language=language, context=context
        )
        body = rendered.text
        for fmt in ("j F Y", "j M"):
            body = body.replace(date_format(_SENTINEL_DATE, fmt), "{expires_at}")
    return rendered.subject, body.strip()


# --- checking what a team writes


def template_validate(*, kind: str, channel: str, subject: str, body: str) -> None:
    """Refuse unknown placeholders, a missing required one, a missing subject, or a text
    message too long; the error names the field and the variable."""
    allowed = [name for name, _ in VARIABLES[Kind(kind)]]
    errors: dict[str, list[str]] = {}
    fields = {"body": body} if channel == Channel.SMS else {"subject": subject, "body": body}
    for field, value in fields.items():
        for name in dict.fromkeys(_PLACEHOLDER.findall(value)):
            if name not in allowed:
                errors.setdefault(field, []).append(
                    f"Unknown variable {{{name}}}: use one of "
                    + ", ".join(f"{{{n}}}" for n in allowed)
                    + "."
                )
    if channel == Channel.EMAIL and not subject.strip():
        errors.setdefault("subject", []).append("Write a subject.")
    if channel == Channel.EMAIL and len(subject) > 200:
        errors.setdefault("subject", []).append("Keep the subject to 200 characters or fewer.")
    if not body.strip():
        errors.setdefault("body", []).append("Write the message.")
    for name in REQUIRED.get(Kind(kind), ()):
        if f"{{{name}}}" not in body:
            errors.setdefault("body", []).append(
                f"The message must contain {{{name}}}: without it the candidate cannot start."
            )
    limit = limits.SMS_TEMPLATE if channel == Channel.SMS else limits.MESSAGE_TEMPLATE
    if len(body) > limit:
        errors.setdefault("body", []).append(
            f"Keep the message to {limit} characters or fewer (it has {len(body)})."
        )
    if errors:
        raise ValidationError(errors)


def sms_segments(text: str) -> tuple[int, int]:
    """(characters, segments) of a text message: GSM-7 unless a character needs UCS-2."""
    if all(ch in _GSM7 for ch in text):
        size = len(text) + sum(ch in "^{}\\[~]|€" for ch in text)
        lone, each = SMS_SEGMENT_LONE, SMS_SEGMENT
    else:
        size, lone, each = len(text), SMS_SEGMENT_UCS2_LONE, SMS_SEGMENT_UCS2
    if size <= lone:
        return len(text), 1 if size else 0
    return len(text), -(-size // each)


# --- sample data for the preview and the test send


def sample_context(*, team: Team, user: User, language: str) -> dict[str, Any]:
    brand = team_brand(team)
    return {
        "team_name": team.name,
        "brand_color": brand.color,
        "brand_text": brand.text,
        "link_color": brand.color if brand.on_white else "#1f4fd1",
        "logo_url": f"{settings.SITE_URL}{brand.logo_url}" if brand.logo_url else "",
        "first_name": "Alex",
        "interview_name": "Customer Success Manager",
        "recruiter_name": user.get_full_name(),
        "url": f"{settings.SITE_URL}/i/sample-link",
        "expires_at": timezone.now() + timedelta(days=7),
        "personal_note": "Looking forward to hearing from you!",
        "decision_file_url": f"{settings.SITE_URL}/i/sample-link/decision-file/",
    }


def message_template_preview(
    *, team: Team, user: User, kind: str, channel: str, language: str, subject: str, body: str
) -> Rendered:
    """What the (unsaved) text renders to with sample data."""
    draft = MessageTemplate(
        team=team, kind=kind, channel=channel, language=language, subject=subject, body=body
    )
    context = sample_context(team=team, user=user, language=language)
    return render_with(
        template=draft, kind=kind, channel=channel, language=language, context=context
    )


# --- writes


@transaction.atomic
def message_template_save(
    *,
    team: Team,
    kind: str,
    channel: str,
    language: str,
    subject: str,
    body: str,
    by: User | None,
    ip: str | None = None,
) -> MessageTemplate:
    """Save the team's own wording of one message; audited (``message_template.saved``)."""
    if not key_valid(kind, channel, language):
        raise ValidationError("This message does not exist.")
    subject = "" if channel == Channel.SMS else subject.strip()
    body = body.strip()
    template_validate(kind=kind, channel=channel, subject=subject, body=body)
    template, _created = MessageTemplate.objects.update_or_create(
        team=team,
        kind=kind,
        channel=channel,
        language=language,
        defaults={"subject": subject, "body": body, "updated_by": by},
    )
    audit_record(
        action="message_template.saved",
        actor=by,
        team=team,
        obj=template,
        ip=ip,
        data={"kind": kind, "channel": channel, "language": language},
    )
    return template


@transaction.atomic
def message_template_reset(
    *, team: Team, kind: str, channel: str, language: str, by: User | None, ip: str | None = None
) -> bool:
    """Go back to the default wording; audited (``message_template.reset``) when there was a
    custom one. Returns whether anything was removed."""
    deleted, _ = (
        MessageTemplate.objects.for_team(team)
        .filter(kind=kind, channel=channel, language=language)
        .delete()
    )
    if deleted:
        audit_record(
            action="message_template.reset",
            actor=by,
            team=team,
            ip=ip,
            data={"kind": kind, "channel": channel, "language": language},
        )
    return bool(deleted)


class TestSendRefused(Exception):
    """The test was not sent: too many in the last hour, or a bad phone number."""


def message_template_test_send(
    *,
    team: Team,
    by: User,
    kind: str,
    channel: str,
    language: str,
    subject: str,
    body: str,
    phone: str = "",
    ip: str | None = None,
) -> str:
    """Send the (unsaved) text with sample data to the signed-in user: by email to their
    address, or as a text to ``phone`` through the configured provider. At most
    ``TEST_SEND_LIMIT`` per user per hour; audited (``message_template.test_sent``).
    Returns where it went."""
    template_validate(kind=kind, channel=channel, subject=subject, body=body)
    if channel == Channel.SMS:
        try:
            phone = normalize_e164(phone or "")
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
        if not phone:
            raise ValidationError(
                {"phone": "Enter your mobile number in international form, e.g. +14155550123."}
            )
    if not rate_limit_hit(TEST_SEND_LIMIT, str(by.pk)).allowed:
        raise TestSendRefused(
            f"At most {TEST_SEND_LIMIT.limit} test messages an hour: try again later."
        )
    rendered = message_template_preview(
        team=team,
        user=by,
        kind=kind,
        channel=channel,
        language=language,
        subject=subject,
        body=body,
    )
    if channel == Channel.SMS:
        try:
            get_sms_provider().send(to=phone, body=rendered.text)
        except SmsError as exc:
            raise TestSendRefused(f"The text was not sent: {exc}") from exc
        to = phone
    else:
        _label, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        email = EmailMultiAlternatives(
            subject=f"[Test] {rendered.subject}",
            body=rendered.text,
            from_email=formataddr((f"{team.name} via Panelist", address)),
            to=[by.email],
        )
        email.attach_alternative(rendered.html, "text/html")
        email.send()
        to = by.email
    audit_record(
        action="message_template.test_sent",
        actor=by,
        team=team,
        ip=ip,
        data={"kind": kind, "channel": channel, "language": language},
    )
    return to


def message_template_grid(*, team: Team) -> list[dict[str, Any]]:
    """Every message a team can word, with its custom template if any (one query)."""
    custom = {
        (t.kind, t.channel, t.language): t
        for t in MessageTemplate.objects.for_team(team).select_related("updated_by")
    }
    rows = []
    for kind in Kind:
        for channel in CHANNELS[kind]:
            rows.append(
                {
                    "kind": kind,
                    "channel": channel,
                    "languages": [
                        {"language": lang, "template": custom.get((kind, channel, lang))}
                        for lang in Language
                    ],
                }
            )
    return rows
