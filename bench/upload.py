"""A 1 GiB recorded answer through the resumable (tus) upload endpoint, against gunicorn.

    .venv/bin/python -m bench.upload [--mib 1024] [--chunk-mib 8] [--rounds 3]

The file is a real WebM recording (Opus, a few seconds, made with PyAV) followed by an EBML
Void element that pads it to the full size: Matroska readers skip Void elements, so the
server's final content check (uploads.services.upload_finish: sha256, then PyAV's probe of
the duration) passes and the answer is recorded, as with a long high-bitrate recording.
Building 1 GiB of real video would take far longer than sending it.

The body goes up in ``--chunk-mib`` PATCH requests over one keep-alive connection while
every gunicorn worker's VmRSS is sampled every 20 ms from /proc; VmHWM (the kernel's own
peak) is read at the end. The growth is peak minus the worker's resident size just before
the upload. Throughput is the file size over the wall time from POST to the last 204 (so it
includes the final check and the copy into media storage).
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from bench.common import Fixture, children, ensure_fixture, gunicorn, load_average

MIB = 1024 * 1024
TARGET_MB = 64
VOID_ID = b"\xec"


def recording(seconds: float = 3.0) -> bytes:
    """A short Opus-in-WebM answer written as MediaRecorder does (live, no duration)."""
    import io
    import math

    import av
    import numpy as np

    buffer = io.BytesIO()
    rate = 48_000
    with av.open(buffer, "w", format="webm", options={"live": "1"}) as output:
        stream = output.add_stream("libopus", rate=rate, layout="mono")
        step = 960
        for start in range(0, int(seconds * rate), step):
            t = (np.arange(start, start + step) / rate).astype(np.float32)
            pcm = (8000 * np.sin(2 * math.pi * 440 * t)).astype("<i2")
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def padded_prefix(total: int) -> bytes:
    """The recording plus the header of a Void element that fills the file up to ``total``."""
    media = recording()
    header_size = 1 + 8
    body = total - len(media) - header_size
    if body < 0:
        raise ValueError(f"{total} bytes is too small for the {len(media)}-byte recording")
    # An 8-byte EBML size: the marker bit 0x01 then 56 bits of length.
    return media + VOID_ID + (0x01 << 56 | body).to_bytes(8, "big")


def chunks(prefix: bytes, total: int, size: int) -> list[tuple[int, int]]:
    return [(offset, min(size, total - offset)) for offset in range(0, total, size)]


def piece(prefix: bytes, offset: int, length: int, zeros: bytes) -> bytes:
    """Bytes ``offset..offset+length`` of the padded file (the prefix, then zeros)."""
    head = prefix[offset : offset + length]
    return head + zeros[: length - len(head)]


def candidate_session(fixture: Fixture) -> tuple[str, str]:
    """A consented invite to the bench's first interview and a candidate session for it:
    (session key, question id)."""
    from django.contrib.sessions.backends.db import SessionStore

    from candidates.models import Candidate, CandidateInterview
    from interviews.counters import invite_counts_apply
    from uploads.services import SESSION_KEY

    interview = fixture.interviews[0]
    now = timezone.now()
    candidate = Candidate.objects.create(
        team=fixture.team, first_name="Upload", email=f"upload-{os.urandom(4).hex()}@example.com"
    )
    invite = CandidateInterview.objects.create(
        team=fixture.team,
        candidate=candidate,
        interview=interview,
        status=CandidateInterview.Status.IN_PROGRESS,
        token_hash=os.urandom(32).hex(),
        invited_at=now,
        started_at=now,
        consented_at=now,
        expires_at=now + timedelta(days=7),
        question_order=[str(q) for q in fixture.questions[interview.pk]],
    )
    invite_counts_apply(interview_id=interview.pk, before=None, after=invite.status)
    session = SessionStore()
    session[SESSION_KEY] = str(invite.pk)
    session.save()
    assert session.session_key is not None
    return session.session_key, str(fixture.questions[interview.pk][0])


class Sampler(threading.Thread):
    """VmRSS of the given processes every ``interval`` seconds, until stopped."""

    def __init__(self, pids: list[int], interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peak = dict.fromkeys(pids, 0)
        self.running = True

    def run(self) -> None:
        while self.running:
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], status_kib(pid, "VmRSS"))
            time.sleep(self.interval)


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def upload_once(base: str, key: str, question: str, total: int, chunk: int) -> dict[str, Any]:
    from uploads.services import encode_metadata

    prefix = padded_prefix(total)
    zeros = bytes(chunk)
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=600)
    common = {"Tus-Resumable": "1.0.0", "Cookie": f"sessionid={key}"}
    metadata = {
        "question": question,
        "attempt": "1",
        "filename": "answer.webm",
        "filetype": "video/webm",
    }
    began = time.perf_counter()
    conn.request(
        "POST",
        "/uploads/",
        headers={
            **common,
            "Upload-Length": str(total),
            "Upload-Metadata": encode_metadata(metadata),
        },
    )
    response = conn.getresponse()
    response.read()
    if response.status != 201:
        raise RuntimeError(f"POST /uploads/ answered {response.status}")
    location = urlsplit(response.headers["Location"]).path
    last_status = 0
    for offset, length in chunks(prefix, total, chunk):
        body = piece(prefix, offset, length, zeros)
        conn.request(
            "PATCH",
            location,
            body=body,
            headers={
                **common,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        response = conn.getresponse()
        text = response.read()
        last_status = response.status
        if response.status != 204:
            raise RuntimeError(f"PATCH at {offset} answered {response.status}: {text[:300]!r}")
    seconds = time.perf_counter() - began
    conn.close()
    return {"seconds": seconds, "status": last_status, "location": location}


def measure(base: str, pids: list[int], fixture: Fixture, total: int, chunk: int) -> dict[str, Any]:
    from candidates.models import Answer
    from uploads.models import Upload

    key, question = candidate_session(fixture)
    before = {pid: status_kib(pid, "VmRSS") for pid in pids}
    hwm_before = {pid: status_kib(pid, "VmHWM") for pid in pids}
    sampler = Sampler(pids)
    sampler.start()
    try:
        result = upload_once(base, key, question, total, chunk)
    finally:
        sampler.running = False
        sampler.join()
    hwm = {pid: status_kib(pid, "VmHWM") for pid in pids}
    growth_kib = max(max(sampler.peak[pid], hwm[pid]) - before[pid] for pid in pids)
    upload_id = result["location"].rstrip("/").rsplit("/", 1)[1]
    upload = Upload.objects.get(pk=upload_id)
    answer = Answer.objects.filter(candidate_interview_id=upload.candidate_interview_id).first()
    if upload.stored_name:
        from django.core.files.storage import default_storage

        default_storage.delete(upload.stored_name)  # 1 GiB a run is enough disk to spend
    return {
        "mb_per_s": total / MIB / result["seconds"],
        "seconds": result["seconds"],
        "rss_growth_mb": growth_kib / 1024,
        "rss_before_mb": {pid: kib / 1024 for pid, kib in before.items()},
        "hwm_before_mb": {pid: kib / 1024 for pid, kib in hwm_before.items()},
        "upload_status": upload.status,
        "answer": answer is not None,
        "duration": upload.duration_seconds,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--chunk-mib", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    fixture = ensure_fixture()
    total, chunk = args.mib * MIB, int(args.chunk_mib * MIB)
    print(
        f"upload {args.mib} MiB in {args.chunk_mib:g} MiB PATCHes, 2 gunicorn sync workers "
        f"({load_average()})"
    )
    runs = []
    with gunicorn(workers=2) as (base, process):
        time.sleep(1)
        pids = children(process.pid)
        for number in range(1, args.rounds + 1):
            figures = measure(base, pids, fixture, total, chunk)
            runs.append(figures)
            print(
                f"  run {number}: {figures['mb_per_s']:.1f} MB/s ({figures['seconds']:.1f} s), "
                f"peak RSS growth {figures['rss_growth_mb']:.1f} MB, upload "
                f"{figures['upload_status']}, answer recorded: {figures['answer']}, "
                f"duration {figures['duration']}"
            )
    throughput = statistics.median(r["mb_per_s"] for r in runs)
    growth = statistics.median(r["rss_growth_mb"] for r in runs)
    worst = max(r["rss_growth_mb"] for r in runs)
    print(
        f"median {throughput:.1f} MB/s (MiB/s); RSS growth median {growth:.1f} MB, "
        f"worst {worst:.1f} MB; target <= {TARGET_MB} MB: "
        f"{'met' if worst <= TARGET_MB else 'NOT met'}"
    )
    return {"mb_per_s": throughput, "rss_growth_mb": growth, "worst_growth_mb": worst, "runs": runs}


if __name__ == "__main__":
    main()
