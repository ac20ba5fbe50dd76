"""The watched folder's durable job state: one SQLite row per input, in OUT/watch.sqlite.

Every change is one transaction with a full sync, so a process killed at any moment leaves the
last committed state: a job is `done` only after its outputs and job.json were written, and a
job found `running` at start-up was cut short and is queued again. A job done without some of its
outputs (a language its speech could not be translated into) is `done` with its `error` saying which
and why, as its job.json's `problems` do; `retry` queues it again like a failed one.

An input's path is kept as TEXT, or as the BLOB of its bytes when the name is not valid UTF-8 (Linux
allows any bytes; Python gives them as lone surrogates, which SQLite cannot store as text): such
an input is done like any other. Every other text is stored as valid UTF-8 (such bytes as \\xNN).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from subtitler.job import problem_line
from subtitler.names import shown

DATABASE = "watch.sqlite"
RECORD = "job.json"  # written last by every job: what it made, and the outputs it could not make
STATES = ("queued", "running", "done", "failed")
PRESET = "preset"  # `cause` of an input failed on its folder preset: queued again when the presets change

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    path TEXT PRIMARY KEY,          -- the input, relative to the watched folder, with '/' (a BLOB if not UTF-8)
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
    seconds REAL,
    cause TEXT NOT NULL DEFAULT '',  -- why it failed before it ran: '' or 'preset'
    task TEXT NOT NULL DEFAULT '',   -- the id of its message, when it went to workers through a broker
    delivered INTEGER NOT NULL DEFAULT 0  -- the deliveries of that message counted in `attempts`
)
"""
_ADDED = {"cause": "TEXT NOT NULL DEFAULT ''", "task": "TEXT NOT NULL DEFAULT ''", "delivered": "INTEGER NOT NULL DEFAULT 0"}


