"""Piper voices an operator adds (issue 20, item 3): ``./panelist voices add VOICE.onnx`` copies
the voice, its ``.onnx.json`` and its model card into ``DATA_DIR/voices`` (the Piper folder
when ``PIPER_VOICE_PATH`` is not set), reads its language, dataset and licence from them, and
records the file's SHA-256 (``speech.models``: a voice file changed afterwards is refused).
The narrators page and the API then show that language and licence.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from speech.models import trust

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import Team, User

# A model card's licence line: "License: MIT", "Licence : CC BY 4.0", "* License - cc-by-sa-4.0".
_LICENCE = re.compile(r"^\W*licen[cs]e\W*[:\-]\s*(?P<value>.+?)\s*$", re.IGNORECASE | re.MULTILINE)
CARD_SUFFIX = ".MODEL_CARD"


class VoiceRefused(ValueError):
    """The voice cannot be added (the message says why, naming the file). ``field`` names the
    file at fault: "voice" (the .onnx) or "config" (its JSON)."""

    def __init__(self, message: str, *, field: str = "config") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class VoiceCard:
    stem: str
    language: str  # "fr" (from "fr_FR")
    dataset: str
    quality: str
    licence: str  # as its model card says; "" when it has none


def voices_folder() -> Path:
    return Path(settings.DATA_DIR) / "voices"


def _card_file(onnx: Path) -> Path | None:
    """The model card beside a voice: ``<stem>.MODEL_CARD``, ``<file>.MODEL_CARD`` or
    ``MODEL_CARD`` in the same folder."""
    for candidate in (
        onnx.with_name(onnx.stem + CARD_SUFFIX),
        onnx.with_name(onnx.name + CARD_SUFFIX),
        onnx.with_name("MODEL_CARD"),
    ):
        if candidate.is_file():
            return candidate
    return None


def voice_card(onnx: Path) -> VoiceCard:
    """What a Piper voice's files say about it. Raises VoiceRefused when its JSON is missing
    or unreadable."""
    config = onnx.with_name(onnx.name + ".json")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except OSError:
        raise VoiceRefused(
            f"{config} is missing: a Piper voice comes with its .onnx.json."
        ) from None
    except ValueError as exc:
        raise VoiceRefused(f"{config} is not valid JSON: {exc}.") from None
    language = data.get("language") if isinstance(data, dict) else None
    code = str((language or {}).get("code", "") if isinstance(language, dict) else "")
    if not code:
        raise VoiceRefused(f"{config} does not say the voice's language (language.code).")
    card = _card_file(onnx)
    licence = ""
    if card is not None:
        found = _LICENCE.search(card.read_text(encoding="utf-8", errors="replace"))
        licence = found.group("value")[:200] if found else ""
    return VoiceCard(
        stem=onnx.stem,
        language=code.replace("-", "_").split("_")[0].lower(),
        dataset=str(data.get("dataset", ""))[:200],
        quality=str((data.get("audio") or {}).get("quality", ""))[:40],
        licence=licence,
    )


def voice_add(source: Path) -> VoiceCard:
    """Copy a Piper voice (``.onnx``, its JSON and model card) into ``voices_folder()``, trust
    its digest, and return what its card says. Refuses a file that is not ``.onnx``, one without
    its JSON, and a voice of the same name already there with other content."""
    if source.suffix != ".onnx" or not source.is_file():
        raise VoiceRefused(f"{source} is not a .onnx voice file.", field="voice")
    card = voice_card(source)
    folder = voices_folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    if target.exists() and target.read_bytes() != source.read_bytes():
        raise VoiceRefused(
            f"A different voice named {source.name} is already in {folder}: rename one of them.",
            field="voice",
        )
    files = [(source, target), (source.with_name(source.name + ".json"), Path(f"{target}.json"))]
    card_file = _card_file(source)
    if card_file is not None:
        files.append((card_file, target.with_name(target.stem + CARD_SUFFIX)))
    for origin, destination in files:
        handle, temporary = tempfile.mkstemp(prefix=".voice-", dir=folder)
        with open(handle, "wb") as out, origin.open("rb") as data:
            shutil.copyfileobj(data, out)
        Path(temporary).replace(destination)
    trust(target, kind=f"Piper voice ({card.language})")
    return card


# What an owner may upload from the AI models page: a Piper voice is 20-120 MB, its JSON and
# model card a few kB.
VOICE_MAX_BYTES = 200 * 1024 * 1024
CARD_MAX_BYTES = 1024 * 1024
_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def voice_upload(
    *, team: Team, by: User, voice: UploadedFile, config: UploadedFile, card: UploadedFile | None
) -> VoiceCard:
    """Add a Piper voice sent from the owner's AI models page: the same checks and copy as
    ``./panelist voices add``, then an audit event in the owner's team. Raises
    ``ValidationError`` naming the field."""
    from django.core.exceptions import ValidationError

    from accounts.audit import audit_record

    name = Path(voice.name or "").name
    if not name.endswith(".onnx") or not _STEM.match(name[: -len(".onnx")] or "-"):
        raise ValidationError(
            {
                "voice": "Choose the voice's .onnx file (letters, digits, “-”, “_” and “.” in its "
                "name, up to 100)."
            }
        )
    if not voice.size or voice.size > VOICE_MAX_BYTES:
        raise ValidationError(
            {
                "voice": f"A voice file is 1 byte to {VOICE_MAX_BYTES // 1048576} MB; this one is "
                f"{(voice.size or 0) / 1048576:.1f} MB."
            }
        )
    for field, upload in (("config", config), ("card", card)):
        if upload is not None and (upload.size or 0) > CARD_MAX_BYTES:
            raise ValidationError({field: "This file is over 1 MB: is it the right one?"})
    folder = voices_folder()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".upload-", dir=folder) as incoming:
        onnx = Path(incoming) / name
        uploads = [(voice, onnx), (config, Path(f"{onnx}.json"))]
        if card is not None:
            uploads.append((card, onnx.with_name("MODEL_CARD")))
        for upload, path in uploads:
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
        try:
            added = voice_add(onnx)
        except VoiceRefused as exc:
            message = str(exc).replace(str(onnx.parent) + "/", "")
            raise ValidationError({exc.field: message}) from exc
    audit_record(
        action="voice.added",
        actor=by,
        team=team,
        data={
            "voice": added.stem,
            "language": added.language,
            "dataset": added.dataset,
            "licence": added.licence,
        },
    )
    return added


def added_voices() -> list[VoiceCard]:
    folder = voices_folder()
    if not folder.is_dir():
        return []
    cards = []
    for onnx in sorted(folder.glob("*.onnx")):
        try:
            cards.append(voice_card(onnx))
        except VoiceRefused:
            continue
    return cards
