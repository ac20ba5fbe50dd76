"""A finished job as the editor opens it: its reference in the studio, its job.json, the options and the media it
was made with, read once per change of its job.json."""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from subtitler import languages
from subtitler.adapters.media import probe
from subtitler.errors import SubtitlerError
from subtitler.job import Job
from subtitler.model import Cue, MediaInfo, StreamInfo, VideoInfo
from subtitler.options import SECTIONS, Options, load_options, validate
from subtitler.studio.requests import Refused
from subtitler.studio.state import JobRef, Studio

RECORD = "job.json"


@dataclass(frozen=True)
class Opened:
    """A finished job: its reference from the studio, its job.json, the options and the media it was made with."""

    ref: JobRef
    record: dict[str, Any]
    options: Options
    media: MediaInfo
    machine: dict[str, tuple[Cue, ...]] = dataclasses.field(default_factory=dict, compare=False)  # job_cues, kept

    @property
    def folder(self) -> Path:
        return Path(self.ref.folder)

    @property
    def stem(self) -> str:
        return str(self.record.get("stem") or self.ref.stem)

    @property
    def languages(self) -> list[str]:
        """The languages it has subtitles in, the spoken one first."""
        return [str(code) for code in (self.record.get("cue_counts") or {})]

    @property
    def fps(self) -> float:
        video = self.media.video
        return video.fps if video is not None and video.fps > 0 else 25.0

    @property
    def portrait(self) -> bool:
        video = self.media.video
        return video is not None and video.display_size[1] > video.display_size[0]

    def file(self, key: str) -> Path | None:
        """An output job.json names (a name inside the job's folder, never a path elsewhere), if it is there."""
        entry = (self.record.get("outputs") or {}).get(key)
        name = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            return None
        path = self.folder / name
        return path if path.is_file() else None

    def job(self, cues: dict[str, tuple[Cue, ...]], options: Options | None = None, folder: Path | None = None) -> Job:
        return Job(Path(self.ref.source), folder or self.folder, self.stem, options or self.options, None, media=self.media,
                   cues=cues)  # fmt: skip


_opened: dict[str, tuple[int, Opened]] = {}  # job.json -> (its mtime, what it says)
_lock = threading.Lock()


def open_ref(ref: JobRef) -> Opened:
    """The finished job `ref` names; Refused (409) while it has no job.json it can read."""
    path = Path(ref.folder) / RECORD
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise Refused("this video is not subtitled yet", 409) from exc
    with _lock:
        kept = _opened.get(str(path))
    if kept is not None and kept[0] == stamp and kept[1].ref == ref:
        return kept[1]
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        opened = Opened(ref, record, recorded_options(record), _recorded_media(record, Path(ref.source)))
    except (OSError, ValueError, KeyError, TypeError, SubtitlerError) as exc:
        raise Refused(f"this job's record cannot be read ({exc})", 409) from exc
    with _lock:
        _opened[str(path)] = (stamp, opened)
    return opened


def open_id(studio: Studio, job_id: str) -> Opened:
    """The finished job with this id; Refused (404, 409) otherwise."""
    try:
        ref = studio.resolve(job_id)
    except LookupError as exc:
        raise Refused("no such job", 404) from exc
    return open_ref(ref)


def recorded_options(record: dict[str, Any]) -> Options:
    """The options the job was made with (its preset, its flags, the picture's orientation), as job.json keeps them."""
    recorded = record["options"]
    options = load_options("default", {section: recorded[section] for section in SECTIONS})
    portrait = recorded.get("portrait") or {}
    return validate(dataclasses.replace(options, preset=str(record.get("preset", "default")), portrait=portrait))


def _recorded_media(record: dict[str, Any], source: Path) -> MediaInfo:
    data = record.get("media")
    try:
        assert isinstance(data, dict)
        video = VideoInfo(**data["video"]) if data.get("video") else None
        streams = tuple(StreamInfo(**stream) for stream in data.get("streams", ()))
        return MediaInfo(**{**data, "streams": streams, "video": video})
    except (AssertionError, TypeError, KeyError):
        return probe(source)


def language_of(opened: Opened, code: Any) -> str:
    """A language code of the request, as the job writes it; Refused unless the job has subtitles in it."""
    try:
        language = languages.normalize(code) if isinstance(code, str) and len(code) <= 40 else ""
    except ValueError:
        language = ""
    if language not in opened.languages:
        raise Refused(f"this video has no subtitles in {str(code)[:40]!r}: it has {', '.join(opened.languages)}", 404)
    return language
