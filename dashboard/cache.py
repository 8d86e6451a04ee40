"""The default cache: one SQLite file shared by every process on the machine.

Sign-in throttles, rate limits, idempotency records and the worker's heartbeat must be seen by
every gunicorn worker and by the Celery worker alike; Django's local-memory cache counts per
process (two web workers gave one email eight password tries instead of five), and its
file-based cache increments with a read then a write, so two processes can lose a count.

Here every operation is one SQL statement in autocommit, so it is atomic across processes;
integers are stored as SQLite integers so that ``incr`` is a single ``UPDATE … RETURNING``.
Other values are pickled, as Django's own backends do. Expired rows are purged now and then;
nothing is evicted before it expires, so flooding the cache with keys cannot push a sign-in
lock out. It needs no server, but it does need a local disk: for several machines set
``CACHE_URL=redis://…`` instead.
"""

from __future__ import annotations

import os
import pickle
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

# About one write in this many also deletes the rows that have expired.
_PURGE_ONE_IN = 200

_SCHEMA = "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value, expires REAL)"


class SQLiteCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.path = Path(location)
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        # A connection per thread, and a new one after a fork (Celery's prefork pool): SQLite
        # connections must not cross either.
        pid, conn = getattr(self._local, "conn", (None, None))
        if conn is None or pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=20, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            self._local.conn = (os.getpid(), conn)
        return conn

    @staticmethod
    def _encode(value: Any) -> Any:
        if type(value) is int and -(2**63) <= value < 2**63:
            return value
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def _decode(value: Any) -> Any:
        return value if isinstance(value, int) else pickle.loads(value)  # noqa: S301

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        db = self._db()
        rows = db.execute(sql, params).rowcount
        if random.randrange(_PURGE_ONE_IN) == 0:  # noqa: S311
            db.execute("DELETE FROM cache WHERE expires <= ?", (time.time(),))
        return rows

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        # Replaces only an expired row: of two processes adding one key, exactly one wins.
        return bool(
            self._write(
                "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "expires = excluded.expires WHERE cache.expires <= ?",
                (key, self._encode(value), self.get_backend_timeout(timeout), time.time()),
            )
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._db()
            .execute(
                "SELECT value FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (key, time.time()),
            )
            .fetchone()
        )
        return default if row is None else self._decode(row[0])

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        self._write(
            "INSERT OR REPLACE INTO cache (key, value, expires) VALUES (?, ?, ?)",
            (key, self._encode(value), self.get_backend_timeout(timeout)),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return bool(
            self._write(
                "UPDATE cache SET expires = ? WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (self.get_backend_timeout(timeout), key, time.time()),
            )
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._db()
            .execute(
                "UPDATE cache SET value = value + ? WHERE key = ? "
                "AND (expires IS NULL OR expires > ?) AND typeof(value) = 'integer' "
                "RETURNING value",
                (delta, key, time.time()),
            )
            .fetchone()
        )
        if row is None:
            raise ValueError(f"Key '{key}' not found (or not an integer)")
        return int(row[0])

    def delete(self, key: Any, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return bool(
            self._write(
                "DELETE FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (key, time.time()),
            )
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self.get(key, self._missing_key, version=version) is not self._missing_key

    def clear(self) -> None:
        self._db().execute("DELETE FROM cache")
