"""The task file a worker keeps in a job's output folder: which message it runs, how many times it was delivered,
and how it ended. Written whole (a temp name, then a rename) while the worker holds the folder's lease.

It is what makes jobs idempotent across deliveries: a second delivery of a message whose task file says it ended
does nothing, and the coordinator reads its outcome from here when it missed the events (restarted, or the broker
was down while the job ended).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from subtitler.outputs import write_text

NAME = ".subtitler-task.json"
RUNNING, DONE, FAILED = "running", "done", "failed"


@dataclass(frozen=True)
class TaskRecord:
    task: str  # the message's id (the same on every delivery of it)
    key: str
    deliveries: int  # how many times a worker started it
    state: str  # running | done | failed
    host: str = ""
    pid: int = 0
    device: str = ""
    error: str = ""  # failed: why; done: the outputs it could not make (as the ledger's `error`)
    seconds: float = 0.0

    @property
    def ended(self) -> bool:
        return self.state in (DONE, FAILED)

    def end(self, state: str, error: str, seconds: float) -> TaskRecord:
        return replace(self, state=state, error=error, seconds=seconds)


def read(folder: Path) -> TaskRecord | None:
    """The task file of `folder`, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads((folder / NAME).read_text(encoding="utf-8"))
        return TaskRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def write(folder: Path, record: TaskRecord) -> None:
    write_text(folder / NAME, json.dumps(asdict(record), ensure_ascii=True, indent=1) + "\n")
