"""The watched folder's durable job state: one SQLite row per input, in OUT/watch.sqlite.

Every change is one transaction with a full sync, so a process killed at any moment leaves the
last committed state: a job is `done` only after its outputs and job.json were written, and a
job found `running` at start-up was cut short and is queued again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DATABASE = "watch.sqlite"
STATES = ("queued", "running", "done", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    path TEXT PRIMARY KEY,          -- the input, relative to the watched folder, with '/'
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    output TEXT NOT NULL,           -- the job's output folder, relative to OUT
    preset TEXT NOT NULL,
    stage TEXT NOT NULL DEFAULT '',
    progress REAL NOT NULL DEFAULT 0,
    queued_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    seconds REAL
)
"""


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    mtime_ns: int
    sha256: str
    state: str
    attempts: int
    error: str
    output: str
    preset: str
    stage: str
    progress: float
    queued_at: float
    started_at: float | None
    finished_at: float | None
    seconds: float | None


class Store:
    def __init__(self, folder: Path):
        self.path = folder / DATABASE
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, *args: object) -> int:
        with self._db:  # one transaction, committed (and synced) before returning
            self._db.execute("BEGIN IMMEDIATE")
            return self._db.execute(sql, args).rowcount

    def _select(self, where: str = "1", *args: object) -> list[Entry]:
        rows = self._db.execute(f"SELECT * FROM jobs WHERE {where} ORDER BY queued_at, path", args).fetchall()
        return [Entry(*row) for row in rows]

    def get(self, path: str) -> Entry | None:
        found = self._select("path = ?", path)
        return found[0] if found else None

    def entries(self, *states: str) -> list[Entry]:
        if not states:
            return self._select()
        return self._select(f"state IN ({', '.join('?' for _ in states)})", *states)

    def counts(self) -> dict[str, int]:
        found = dict(self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())
        return {state: found.get(state, 0) for state in STATES}

    def outputs(self) -> dict[str, str]:
        """Output folder -> the input that owns it."""
        return {output: path for path, output in self._db.execute("SELECT path, output FROM jobs")}

    def queue(self, path: str, size: int, mtime_ns: int, sha256: str, output: str, preset: str) -> None:
        """A new input, or one whose content changed: to be done (again)."""
        self._write(
            "INSERT INTO jobs (path, size, mtime_ns, sha256, state, output, preset, queued_at) "
            "VALUES (?, ?, ?, ?, 'queued', ?, ?, ?) "
            "ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "sha256 = excluded.sha256, state = 'queued', error = '', preset = excluded.preset, "
            "stage = '', progress = 0, queued_at = excluded.queued_at, started_at = NULL, finished_at = NULL, seconds = NULL",
            path, size, mtime_ns, sha256, output, preset, time.time(),
        )  # fmt: skip

    def touch(self, path: str, size: int, mtime_ns: int) -> None:
        """Same content under a new modification time (copied again, touched): nothing to redo."""
        self._write("UPDATE jobs SET size = ?, mtime_ns = ? WHERE path = ?", size, mtime_ns, path)

    def start(self, path: str) -> None:
        self._write(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, stage = '', progress = 0 "
            "WHERE path = ? AND state = 'queued'",
            time.time(), path,
        )  # fmt: skip

    def progress(self, path: str, stage: str, fraction: float) -> None:
        self._write("UPDATE jobs SET stage = ?, progress = ? WHERE path = ? AND state = 'running'", stage, fraction, path)

    def finish(self, path: str, seconds: float) -> None:
        self._write(
            "UPDATE jobs SET state = 'done', error = '', stage = '', progress = 1, finished_at = ?, seconds = ? "
            "WHERE path = ? AND state = 'running'",
            time.time(), seconds, path,
        )  # fmt: skip

    def fail(self, path: str, error: str, seconds: float) -> None:
        self._write(
            "UPDATE jobs SET state = 'failed', error = ?, stage = '', finished_at = ?, seconds = ? "
            "WHERE path = ? AND state = 'running'",
            error, time.time(), seconds, path,
        )  # fmt: skip

    def requeue_running(self) -> int:
        """Jobs a stopped or killed watcher left running: to be done again."""
        return self._write("UPDATE jobs SET state = 'queued', stage = '', progress = 0 WHERE state = 'running'")

    def retry(self, paths: Iterable[str] = ()) -> int:
        """Failed jobs (all, or those named) queued again."""
        wanted = list(paths)
        if not wanted:
            return self._write("UPDATE jobs SET state = 'queued', error = '', queued_at = ? WHERE state = 'failed'", time.time())
        return sum(
            self._write("UPDATE jobs SET state = 'queued', error = '', queued_at = ? WHERE state = 'failed' AND path = ?",
                        time.time(), path)
            for path in wanted
        )  # fmt: skip

    def forget(self, path: str) -> None:
        """An input that disappeared before it was done."""
        self._write("DELETE FROM jobs WHERE path = ? AND state != 'running'", path)
