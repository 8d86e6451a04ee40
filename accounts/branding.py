"""A team's branding on candidate pages and emails: its accent colour, the text colour that stays
readable on it, and its logo; and the service that changes them with the invite settings.

The logo is checked by its magic bytes and then decoded with PyAV (already a dependency for
recordings; Pillow is not installed): PNG, JPEG or WebP only, never SVG, which can carry script.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import Team

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User

DEFAULT_COLOR = "#3b4fd8"
WHITE, BLACK = "#ffffff", "#000000"
# WCAG 2 AA for normal-size text: button labels on the brand colour must reach it.
MIN_TEXT_CONTRAST = 4.5
LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 2000
INVITE_EXPIRY_DAYS = (1, 90)
REMINDER_HOURS = (0, 720)
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


# ---------------------------------------------------------------- colours


def clean_color(value: str) -> str:
    """``#rrggbb`` in lower case, or a ValidationError naming the field."""
    match = _HEX.match((value or "").strip())
    if not match:
        raise ValidationError({"brand_color": "Enter a colour as #RRGGBB, e.g. #3b4fd8."})
    return f"#{match.group(1).lower()}"


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``, 0 (black) to 1 (white)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_color_on(background: str) -> str:
    """White or black, whichever reads better on ``background``.

    One of the two always reaches 4.58:1 (the worst case is a mid grey), so any brand colour
    gets readable button labels. Pure black, not a softer near-black: a near-black drops the
    worst case below 4.5:1.
    """
    on_white, on_black = contrast_ratio(background, WHITE), contrast_ratio(background, BLACK)
    return WHITE if on_white >= on_black else BLACK


