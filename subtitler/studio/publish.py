"""Publishing: the video's job run again through the watcher (the studio's one way to run jobs), and with it each of
its copies for other networks (copies.py), every one of them made from the same corrections. Each run makes every
output of the corrected languages from the correction and keeps the transcript and everything else whose sources
are unchanged; a follower tells the pages (`Studio.notify`, events of type "publish") how each goes and which files
each made again.

    {"type": "publish", "job": ID, "state": "queued" | "running" | "done" | "failed", "message", "stage", "progress",
     "outputs": [the video's files made again], "reused": [...],
     "copies": [{"preset": "youtube", "job": ID, "state", "message", "stage", "progress", "outputs", "reused",
                 "kept": [languages corrected in that copy itself, kept], "new": true for a copy made now}]}
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from subtitler.errors import SubtitlerError
from subtitler.studio import copies
from subtitler.studio.listing import STAGES, STATES
from subtitler.studio.opened import RECORD, Opened
from subtitler.studio.requests import Refused
from subtitler.studio.state import Studio

log = logging.getLogger(__name__)
FOLLOW_S = 0.5  # how often a publish's jobs are read from the watcher's ledger
MAX_PUBLISH_S = 12 * 3600.0
_publishing: dict[str, dict[str, Any]] = {}  # the video's job id -> where its last publish is
_lock = threading.Lock()


def state_of(job: str) -> dict[str, Any]:
    with _lock:
        return json.loads(json.dumps(_publishing.get(job) or {"state": "idle"}))


def start(studio: Studio, opened: Opened, codes: list[str], networks: list[str]) -> dict[str, Any]:
    """Publish the video (its job run again) and its copies: those made before, and one for each of `networks`."""
    job = str(opened.ref.id)
    with _lock:
        if _publishing.get(job, {}).get("state") in ("queued", "running"):
            raise Refused("this video is being published already", 409)
        made = copies.read(studio, job).ids()
        busy = [net for net, copy in made.items() if _state(studio, copy) in copies.BUSY]
        if busy:
            raise Refused(f"the copy for {busy[0]} is being made now: publish once it is done", 409)
        began = time.time()
        tracked = {job: _digests(opened.folder)}
        studio.requeue(job)
        parts = [_copy(studio, opened, net, copy, tracked) for net, copy in made.items()]
        parts += [_copy(studio, opened, net, None, tracked) for net in networks if net not in made]
        state = {"type": "publish", "job": job, "state": "queued", "languages": codes, "stage": "", "progress": 0.0,
                 "message": STATES["queued"], "outputs": [], "reused": [], "copies": parts}  # fmt: skip
        _publishing[job] = state
    follower = threading.Thread(target=_follow, args=(studio, job, tracked, began), daemon=True, name=f"publish-{job}")
    follower.start()
    return json.loads(json.dumps(state))


def _copy(studio: Studio, opened: Opened, network: str, copy: str | None, tracked: dict[str, dict[str, str]]) -> dict[str, Any]:
    """One copy made to follow the corrections and queued (made now when `copy` is None): its part of the state."""
    part: dict[str, Any] = {"preset": network, "job": copy or "", "state": "queued", "message": STATES["queued"], "stage": "",
                            "progress": 0.0, "outputs": [], "reused": [], "kept": [], "new": copy is None}  # fmt: skip
    try:
        if copy is None:
            copy, followed = copies.make(studio, opened, network)
        else:
            tracked_before = _digests(studio.resolve(copy).folder)
            followed = copies.republish(studio, opened, network, copy)
            tracked[copy] = tracked_before
    except (copies.CopyRefused, SubtitlerError, OSError, LookupError) as exc:
        log.warning("publish %s for %s: %s", opened.ref.name, network, exc)
        return {**part, "state": "failed", "message": str(exc)}
    except Exception as exc:  # a bug in making one copy: the video and the other copies are published all the same
        log.exception("publish %s for %s", opened.ref.name, network)
        return {**part, "state": "failed", "message": f"internal error: {exc.__class__.__name__}: {exc}"}
    tracked.setdefault(copy, {})
    part["kept"] = [f.language for f in followed if f.kept]
    return {**part, "job": copy}


def _state(studio: Studio, job: str) -> str:
    try:
        return studio.resolve(job).state
    except LookupError:
        return "gone"


def _digests(folder: Path) -> dict[str, str]:
    """Each output's digest and name, as the job's job.json lists them."""
    try:
        outputs = json.loads((folder / RECORD).read_text(encoding="utf-8")).get("outputs") or {}
        return {f"{key}={entry['digest']}": str(entry["path"]) for key, entry in outputs.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _follow(studio: Studio, job: str, tracked: dict[str, dict[str, str]], began: float) -> None:
    """Tell the pages where each run is until every one ended (its ledger row finished after the request)."""
    seen: dict[str, tuple[Any, ...]] = {}
    running = dict(tracked)
    while running and time.time() - began < MAX_PUBLISH_S:
        for run, before in list(running.items()):
            if _looked_at(studio, job, run, before, began, seen):
                del running[run]
        time.sleep(FOLLOW_S)
    for run in running:
        _tell(studio, job, run, state="failed", message="the watcher did not finish the job")
    _finish(studio, job)


def _looked_at(
    studio: Studio, job: str, run: str, before: dict[str, str], began: float, seen: dict[str, tuple[Any, ...]]
) -> bool:
    """Where one run is, told when it changed; True once it ended."""
    try:
        ref, entry = studio.record(run)
    except LookupError:
        _tell(studio, job, run, state="failed", message="the video is not in the studio any more")
        return True
    finished = entry is not None and entry.finished_at is not None and entry.finished_at >= began
    if ref.state in ("done", "failed") and entry is not None and finished:
        _ended(studio, job, run, ref.folder, before, ref.state, entry.error)
        return True
    now = (ref.state, entry.stage if entry else "", round(entry.progress, 2) if entry else 0.0)
    if now != seen.get(run):
        seen[run] = now
        stage = STAGES.get(now[1], now[1]) if now[1] else STATES.get(ref.state, ref.state)
        _tell(studio, job, run, state=ref.state if ref.state == "running" else "queued", stage=now[1], progress=now[2],
              message=stage)  # fmt: skip
    return False


def _ended(studio: Studio, job: str, run: str, folder: Path, before: dict[str, str], state: str, error: str) -> None:
    if state == "failed":
        _tell(studio, job, run, state="failed", message=error.strip().splitlines()[0] if error.strip() else "the job failed")
        return
    after = _digests(folder)
    made = sorted({name for key, name in after.items() if key not in before})
    try:
        reused = list(json.loads((folder / RECORD).read_text(encoding="utf-8")).get("reused") or [])
    except (OSError, ValueError, AttributeError):
        reused = []
    _tell(studio, job, run, state="done", stage="", progress=1.0, message="published", outputs=made, reused=reused)


def _finish(studio: Studio, job: str) -> None:
    """Every run ended: the publish is done, or failed with the first reason (a copy's network named)."""
    with _lock:
        state = _publishing[job]
        own = dict(state.get("video") or {"state": "failed", "message": "the job did not end"})
        failed = [part for part in state["copies"] if part["state"] == "failed"]
    if own["state"] == "failed":
        _tell(studio, job, None, state="failed", message=own["message"])
    elif failed:
        _tell(studio, job, None, state="failed", message=f"the copy for {failed[0]['preset']}: {failed[0]['message']}")
    else:
        _tell(studio, job, None, state="done", stage="", progress=1.0, message="published")


def _tell(studio: Studio, job: str, run: str | None, **changes: Any) -> None:
    """Change the state of the publish (`run` None), of the video's own run (its end kept as "video": the publish
    ends with its copies, `_finish`), or of a copy's; then send the whole state to the pages."""
    with _lock:
        state = _publishing[job]
        if run is None:
            state.update(changes)
        elif run == job and changes.get("state") in ("done", "failed"):
            state["video"] = {"state": changes["state"], "message": changes.get("message", "")}
            state.update({k: v for k, v in changes.items() if k in ("outputs", "reused")})
        elif run == job:
            state.update(changes)
        else:
            for part in state["copies"]:
                if part["job"] == run:
                    part.update(changes)
        event = json.loads(json.dumps(state))
    try:
        studio.notify(event)
    except Exception:  # a page that went away must not stop the publish
        log.debug("could not notify the pages", exc_info=True)
