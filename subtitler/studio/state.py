"""What the studio's pages and routes share: its folders, its jobs by id, and the events sent to open pages.

A job is an input of the watched folder: a row of the watcher's ledger (DIR/outbox/watch.sqlite), or a file that
arrived in DIR/inbox and is not taken yet (`waiting`). Requests name a job by its id (16 hex digits, a hash of
its place in the inbox), never by a path: `resolve` turns an id into a JobRef or raises LookupError.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from subtitler.names import safe_stem, shown
from subtitler.studio.events import Broadcaster
from subtitler.watch import folders
from subtitler.watch.scan import scan
from subtitler.watch.store import DATABASE, Entry, Store

PRIVATE = ".studio"  # the studio's own files in DIR: token, upload choices, glossaries, uploads being received
UPLOADS = "uploads"  # in DIR/.studio: files being received, under hidden temporary names
PRESETS = "presets"  # in DIR/.studio: a preset for each upload choice (upload_presets.py)
GLOSSARIES = "glossaries"  # in DIR/.studio: <id>.toml or <id>.csv, the id a hash of the content
COPIES = "copies"  # in DIR/.studio: <job id>.json, a video's copies for other networks (copies.py)
WAITING = "waiting"  # arrived in the inbox, not taken by the watcher yet (it waits until the file has settled)
_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class JobRef:
    id: str
    name: str  # the input's file name, as a person reads it ("Élodie.mp4"; bytes that are not UTF-8 as \xNN)
    folder: Path  # its output folder (made when the job runs)
    stem: str  # the outputs' stem: folder/<stem>.en.srt, folder/<stem>.subtitled.mp4...
    source: Path  # the input, in the inbox
    state: str  # waiting | queued | running | done | failed (the ledger's states, and waiting)
    preset: str  # the preset it runs with: a name, or a preset file (an upload's choices: see upload_presets.py)


def job_id(key: str) -> str:
    """The id of the input at `key` (relative to the inbox, "/" between folders): stable across restarts."""
    return hashlib.sha256(b"job\0" + key.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def valid_id(text: str) -> bool:
    return bool(_ID.fullmatch(text))


class Studio:
    """The studio in DIR: DIR/inbox is watched, DIR/outbox holds the outputs and the ledger."""

    def __init__(self, root: Path, default_preset: str = "default", model: str | None = None,
                 max_upload_bytes: int = 4 << 30, max_uploads: int = 20):  # fmt: skip
        self.root = root.resolve()
        self.inbox = self.root / "inbox"
        self.outbox = self.root / "outbox"
        self.private = self.root / PRIVATE
        self.default_preset = default_preset
        self.model = model  # the Whisper model given on the command line (None: each preset's)
        self.max_upload_bytes = max_upload_bytes
        self.max_uploads = max_uploads  # files received at the same time
        self.events = Broadcaster()

    def make_folders(self) -> None:
        """DIR's folders, made when missing; uploads a stopped studio was receiving are removed (never whole)."""
        own = (self.private / name for name in (UPLOADS, PRESETS, GLOSSARIES, COPIES))
        for folder in (self.inbox, self.outbox, self.private, *own):
            folder.mkdir(parents=True, exist_ok=True)
        self.private.chmod(0o700)
        for unfinished in (self.private / UPLOADS).glob(".*.part"):
            unfinished.unlink(missing_ok=True)

    @contextlib.contextmanager
    def ledger(self) -> Iterator[Store | None]:
        """The watcher's ledger, opened for this block (None before the watcher made it)."""
        if not (self.outbox / DATABASE).is_file():
            yield None
            return
        store = Store(self.outbox)
        try:
            yield store
        finally:
            store.close()

    def records(self) -> list[tuple[JobRef, Entry | None]]:
        """Every job, newest first, with its ledger row (None while it waits in the inbox)."""
        with self.ledger() as store:
            entries = store.entries() if store else []
        known = {entry.path for entry in entries}
        found: list[tuple[JobRef, Entry | None]] = [
            (self._ref(entry.path, entry.output, entry.state, entry.preset), entry) for entry in entries
        ]
        arrived = [key for key in scan(self.inbox) if key not in known]
        if arrived:
            presets = folders.read(self.inbox)  # the preset each will run with, as the watcher will find it
            for key in arrived:
                preset = presets.preset_for(key, self.default_preset)[0] or self.default_preset
                found.append((self._ref(key, self.expected_output(key), WAITING, preset), None))
        return sorted(found, key=lambda pair: -(pair[1].queued_at if pair[1] else float("inf")))

    def jobs(self) -> list[JobRef]:
        return [ref for ref, _ in self.records()]

    def record(self, job_id: str) -> tuple[JobRef, Entry | None]:
        if valid_id(job_id):
            for ref, entry in self.records():
                if ref.id == job_id:
                    return ref, entry
        raise LookupError(f"no job {job_id!r}")

    def resolve(self, job_id: str) -> JobRef:
        """The job with this id; LookupError when there is none (an id is 16 hex digits, never a path)."""
        return self.record(job_id)[0]

    def requeue(self, job_id: str) -> None:
        """Run a job that ended (done or failed) again through the watcher: outputs whose sources did not change
        are kept, the rest is made again (publishing corrections, retrying a failure). A job waiting, queued or
        running is left as it is: it runs (again) anyway. LookupError when the id is unknown."""
        ref = self.resolve(job_id)
        with self.ledger() as store:
            if store is not None:
                store.again(self._key(ref))

    def notify(self, event: dict[str, object]) -> None:
        """Send `event` (JSON; its "type" names it, "message" if none) to every open page, from any thread."""
        self.events.publish(json.loads(json.dumps(event)))  # not JSON: TypeError here, for the caller

    def close(self) -> None:
        """The server is stopping: end the event streams of open pages."""
        self.events.close()

    # -- helpers ---------------------------------------------------------------------------------
    def _ref(self, key: str, output: str, state: str, preset: str) -> JobRef:
        folder = self.outbox / output
        return JobRef(job_id(key), shown(PurePosixPath(key).name), folder, folder.name, self.inbox / key, state, preset)

    def _key(self, ref: JobRef) -> str:
        return ref.source.relative_to(self.inbox).as_posix()

    @staticmethod
    def expected_output(key: str) -> str:
        """Where the watcher will most likely put a waiting input's outputs (it adds -2 when that is taken)."""
        relative = PurePosixPath(key)
        parent = PurePosixPath(*(safe_stem(part) for part in relative.parent.parts))
        return (parent / safe_stem(relative.stem or relative.name)).as_posix()