def _mix(color: str, toward: str, amount: float) -> str:
    mixed = (round(c + (t - c) * amount) for c, t in zip(_rgb(color), _rgb(toward), strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


@dataclass(frozen=True)
class Brand:
    """What a candidate page or email needs of a team's branding."""

    team_id: str
    name: str
    color: str
    text: str
    # Hover/active: moved away from the text colour, so the label keeps at least its contrast.
    hover: str
    # The colour is dark enough for links and outlines on white (4.5:1); if not, those keep
    # the default colours and only filled buttons and bars take the brand.
    on_white: bool
    logo_url: str

    @property
    def css_url(self) -> str:
        """The team's brand stylesheet; ``v`` changes with the colour, so it caches for good."""
        return reverse("dashboard:brand_css", args=[self.team_id]) + f"?v={self.color[1:]}"


def brand_colors(color: str) -> tuple[str, str, str, bool]:
    """(colour, text colour, hover colour, usable on white) for a ``#rrggbb`` colour."""
    text = text_color_on(color)
    hover = _mix(color, BLACK if text == WHITE else WHITE, 0.15)
    return color, text, hover, contrast_ratio(color, WHITE) >= MIN_TEXT_CONTRAST


def team_brand(team: Team) -> Brand:
    try:
        color = clean_color(team.brand_color)
    except ValidationError:
        color = DEFAULT_COLOR
    color, text, hover, on_white = brand_colors(color)
    return Brand(
        team_id=str(team.pk),
        name=team.name,
        color=color,
        text=text,
        hover=hover,
        on_white=on_white,
        logo_url=logo_url(team),
    )


# ---------------------------------------------------------------- the logo


@dataclass(frozen=True)
class LogoKind:
    extension: str
    content_type: str
    av_format: str


PNG = LogoKind("png", "image/png", "png_pipe")
JPEG = LogoKind("jpg", "image/jpeg", "jpeg_pipe")
WEBP = LogoKind("webp", "image/webp", "webp_pipe")
KINDS = {k.extension: k for k in (PNG, JPEG, WEBP)}


def _kind(head: bytes) -> LogoKind | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def logo_check(data: bytes) -> LogoKind:
    """The logo's kind if ``data`` is a PNG, JPEG or WebP image within the size budget that
    really decodes; otherwise a ValidationError naming the ``logo`` field."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            {
                "logo": f"The logo is {len(data) // 1024} KB; use one of at most "
                f"{LOGO_MAX_BYTES // 1024} KB."
            }
        )
    kind = _kind(data[:16])
    if kind is None:
        raise ValidationError(
            {"logo": "Upload a PNG, JPEG or WebP image (SVG and other formats are not accepted)."}
        )
    import av

    unreadable = ValidationError(
        {
            "logo": f"This file is not a readable {kind.extension.upper()} image, or it is "
            f"larger than {LOGO_MAX_SIDE}×{LOGO_MAX_SIDE} pixels."
        }
    )
    # ffmpeg refuses to allocate more pixels than the budget allows, so a small file claiming
    # huge dimensions (a decompression bomb) fails here instead of filling the memory.
    # PyAV takes one dict per stream; its stubs say list[str].
    budget: Any = [{"max_pixels": str(LOGO_MAX_SIDE * LOGO_MAX_SIDE)}]
    try:
        with av.open(
            io.BytesIO(data), "r", format=kind.av_format, stream_options=budget
        ) as container:
            frame = next(container.decode(container.streams.video[0]), None)
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        raise unreadable from exc
    if frame is None or not frame.width or not frame.height:
        raise unreadable
    if max(frame.width, frame.height) > LOGO_MAX_SIDE:
        raise ValidationError(
            {
                "logo": f"The logo is {frame.width}×{frame.height} pixels; use at most "
                f"{LOGO_MAX_SIDE} on each side."
            }
        )
    return kind


def logo_version(team: Team) -> str:
    """Changes whenever the logo does (its stored name carries a hash of its content)."""
    return (team.logo.name or "").rpartition("/")[2].partition(".")[0]


def logo_url(team: Team) -> str:
    """The logo's address on this site ("" without one), cacheable for good."""
    if not team.logo:
        return ""
    return reverse("dashboard:brand_logo", args=[team.pk]) + f"?v={logo_version(team)}"


# ---------------------------------------------------------------- the service


def _clean_range(value: int, bounds: tuple[int, int], field: str, unit: str) -> int:
    low, high = bounds
    if not isinstance(value, int) or not low <= value <= high:
        raise ValidationError({field: f"Enter a whole number of {unit} from {low} to {high}."})
    return value


@transaction.atomic
def team_settings_update(
    *,
    team: Team,
    by: User,
    brand_color: str,
    invite_expiry_days: int,
    reminder_hours_before_expiry: int,
    name: str | None = None,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
    ip: str | None = None,
) -> Team:
    """Change the team's name, branding and invite settings (Team settings); a new logo
    replaces the old file. Every field's problem is reported at once, under its field's name.
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    checks = {
        "brand_color": lambda: clean_color(brand_color),
        "invite_expiry_days": lambda: _clean_range(
            invite_expiry_days, INVITE_EXPIRY_DAYS, "invite_expiry_days", "days"
        ),
        "reminder_hours_before_expiry": lambda: _clean_range(
            reminder_hours_before_expiry, REMINDER_HOURS, "reminder_hours_before_expiry", "hours"
        ),
    }
    for field, check in checks.items():
        try:
            values[field] = check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    data = b""
    kind = None
    if logo is not None:
        data = logo.read(LOGO_MAX_BYTES + 1)
        try:
            kind = logo_check(data)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    days, hours = values.get("invite_expiry_days"), values.get("reminder_hours_before_expiry")
    if isinstance(days, int) and isinstance(hours, int) and hours >= days * 24:
        errors.setdefault("reminder_hours_before_expiry", []).append(
            f"Remind fewer hours before expiry than an invite lasts ({days * 24} hours), "
            "or 0 for no reminders."
        )
    if errors:
        raise ValidationError(errors)
    if name is not None and " ".join(name.split()) != team.name:
        from accounts.services import team_rename

        team_rename(team=team, name=name, by=by, ip=ip)
    changed = [field for field, value in values.items() if getattr(team, field) != value]
    for field in changed:
        setattr(team, field, values[field])
    old_logo = team.logo.name if team.logo else ""
    if kind is not None:
        digest = hashlib.sha256(data).hexdigest()[:16]
        team.logo.save(f"{team.pk}/logo-{digest}.{kind.extension}", ContentFile(data), save=False)
        changed.append("logo")
    elif remove_logo and old_logo:
        team.logo = ""
        changed.append("logo")
    if not changed:
        return team
    team.save(update_fields=changed)
    if "logo" in changed and old_logo and old_logo != team.logo.name:
        storage = team.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    audit_record(
        action="team.settings_changed",
        actor=by,
        team=team,
        obj=team,
        ip=ip,
        data={field: str(values.get(field, "")) for field in changed if field != "logo"}
        | ({"logo": team.logo.name or "removed"} if "logo" in changed else {}),
    )
    return team
