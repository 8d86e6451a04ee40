"""The embedded broker: kombu's file-system transport, made safe for several processes.

kombu's own transport writes a message file in place (a polling worker can read it empty and
die on ``JSONDecodeError``, kombu#1551) and deletes a file as soon as it is read (a worker killed
mid-task loses that task, whatever ``acks_late`` says). Here:

- a producer writes ``.tmp-…`` in the queue folder and ``os.replace``-s it to its name, so a
  reader only ever sees whole messages;
- a consumer claims a message by renaming it into ``.inflight/<pid>@<start>@<host>/`` (a rename
  succeeds for exactly one process); an ack deletes it, a reject or a restore renames it back;
- every consumer moves the in-flight files of dead processes on this host back to the queue, at
  start and then every ``recover_interval`` seconds, so a SIGKILLed worker's tasks run again;
- a file that does not parse is moved to ``.quarantine/`` with a log line, never raised.

``dashboard.celery`` registers this class for ``filesystem://`` URLs. One machine only: whether
another host's worker is alive cannot be told from here, so its in-flight files are left alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

INFLIGHT = ".inflight"
QUARANTINE = ".quarantine"
TMP_PREFIX = ".tmp-"
# A temporary file this old belongs to a producer that died while writing it.
TMP_MAX_AGE = 3600.0


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot ("" without /proc), None when it is
    gone or a zombie: the start time tells a reused pid from the process that made a folder."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if not Path("/proc/self/stat").exists():
            return _pid_exists(pid)
        return None
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


def _pid_exists(pid: int) -> str | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return ""


def owner_name(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{pid}@{_process_start(pid) or ''}@{socket.gethostname()}"


def owner_alive(name: str) -> bool:
    """Whether the process that named an in-flight folder still runs (other hosts: assumed)."""
    try:
        pid_text, start, host = name.split("@", 2)
        pid = int(pid_text)
    except ValueError:
        return False  # not a folder this transport made
    if host != socket.gethostname():
        return True
    current = _process_start(pid)
    return current is not None and current == start


def _is_message(filename: str, queue: str | None = None) -> bool:
    if filename.startswith(".") or not filename.endswith(".msg"):
        return False
    return queue is None or filename.partition(".")[2] == f"{queue}.msg"


def oldest_message_age(folder: str | Path, queues: set[str] | None = None) -> float | None:
    """Seconds since the oldest waiting message of these queues was written (None: no message).
    In-flight messages are not waiting; a recovered one keeps its first write time."""
    oldest: float | None = None
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return None
    for entry in entries:
        if not _is_message(entry.name):
            continue
        if queues is not None and entry.name.partition(".")[2][: -len(".msg")] not in queues:
            continue
        try:
            written = entry.stat().st_mtime
        except FileNotFoundError:
            continue  # claimed meanwhile
        oldest = written if oldest is None else min(oldest, written)
    return None if oldest is None else max(0.0, time.time() - oldest)


class Channel(filesystem.Channel):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._no_ack_queues: set[str] = set()

    @property
    def _transport(self) -> Transport:
        return self.connection

    # kombu's own base classes disagree on this parameter's name (payload / message).
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        folder = self.data_folder_out
        filename = f"{time.time_ns():020d}_{uuid.uuid4().hex}.{queue}.msg"
        tmp = os.path.join(folder, f"{TMP_PREFIX}{uuid.uuid4().hex}")
        try:
            with open(tmp, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(tmp, os.path.join(folder, filename))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {filename!r} to directory") from exc

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        # kombu creates an exchange's table with open("wb") before locking it, so another
        # process can read it empty; create it whole (an empty table) before kombu fills it.
        table = self._exchange_file(exchange)
        if not table.exists():
            self.control_folder.mkdir(parents=True, exist_ok=True)
            tmp = self.control_folder / f"{TMP_PREFIX}{uuid.uuid4().hex}"
            tmp.write_text("[]")
            try:
                os.link(tmp, table)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        super()._queue_bind(exchange, routing_key, pattern, queue)

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        transport = self._transport
        transport.recover_dead(self.data_folder_in)
        folder = self.data_folder_in
        for filename in sorted(os.listdir(folder)):
            if not _is_message(filename, queue):
                continue
            claimed = transport.claim(folder, filename)
            if claimed is None:
                continue  # another consumer took it
            try:
                with open(claimed, "rb") as f:
                    payload = loads(bytes_to_str(f.read()))
                tag = payload["properties"]["delivery_tag"]
            except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
                transport.quarantine(folder, claimed, exc)
                continue
            if queue in self._no_ack_queues:
                os.unlink(claimed)  # nothing will ack it
            else:
                transport.remember(tag, claimed, folder)
            return payload
        raise Empty()

    def basic_consume(self, queue: str, no_ack: bool, *args: Any, **kwargs: Any) -> Any:
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        message = super().basic_get(queue, no_ack, **kwargs)
        if message is not None and no_ack:
            self._transport.settle(message.delivery_tag)
        return message

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple)
        self._transport.settle(delivery_tag)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        super().basic_reject(delivery_tag, requeue=requeue)
        self._transport.settle(delivery_tag)  # requeued already: _restore moved it back

    def _restore(self, message: Any) -> None:
        if not self._transport.put_back(message.delivery_tag):
            super()._restore(message)


class Transport(filesystem.Transport):
    Channel = Channel
    driver_name = "panelist-filesystem"

    def __init__(self, client: Any, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        options = client.transport_options
        self.recover_interval = float(options.get("recover_interval", 10.0))
        self._next_recover = 0.0
        self._lock = threading.Lock()
        # delivery tag -> (in-flight path, queue folder) of the messages this process holds
        self._claimed: dict[str, tuple[str, str]] = {}
        self._owner_of, self._owner_name = 0, ""

    def _owner(self) -> str:
        # Computed per process: a forked child that consumes must not claim as its parent.
        pid = os.getpid()
        if self._owner_of != pid:
            self._owner_of, self._owner_name = pid, owner_name(pid)
        return self._owner_name

    def claim(self, folder: str, filename: str) -> str | None:
        """Rename a waiting message into this process's in-flight folder; None if taken."""
        mine = os.path.join(folder, INFLIGHT, self._owner())
        target = os.path.join(mine, filename)
        try:
            os.replace(os.path.join(folder, filename), target)
        except FileNotFoundError:
            if os.path.isdir(mine):
                return None
            os.makedirs(mine, exist_ok=True)
            try:
                os.replace(os.path.join(folder, filename), target)
            except FileNotFoundError:
                return None
        return target

    def remember(self, tag: str, path: str, folder: str) -> None:
        with self._lock:
            self._claimed[tag] = (path, folder)

    def settle(self, tag: str) -> None:
        """The message is done with (acked, rejected or no-ack): forget and delete it."""
        with self._lock:
            held = self._claimed.pop(tag, None)
        if held is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(held[0])

    def put_back(self, tag: str) -> bool:
        """Return a held message to the head of its queue (its name keeps its first place)."""
        with self._lock:
            held = self._claimed.pop(tag, None)
        if held is None:
            return False
        path, folder = held
        try:
            os.replace(path, os.path.join(folder, os.path.basename(path)))
        except FileNotFoundError:
            return False
        return True

    def quarantine(self, folder: str, path: str, exc: Exception) -> None:
        target = os.path.join(folder, QUARANTINE)
        os.makedirs(target, exist_ok=True)
        os.replace(path, os.path.join(target, os.path.basename(path)))
        logger.error(
            "Broker: unreadable message %s moved to %s (%s: %s)",
            os.path.basename(path),
            target,
            type(exc).__name__,
            exc,
        )

    def recover_dead(self, folder: str) -> None:
        """Requeue the in-flight messages of dead processes; drop stale temporary files."""
        now = time.monotonic()
        if now < self._next_recover:
            return
        self._next_recover = now + self.recover_interval
        inflight = os.path.join(folder, INFLIGHT)
        try:
            owners = os.listdir(inflight)
        except FileNotFoundError:
            owners = []
        for owner in owners:
            if owner_alive(owner):
                continue
            owned = os.path.join(inflight, owner)
            for filename in os.listdir(owned):
                try:
                    os.replace(os.path.join(owned, filename), os.path.join(folder, filename))
                except FileNotFoundError:
                    continue  # another worker recovered it
                logger.warning(
                    "Broker: requeued %s, left unacknowledged by dead process %s", filename, owner
                )
            with contextlib.suppress(OSError):
                os.rmdir(owned)  # not empty: a file arrived meanwhile; next sweep
        cutoff = time.time() - TMP_MAX_AGE
        for entry in os.scandir(folder):
            if entry.name.startswith(TMP_PREFIX):
                try:
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                except FileNotFoundError:
                    pass
