"""Bulk invite: candidates from a CSV imported and invited, their emails sent by a real worker.

    .venv/bin/python -m bench.bulk_invite [--candidates 10000] [--concurrency 2] [--rounds 1]

The path a recruiter takes: the CSV is previewed (candidates.services.imports.import_job_create),
then started with an interview and email delivery (import_job_start), which queues
candidates.tasks.candidate_import_run on Redis (db 14). A real ``celery -A dashboard worker``
(prefork, ``--concurrency``) runs the import, which creates the candidates and their invites in
batches of 500 (invites.invite_create_many); each batch queues one invite_deliver_batch task
per 100 deliveries, which sends them over one connection of Django's file-based mail backend
(no network; a temporary folder). The clock runs from the preview until every delivery is
"sent"; then the messages written are counted: each delivery's Message-ID exactly once. Each
round uses its own team, emptied before and after.
"""

from __future__ import annotations

import argparse
import email
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.db import connection

from bench.common import ROOT, Fixture, bench_env, ensure_fixture, load_average
from bench.generate import reset

TARGET_SECONDS = 30.0
BROKER = "redis://127.0.0.1:6379/14"


def csv_bytes(count: int, tag: str) -> bytes:
    lines = ["first_name,last_name,email"]
    lines += [f"Bulk,Candidate {n},bulk{n}.{tag}@example.com" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def start_worker(concurrency: int, mail_dir: Path) -> subprocess.Popen[bytes]:
    connection.close()
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "dashboard",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=bench_env(
            CELERY_BROKER_URL=BROKER,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail_dir),
        ),
        stdout=subprocess.DEVNULL,
    )


def purge_queue() -> None:
    import redis

    redis.Redis.from_url(BROKER).flushdb()


def wait_ready(worker: subprocess.Popen[bytes], timeout: float = 60) -> None:
    from dashboard.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode}")
        replies = app.control.ping(timeout=0.5)
        if replies:
            return
    raise RuntimeError("the worker did not answer a ping")


def messages_written(mail_dir: Path) -> Counter[str]:
    """How many times each Message-ID was written by the file-based backend (one file per
    connection, messages separated by a line of 79 dashes)."""
    written: Counter[str] = Counter()
    for file in mail_dir.iterdir():
        for part in file.read_text().split("-" * 79):
            if part.strip():
                written[email.message_from_string(part.lstrip())["Message-ID"].strip()] += 1
    return written


def one_round(fixture: Fixture, count: int, timeout: float, mail_dir: Path) -> dict[str, float]:
    import os

    from candidates.models import ImportJob, InviteDelivery
    from candidates.services.imports import import_job_create, import_job_start

    reset(fixture)
    for file in mail_dir.iterdir():
        file.unlink()
    data = csv_bytes(count, os.urandom(3).hex())
    began = time.perf_counter()
    job, _ignored = import_job_create(
        team=fixture.team, by=fixture.user, filename="bench.csv", data=data
    )
    previewed = time.perf_counter()
    import_job_start(job=job, interview=fixture.interviews[0], delivery_types=["email"])
    imported = sent = None
    deliveries = InviteDelivery.objects.filter(candidate_interview__team=fixture.team)
    while time.perf_counter() - began < timeout:
        time.sleep(0.25)
        if imported is None:
            job.refresh_from_db()
            if job.status == ImportJob.Status.DONE:
                imported = time.perf_counter()
            elif job.status == ImportJob.Status.FAILED:
                raise RuntimeError(f"the import failed: {job.failure_reason}")
        done = deliveries.filter(status=InviteDelivery.Status.SENT).count()
        if imported is not None and done >= count:
            sent = time.perf_counter()
            break
    failed = deliveries.exclude(status=InviteDelivery.Status.SENT).count()
    total = deliveries.count()
    ids = set(deliveries.values_list("provider_message_id", flat=True))
    written = messages_written(mail_dir)
    job.refresh_from_db()
    reset(fixture)
    if sent is None:
        raise RuntimeError(
            f"not finished after {timeout:.0f} s: import {job.status} {job.processed}/{count}, "
            f"{total - failed} of {count} deliveries sent"
        )
    if set(written) != ids or set(written.values()) != {1}:
        twice = sum(1 for n in written.values() if n > 1)
        raise RuntimeError(
            f"{len(ids)} deliveries sent, {sum(written.values())} messages written for "
            f"{len(written)} Message-IDs ({twice} more than once)"
        )
    return {
        "written": float(sum(written.values())),
        "preview_s": previewed - began,
        "import_s": (imported or sent) - began,
        "total_s": sent - began,
        "created": float(job.created_count),
        "errors": float(len(job.errors)),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    fixture = ensure_fixture(slug="bench-bulk", email="bench-bulk@example.com")
    print(
        f"{args.candidates:,} candidates, worker concurrency {args.concurrency}, broker {BROKER}, "
        f"mail: file-based, to a temporary folder ({load_average()})"
    )
    purge_queue()
    mail_dir = Path(tempfile.mkdtemp(prefix="panelist-bench-mail-"))
    worker = start_worker(args.concurrency, mail_dir)
    runs = []
    try:
        wait_ready(worker)
        for number in range(1, args.rounds + 1):
            figures = one_round(fixture, args.candidates, args.timeout, mail_dir)
            runs.append(figures)
            print(
                f"  round {number}: preview {figures['preview_s']:.1f} s, imported and invited "
                f"at {figures['import_s']:.1f} s, all {args.candidates:,} emails sent at "
                f"{figures['total_s']:.1f} s ({args.candidates / figures['total_s']:.0f}/s), "
                f"row errors {figures['errors']:.0f}, {figures['written']:,.0f} messages written "
                "(each Message-ID once)"
            )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        purge_queue()
        shutil.rmtree(mail_dir, ignore_errors=True)
    total = statistics.median(r["total_s"] for r in runs)
    print(
        f"median total {total:.1f} s; target <= {TARGET_SECONDS:.0f} s: "
        f"{'met' if total <= TARGET_SECONDS else 'NOT met'}"
    )
    return {"total_s": total, "runs": runs}


if __name__ == "__main__":
    main()
