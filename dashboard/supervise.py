"""Keep one command running: ``python -m dashboard.supervise -- celery -A dashboard worker …``.

``./panelist up`` runs the Celery worker under this, so a worker that dies (a crash, the OOM
killer, a SIGKILL) is started again instead of leaving the site answering 201 while nothing
runs. SIGTERM or SIGINT stops the child with SIGTERM (Celery's warm shutdown), waits for it and
exits; so does the death of the process that started the supervisor. A child that keeps dying
is restarted after a growing pause (1 s doubling to 30 s; back to 1 s once it ran for a minute).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType

STOP_GRACE = 60.0  # seconds a stopping child may take to finish its tasks
HEALTHY_RUN = 60.0
MAX_PAUSE = 30.0


def log(message: str) -> None:
    print(f"[supervise] {message}", file=sys.stderr, flush=True)


def run(command: list[str]) -> int:
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parent = os.getppid()
    pause = 1.0
    while not stopping:
        started = time.monotonic()
        # Its own session: Ctrl-C reaches the supervisor, which stops the child once, in order.
        child = subprocess.Popen(command, start_new_session=True)  # noqa: S603 (our own command line)
        log(f"started pid {child.pid}: {' '.join(command)}")
        while child.poll() is None and not stopping:
            if os.getppid() != parent:
                log("the process that started me is gone: stopping")
                stopping = True
                break
            time.sleep(0.5)
        if stopping:
            _stop(child)
            break
        _kill_group(child.pid)  # its pool and embedded beat would outlive it: two beats
        ran = time.monotonic() - started
        pause = 1.0 if ran >= HEALTHY_RUN else min(pause * 2, MAX_PAUSE)
        log(f"pid {child.pid} exited with {child.returncode} after {ran:.0f} s; restarting")
        deadline = time.monotonic() + pause
        while time.monotonic() < deadline and not stopping:
            time.sleep(0.2)
    log("stopped")
    return 0


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            log(f"pid {child.pid} did not stop in {STOP_GRACE:.0f} s: killing it")
    _kill_group(child.pid)
    child.wait()


def _kill_group(pgid: int) -> None:
    """SIGKILL what is left of the child's session (it leads its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def main(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print("usage: python -m dashboard.supervise -- COMMAND [ARGS…]", file=sys.stderr)
        return 2
    return run(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