def utf8(text: str) -> str:
    """`text` as valid UTF-8: the bytes of a name that are not UTF-8 (lone surrogates) written as \\xNN."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return shown(text)
    except UnicodeError:  # a surrogate that does not stand for a byte: not from a file name
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def one_line(text: str, limit: int = 500) -> str:
    """`text` as one line of valid UTF-8, at most `limit` characters: a reason for the ledger and the log."""
    line = " ".join(utf8(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _key(path: str) -> str | bytes:
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape")


def _path(key: str | bytes) -> str:
    return key.decode("utf-8", "surrogateescape") if isinstance(key, bytes) else key


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
    cause: str
    task: str
    delivered: int


_COLUMNS = ", ".join(f.name for f in fields(Entry))


class Store:
    def __init__(self, folder: Path):
        self.path = folder / DATABASE
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
        for column, kind in _ADDED.items():
            if column not in present:
                with contextlib.suppress(sqlite3.OperationalError):  # a ledger from before it; unless added meanwhile
                    self._db.execute(f"ALTER TABLE jobs ADD COLUMN {column} {kind}")

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, *args: object) -> int:
        with self._db:  # one transaction, committed (and synced) before returning
            self._db.execute("BEGIN IMMEDIATE")
            return self._db.execute(sql, args).rowcount

    def _select(self, where: str = "1", *args: object) -> list[Entry]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE {where} ORDER BY queued_at, path", args).fetchall()
        return [Entry(_path(row[0]), *row[1:]) for row in rows]

    def get(self, path: str) -> Entry | None:
        found = self._select("path = ?", _key(path))
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
        return {output: _path(path) for path, output in self._db.execute("SELECT path, output FROM jobs")}

    def queue(self, path: str, size: int, mtime_ns: int, sha256: str, output: str, preset: str) -> None:
        """A new input, or one whose content changed: to be done (again)."""
        self._write(
            "INSERT INTO jobs (path, size, mtime_ns, sha256, state, output, preset, queued_at) "
            "VALUES (?, ?, ?, ?, 'queued', ?, ?, ?) "
            "ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "sha256 = excluded.sha256, state = 'queued', error = '', cause = '', preset = excluded.preset, "
            "stage = '', progress = 0, queued_at = excluded.queued_at, started_at = NULL, finished_at = NULL, seconds = NULL",
            _key(path), size, mtime_ns, sha256, utf8(output), utf8(preset), time.time(),
        )  # fmt: skip

    def touch(self, path: str, size: int, mtime_ns: int) -> None:
        """Same content under a new modification time (copied again, touched): nothing to redo."""
        self._write("UPDATE jobs SET size = ?, mtime_ns = ? WHERE path = ?", size, mtime_ns, _key(path))

    def start(self, path: str, preset: str | None = None, task: str = "") -> None:
        """A queued job handed to a worker, with the preset it runs with (when given) and, when it goes through a
        broker, its message's id (its first delivery is this attempt)."""
        self._write(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, stage = '', progress = 0, "
            "preset = COALESCE(?, preset), task = ?, delivered = 1 WHERE path = ? AND state = 'queued'",
            time.time(), None if preset is None else utf8(preset), task, _key(path),
        )  # fmt: skip

    def delivered(self, path: str, delivery: int) -> None:
        """A running job's message was delivered again (its worker died): each new delivery is one more attempt."""
        self._write("UPDATE jobs SET attempts = attempts + (? - delivered), delivered = ? "
                    "WHERE path = ? AND state = 'running' AND delivered < ?",
                    delivery, delivery, _key(path), delivery)  # fmt: skip

    def progress(self, path: str, stage: str, fraction: float) -> None:
        self._write("UPDATE jobs SET stage = ?, progress = ? WHERE path = ? AND state = 'running'",
                    utf8(stage), fraction, _key(path))  # fmt: skip

    def finish(self, path: str, seconds: float, problems: str | None = None) -> None:
        """A job that ran to its end: `done`, with the outputs it could not make as `error` (as the worker
        reported them; else from its job.json)."""
        self._write(
            "UPDATE jobs SET state = 'done', error = ?, stage = '', progress = 1, finished_at = ?, seconds = ? "
            "WHERE path = ? AND state = 'running'",
            utf8(problems) if problems is not None else self._problems(path), time.time(), seconds, _key(path),
        )  # fmt: skip

    def _problems(self, path: str) -> str:
        """What a job's job.json names as not made, as one line; '' when everything was (or there is no record)."""
        row = self._db.execute("SELECT output FROM jobs WHERE path = ?", (_key(path),)).fetchone()
        if row is None:
            return ""
        try:
            problems = json.loads((self.path.parent / row[0] / RECORD).read_text(encoding="utf-8")).get("problems")
        except (OSError, ValueError, AttributeError):
            return ""
        return utf8(problem_line({str(k): str(v) for k, v in problems.items()})) if isinstance(problems, dict) else ""

    def partial(self) -> list[Entry]:
        """Jobs done without some of their outputs (`error` says which)."""
        return self._select("state = 'done' AND error != ''")

    def fail(self, path: str, error: str, seconds: float) -> None:
        self._write(
            "UPDATE jobs SET state = 'failed', error = ?, stage = '', finished_at = ?, seconds = ? "
            "WHERE path = ? AND state = 'running'",
            utf8(error), time.time(), seconds, _key(path),
        )  # fmt: skip

    def refuse(self, path: str, preset: str, error: str, cause: str) -> None:
        """A queued job that cannot start (its preset does not load): failed at once, with the reason and its cause."""
        now = time.time()
        self._write(
            "UPDATE jobs SET state = 'failed', attempts = attempts + 1, error = ?, cause = ?, preset = ?, stage = '', "
            "progress = 0, started_at = ?, finished_at = ?, seconds = 0 WHERE path = ? AND state = 'queued'",
            utf8(error), cause, utf8(preset), now, now, _key(path),
        )  # fmt: skip

    def requeue_running(self) -> int:
        """Jobs a stopped or killed watcher left running: to be done again."""
        return self._write("UPDATE jobs SET state = 'queued', stage = '', progress = 0 WHERE state = 'running'")

    def retry(self, paths: Iterable[str] = ()) -> int:
        """Failed jobs, and jobs done without some outputs (all, or those named, as the file system gives them or
        as `status` shows them), queued again."""
        again = "(state = 'failed' OR (state = 'done' AND error != ''))"
        wanted = set(paths)
        if not wanted:
            return self._write(f"UPDATE jobs SET state = 'queued', error = '', cause = '', queued_at = ? WHERE {again}",
                               time.time())  # fmt: skip
        named = [e.path for e in self._select(again) if e.path in wanted or utf8(e.path) in wanted]
        return sum(
            self._write(f"UPDATE jobs SET state = 'queued', error = '', cause = '', queued_at = ? "
                        f"WHERE {again} AND path = ?", time.time(), _key(path))
            for path in named
        )  # fmt: skip

    def again(self, path: str) -> int:
        """One job that ended (done or failed) queued to run again, e.g. to publish corrections made since: outputs
        whose sources are unchanged are kept, the others made again. A running or queued job is left as it is."""
        return self._write("UPDATE jobs SET state = 'queued', error = '', cause = '', stage = '', progress = 0, queued_at = ? "
                           "WHERE path = ? AND state IN ('done', 'failed')", time.time(), _key(path))  # fmt: skip

    def retry_failed_on(self, cause: str) -> int:
        """Jobs that failed before they ran for this cause (a preset since corrected) queued again."""
        return self._write("UPDATE jobs SET state = 'queued', error = '', cause = '', queued_at = ? "
                           "WHERE state = 'failed' AND cause = ?", time.time(), cause)  # fmt: skip

    def forget(self, path: str) -> None:
        """An input that disappeared before it was done."""
        self._write("DELETE FROM jobs WHERE path = ? AND state != 'running'", _key(path))
