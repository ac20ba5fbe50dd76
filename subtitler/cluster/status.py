"""`subtitler status --broker`: the workers connected to the broker, and what each is doing."""

from __future__ import annotations

from typing import Any

from subtitler.cluster.app import connect
from subtitler.errors import SubtitlerError
from subtitler.names import shown
from subtitler.watch.store import Store


def _job(task: dict[str, Any]) -> str:
    job = (task.get("kwargs") or {}).get("job")
    return str(job.get("key", "?")) if isinstance(job, dict) else "?"


def worker_lines(url: str | None, store: Store, timeout: float = 2.0) -> list[str]:
    """One line per worker (host, device, queues, current job with its stage and progress from the ledger); a line
    saying why when the broker cannot be asked."""
    try:
        chosen, app = connect(url)
    except SubtitlerError as exc:
        return [f"workers: {exc}"]
    inspect = app.control.inspect(timeout=timeout)
    active = inspect.active() or {}
    queues = inspect.active_queues() or {}
    if not active and not queues:
        return [f"workers: none connected to {chosen.shown}"]
    lines = [f"workers: {len(set(active) | set(queues))} connected to {chosen.shown}"]
    for name in sorted(set(active) | set(queues)):
        device, _, host = name.partition("@")
        device = device.split("-")[0]
        taken = ",".join(str(q.get("name")) for q in queues.get(name) or ())
        jobs = active.get(name) or []
        if not jobs:
            lines.append(f"worker   {host}  {device}  queues {taken}  idle")
        for task in jobs:
            key = _job(task)
            entry = store.get(key)
            doing = f"{entry.stage or 'starting'} {entry.progress:.0%}" if entry and entry.state == "running" else "starting"
            lines.append(f"worker   {host}  {device}  queues {taken}  {shown(key)}  {doing}")
    return lines
