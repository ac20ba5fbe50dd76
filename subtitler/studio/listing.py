"""A job as the jobs page shows it: its state in words, the stage it is in, how far the whole job is, the time
left (from that and the time it has run), why it failed, and where its files and its editor are. A video's copies
for other networks (copies.py) are shown with it, each the same way, not as videos of their own."""

from __future__ import annotations

import time
from typing import Any

from subtitler.studio import copies, upload_presets
from subtitler.studio.state import WAITING, JobRef, Studio
from subtitler.watch.store import Entry, one_line

# What each stage costs, roughly, as a share of a job on a CPU (the transcription dominates); a stage not
# listed counts as a small one. Only used to turn "stage, share of the stage" into "share of the job".
_WEIGHTS = {"probe": 1, "resume": 1, "extract_audio": 4, "transcribe": 55, "cues": 1, "subtitles": 1, "translate": 8,
            "write": 1, "mux": 4, "burn": 20, "enhance": 30, "review": 1, "record": 1}  # fmt: skip
_ORDER = list(_WEIGHTS)
STAGES = {
    "probe": "Reading the file", "resume": "Looking for earlier work", "extract_audio": "Taking the sound",
    "transcribe": "Listening (transcription)", "cues": "Making the subtitles", "subtitles": "Making the subtitles",
    "translate": "Translating", "write": "Writing subtitle files", "mux": "Adding subtitle tracks",
    "burn": "Burning subtitles into the picture", "enhance": "Enhancing picture and sound", "review": "Checking the subtitles",
    "record": "Finishing",
}  # fmt: skip
STATES = {WAITING: "Arrived", "queued": "Waiting its turn", "running": "Working", "done": "Done",
          "partial": "Done, with something missing", "failed": "Failed",
          "wanted": "Made once the video is done"}  # fmt: skip
_MIN_SHARE = 0.03  # before this share of the job, the time left would be a guess
_MIN_ELAPSED_S = 4.0


def share_done(stage: str, fraction: float) -> float:
    """The share of a whole job done when `stage` is `fraction` done."""
    total = sum(_WEIGHTS.values())
    if stage not in _WEIGHTS:
        return 0.0
    before = sum(_WEIGHTS[name] for name in _ORDER[: _ORDER.index(stage)])
    return min(1.0, (before + _WEIGHTS[stage] * max(0.0, min(1.0, fraction))) / total)


def time_left(share: float, elapsed: float) -> float | None:
    """Seconds left, assuming the rest goes at the pace so far; None while too little is done to tell."""
    if share < _MIN_SHARE or elapsed < _MIN_ELAPSED_S:
        return None
    return elapsed * (1.0 - share) / share


def _state(ref: JobRef, entry: Entry | None) -> str:
    if entry is not None and entry.state == "done" and entry.error:
        return "partial"
    return ref.state


def view(studio: Studio, ref: JobRef, entry: Entry | None, now: float | None = None) -> dict[str, Any]:
    """What the page needs of one job, as JSON."""
    now = time.time() if now is None else now
    state = _state(ref, entry)
    shown: dict[str, Any] = {
        "id": ref.id, "name": ref.name, "preset": upload_presets.describe(studio, ref.preset),
        "network": upload_presets.network(studio, ref.preset), "state": state,
        "state_text": STATES.get(state, state), "stage": "", "stage_text": "", "stage_share": 0.0, "share": 0.0,
        "left_s": None, "error": "", "attempts": 0, "seconds": None, "can_retry": state in ("failed", "partial"),
        "has_files": False, "links": {"editor": f"/jobs/{ref.id}", "files": f"/api/jobs/{ref.id}/files",
                                      "zip": f"/api/jobs/{ref.id}/download.zip", "retry": f"/api/jobs/{ref.id}/retry"},
    }  # fmt: skip
    if entry is None:
        return shown
    shown.update(attempts=entry.attempts, seconds=entry.seconds, error=one_line(entry.error, 300) if entry.error else "")
    shown["has_files"] = entry.state in ("done", "failed") or ref.folder.is_dir()
    if entry.state == "running":
        stage = entry.stage or "probe"
        share = share_done(stage, entry.progress)
        elapsed = now - entry.started_at if entry.started_at else 0.0
        left = time_left(share, elapsed)
        shown.update(stage=stage, stage_text=STAGES.get(stage, stage), stage_share=round(entry.progress, 3),
                     share=round(share, 3), left_s=None if left is None else int(left // 5 * 5 + 5))  # fmt: skip
    elif entry.state == "done":
        shown["share"] = 1.0
    return shown


def views(studio: Studio) -> list[dict[str, Any]]:
    """Every video, newest first, each with its copies for other networks (`copies`: shown with it only)."""
    now = time.time()
    records = studio.records()
    found = copies.index(studio)
    by_id = {ref.id: (ref, entry) for ref, entry in records}
    with_their_video = {copy for first, made in found.items() if first in by_id for copy in made.ids().values()}
    shown = []
    for ref, entry in records:
        if ref.id in with_their_video:
            continue
        one = view(studio, ref, entry, now)
        if ref.id in found:
            one["copies"] = copy_views(studio, found[ref.id], by_id, now)
        shown.append(one)
    return shown


def copy_views(
    studio: Studio, made: copies.Copies, by_id: dict[str, tuple[JobRef, Entry | None]], now: float
) -> list[dict[str, Any]]:
    """A video's copies as the page shows them: those made as jobs, those to make once it is done, those that
    could not be made (with why)."""
    found = [{**view(studio, *by_id[copy], now), "network": net} for net, copy in made.ids().items() if copy in by_id]
    for net in made.wanted:
        found.append({"network": net, "state": "wanted", "state_text": STATES["wanted"], "error": "", "id": ""})
    for net, why in made.problems.items():
        found.append({"network": net, "state": "failed", "state_text": "Not made", "error": one_line(why, 300), "id": ""})
    return found
