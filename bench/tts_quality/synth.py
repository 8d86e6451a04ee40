"""The part of bench.tts_quality that runs in a process of its own per voice (importable, so a
spawned process finds it)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def _peak_mb() -> float:
    """This process's peak resident memory. Read from /proc (VmHWM), not getrusage: Linux
    keeps ru_maxrss across exec, so a spawned child would report its parent's peak (the
    parent holds Whisper)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def synthesise_here(
    provider_name: str, voice: str, language: str, texts: list[str], out: Any
) -> None:
    """Load the voice, read every text; put the WAVs, the synthesis seconds, the memory the
    voice added (MB) and the process's peak (MB) on ``out``."""
    import bench.common  # noqa: F401 - sets up Django in the new process
    from speech.tts import get_provider

    before = _peak_mb()
    provider = get_provider(provider_name)
    provider.synthesize(texts[0], voice=voice, language=language, speed=1.0)  # loaded, warm
    wavs, seconds = [], 0.0
    for text in texts:
        began = time.perf_counter()
        wavs.append(provider.synthesize(text, voice=voice, language=language, speed=1.0))
        seconds += time.perf_counter() - began
    peak = _peak_mb()
    # What the voice itself takes: the peak over the process as it was before loading it.
    out.put((wavs, seconds, peak - before, peak))
